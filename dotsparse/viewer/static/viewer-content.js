/* dotsparse viewer: what a built page shows. Its head (status and notes), its boxes over the page image,
   and its cells: sanitized HTML, crops, picture descriptions, and math typeset by KaTeX with the TeX source
   as the fallback. */
(function (V) {
  "use strict";

  const el = V.el, badge = V.badge, catClass = V.catClass, pct = V.pct;

  function pageHead(p) {
    const head = el("div", "page-head");
    const link = el("a", "page-no", "Page " + p.page);
    link.href = "#p" + p.page;
    head.append(link, badge(p.status, "st-" + p.status));
    if (p.truncated_cells) head.append(badge(p.truncated_cells + " truncated block" + (p.truncated_cells > 1 ? "s" : ""), "note truncated"));
    if (p.fallbacks) head.append(badge("fallback: " + p.fallbacks.join(" → "), "note fallbacks", p.fallbacks.join(" → ")));
    if (p.repairs) head.append(badge(p.repairs.length + " repair" + (p.repairs.length > 1 ? "s" : ""), "note repairs"));
    head.append(el("span", "count", p.cells + " block" + (p.cells === 1 ? "" : "s")));
    return head;
  }

  function pageNotes(p) {
    if (!p.error && !p.repairs && !p.fallbacks) return null;
    const details = el("details", "page-notes");
    details.append(el("summary", null, p.error ? "error" : "repairs and fallbacks"));
    if (p.error) details.append(el("p", "error", p.error));
    if (p.fallbacks) details.append(el("p", null, "Fallback steps: " + p.fallbacks.join(", ")));
    if (p.repairs) {
      const list = el("ul", "repairs");
      p.repairs.forEach(function (r) { list.append(el("li", null, r[0] + (r[1] ? ": " + r[1] : ""))); });
      details.append(list);
    }
    if (p.error) details.open = true;
    return details;
  }

  function render(state, record) {
    const p = state.summary;
    const parts = state.live;
    const list = document.createDocumentFragment();
    if (record.missing) list.append(el("p", "error", "Could not load " + p.data));
    if (record.raw) {
      const details = el("details", "raw");
      details.append(el("summary", null, "The engine's answer, which could not be parsed"), el("pre", null, record.raw));
      list.append(details);
    }
    if (!record.cells.length && !record.missing) list.append(el("p", "muted", p.status === "failed" || p.status === "server-unavailable"
      ? "No content: the page failed." : "No blocks on this page."));
    const boxes = document.createDocumentFragment();
    record.cells.forEach(function (cell) {
      const extra = (cell.furniture ? " furniture" : "") + (cell.truncated ? " truncated" : "");
      if (cell.b && parts.boxes) {
        const box = el("div", "box " + catClass(cell.c) + extra);
        box.dataset.order = cell.o;
        box.title = cell.o + " " + cell.c;
        box.style.left = pct(cell.b[0], p.w);
        box.style.top = pct(cell.b[1], p.h);
        box.style.width = pct(cell.b[2] - cell.b[0], p.w);
        box.style.height = pct(cell.b[3] - cell.b[1], p.h);
        box.append(el("span", "num", cell.o));
        boxes.append(box);
      }
      const item = el("div", "cell " + catClass(cell.c) + extra);
      item.id = "p" + p.page + "-c" + cell.o;
      item.dataset.order = cell.o;
      const tag = el("div", "cell-tag");
      tag.append(el("span", "num", cell.o), el("span", "cat", cell.c));
      if (!cell.b) tag.append(el("span", "muted", "no box"));
      if (cell.truncated) tag.append(badge("truncated", "st-truncated"));
      const body = cellBody(cell);
      body.dir = "auto";  // right-to-left text reads right to left
      item.append(tag, body);
      list.append(item);
    });
    if (parts.boxes) parts.boxes.replaceChildren(boxes);
    const placeholderEl = parts.content.querySelector(".placeholder");
    if (placeholderEl) placeholderEl.replaceWith(list);
    parts.rendered = true;
    V.markHits(state);
    if (V.selected && V.selected.page === p.page) V.applySelection(false, false);
  }

  function cellBody(cell) {
    const body = el("div", "cell-body");
    if (cell.h) {
      body.innerHTML = cell.h;  // sanitized in Python (dotsparse/viewer/render.py) with nh3
      if (cell.f === "html") {
        const wrap = el("div", "table-wrap");
        wrap.append.apply(wrap, Array.from(body.childNodes));
        body.append(wrap);
      }
    }
    if (cell.a && cell.img) {
      const img = el("img", "crop");
      img.alt = cell.c + " " + cell.o;
      img.loading = "lazy";
      img.src = cell.a;
      body.prepend(img);
    } else if (cell.a) {
      const link = el("a", "asset", "open " + cell.a);
      link.href = cell.a;
      body.append(link);
    }
    if (cell.d) body.append(description(cell.d));
    if (!cell.h && !cell.a && !cell.d) body.append(el("span", "muted", V.doc.mode === "detect" || V.doc.mode === "order"
      ? "box only (" + V.doc.mode + " mode)" : "no text"));
    typeset(body);
    return body;
  }

  function description(d) {
    const box = el("div", "description");
    box.append(el("div", "label", "Description" + (d.status === "ok" ? "" : " " + d.status)));
    const text = el("div");
    if (d.h) text.innerHTML = d.h;  // sanitized in Python (render.py) with nh3
    if (d.data) {
      const wrap = el("div", "table-wrap");
      wrap.innerHTML = d.data;  // table HTML sanitized in Python (render.py) with nh3
      text.append(wrap);
    }
    box.append(text);
    if (d.error) box.append(el("div", "muted", d.error));
    return box;
  }

  function typeset(root) {
    root.querySelectorAll(".math").forEach(function (node) {
      const tex = node.textContent;
      if (typeof katex === "undefined") { node.classList.add("math-source"); return; }
      try {
        katex.render(tex, node, {displayMode: node.classList.contains("display"), throwOnError: true,
                                 strict: "ignore", trust: false, maxExpand: 1000, maxSize: 40});
      } catch (err) {
        node.textContent = tex;
        node.classList.add("math-error");
        node.title = "KaTeX could not typeset this: " + (err && err.message ? err.message : err);
      }
    });
  }

  Object.assign(V, {pageHead: pageHead, pageNotes: pageNotes, render: render});
})(window.DotsparseViewer);
