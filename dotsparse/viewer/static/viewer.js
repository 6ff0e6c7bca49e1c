/* dotsparse document viewer. Reads the JSON block of the page and view/pNNNN.js data files written by
   dotsparse.viewer. Text reaches the DOM as textContent, or as HTML that Python sanitized with nh3 (the
   "h" field); KaTeX builds its DOM itself. No network, no eval, no inline handlers (the CSP forbids them). */
(function () {
  "use strict";

  const doc = JSON.parse(document.getElementById("dotsparse-document").textContent);
  const pagesEl = document.getElementById("pages");
  const byNo = new Map();        // page number -> page state
  const waiting = new Map();     // page number -> [resolve] for callers awaiting its data
  const numbers = doc.pages.map(function (p) { return p.page; });
  let selected = null;           // {page, order}
  let query = "";
  let hits = [];
  let hitIndex = -1;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function catClass(category) {
    return "cat-" + String(category).toLowerCase().replace(/[^a-z]+/g, "-");
  }

  function pct(value, total) {
    return (value / total * 100) + "%";
  }

  /* ---------- page skeletons, built for every page up front (cheap: a few elements each) ---------- */

  function badge(text, cls, title) {
    const b = el("span", "badge " + cls, text);
    if (title) b.title = title;
    return b;
  }

  function pageHead(p) {
    const head = el("div", "page-head");
    const link = el("a", "page-no", "Page " + p.page);
    link.href = "#p" + p.page;
    head.append(link, badge(p.status, "st-" + p.status));
    if (p.truncated_cells) head.append(badge(p.truncated_cells + " truncated block" + (p.truncated_cells > 1 ? "s" : ""), "note truncated"));
    if (p.fallbacks) head.append(badge("fallback: " + p.fallbacks.join(" → "), "note fallbacks"));
    if (p.repairs) head.append(badge(p.repairs.length + " repair" + (p.repairs.length > 1 ? "s" : ""), "note repairs"));
    head.append(el("span", "count", p.cells + " block" + (p.cells === 1 ? "" : "s")));
    if (p.error || p.repairs || p.fallbacks) {
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
      head.append(details);
    }
    return head;
  }

  function estimatedHeight(p) {
    // the figure's height as the stylesheet sizes it, plus the page head: where pages not yet laid out sit
    if (!p.w || !p.h) return 160;
    const ratio = p.w / p.h;
    const column = window.innerWidth > 900 ? (window.innerWidth - 80) / 2 : window.innerWidth - 60;
    const width = Math.min(column, (window.innerHeight - 135) * ratio);
    return Math.round(width / ratio + 70);
  }

  function skeleton(p) {
    const section = el("section", "page status-" + p.status);
    section.style.containIntrinsicSize = "auto " + estimatedHeight(p) + "px";
    if (p.w && p.h) section.style.setProperty("--page-ratio", String(p.w / p.h));
    section.id = "p" + p.page;
    section.dataset.page = p.page;
    const body = el("div", "page-body");
    const figCol = el("div", "figure-col");
    const state = {summary: p, section: section, figure: null, boxes: null, img: null, content: null,
                   data: null, loading: false, shown: false};
    if (p.w && p.h) {
      const figure = el("div", "figure");
      figure.style.aspectRatio = p.w + " / " + p.h;
      const boxes = el("div", "boxes");
      figure.append(boxes);
      if (p.image_note) figure.append(el("div", "image-note", p.image_note));
      figCol.append(figure);
      state.figure = figure;
      state.boxes = boxes;
      boxes.addEventListener("click", onBoxClick);
    } else {
      figCol.append(el("div", "no-figure", "No page image: the page failed before it was rendered."));
    }
    const content = el("div", "content");
    content.append(el("div", "placeholder", "…"));
    content.addEventListener("click", onContentClick);
    state.content = content;
    body.append(figCol, content);
    section.append(pageHead(p), body);
    return state;
  }

  /* ---------- loading and unloading as pages scroll by ---------- */

  function requestData(state) {
    if (state.data || state.loading) return;
    state.loading = true;
    const script = document.createElement("script");
    script.src = state.summary.data;
    script.addEventListener("error", function () {
      state.loading = false;
      state.content.replaceChildren(el("p", "error", "Could not load " + state.summary.data));
    });
    script.addEventListener("load", function () { script.remove(); });
    document.head.append(script);
  }

  function ensureData(pageNo) {
    const state = byNo.get(pageNo);
    if (!state) return Promise.reject(new Error("no page " + pageNo));
    if (state.data) return Promise.resolve(state);
    return new Promise(function (resolve) {
      if (!waiting.has(pageNo)) waiting.set(pageNo, []);
      waiting.get(pageNo).push(resolve);
      requestData(state);
    });
  }

  function show(state) {
    if (state.figure && !state.img && state.summary.image) {
      const img = el("img", "page-image");
      img.alt = "Page " + state.summary.page;
      img.decoding = "async";
      img.src = state.summary.image;
      state.figure.prepend(img);
      state.img = img;
    }
    if (state.data && !state.shown) render(state);
    else requestData(state);
  }

  function hide(state) {
    if (!state.img && !state.shown) return;
    state.section.style.minHeight = state.section.offsetHeight + "px";
    if (state.img) { state.img.removeAttribute("src"); state.img.remove(); state.img = null; }
    if (state.shown) {
      if (state.boxes) state.boxes.replaceChildren();
      state.content.replaceChildren(el("div", "placeholder", "…"));
      state.shown = false;
    }
  }

  const near = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) show(byNo.get(Number(e.target.dataset.page))); });
  }, {rootMargin: "100% 0px"});
  const far = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (!e.isIntersecting) hide(byNo.get(Number(e.target.dataset.page))); });
  }, {rootMargin: "300% 0px"});

  /* ---------- rendering one page's boxes and content ---------- */

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
    if (!cell.h && !cell.a && !cell.d) body.append(el("span", "muted", doc.mode === "detect" || doc.mode === "order"
      ? "box only (" + doc.mode + " mode)" : "no text"));
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

  function render(state) {
    const p = state.summary;
    const data = state.data;
    if (state.boxes) state.boxes.replaceChildren();
    const list = document.createDocumentFragment();
    if (data.raw) {
      const details = el("details", "raw");
      details.append(el("summary", null, "The engine's answer, which could not be parsed"), el("pre", null, data.raw));
      list.append(details);
    }
    if (!data.cells.length) list.append(el("p", "muted", p.status === "failed" || p.status === "server-unavailable"
      ? "No content: the page failed." : "No blocks on this page."));
    data.cells.forEach(function (cell) {
      const extra = (cell.furniture ? " furniture" : "") + (cell.truncated ? " truncated" : "");
      if (cell.b && state.boxes) {
        const box = el("div", "box " + catClass(cell.c) + extra);
        box.dataset.order = cell.o;
        box.title = cell.o + " " + cell.c;
        box.style.left = pct(cell.b[0], p.w);
        box.style.top = pct(cell.b[1], p.h);
        box.style.width = pct(cell.b[2] - cell.b[0], p.w);
        box.style.height = pct(cell.b[3] - cell.b[1], p.h);
        box.append(el("span", "num", cell.o));
        state.boxes.append(box);
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
    state.content.replaceChildren(list);
    state.section.style.minHeight = "";
    state.shown = true;
    markHits(state);
    if (selected && selected.page === p.page) applySelection(false, false);
  }

  window.DotsparseViewer = {
    page: function (pageNo, data) {
      const state = byNo.get(pageNo);
      if (!state) return;
      state.data = data;
      state.loading = false;
      if (state.img || isNear(state.section)) render(state);
      (waiting.get(pageNo) || []).forEach(function (resolve) { resolve(state); });
      waiting.delete(pageNo);
    }
  };

  function isNear(section) {
    const r = section.getBoundingClientRect();
    return r.bottom > -2 * window.innerHeight && r.top < 3 * window.innerHeight;
  }

  /* ---------- selection, both ways ---------- */

  function find(state, order) {
    return {
      box: state.boxes ? state.boxes.querySelector('.box[data-order="' + order + '"]') : null,
      cell: state.content.querySelector('.cell[data-order="' + order + '"]')
    };
  }

  function clearSelection() {
    document.querySelectorAll(".selected").forEach(function (n) { n.classList.remove("selected"); });
  }

  function applySelection(scrollBox, scrollCell) {
    clearSelection();
    const state = byNo.get(selected.page);
    if (!state || !state.shown) return;
    const found = find(state, selected.order);
    if (found.box) found.box.classList.add("selected");
    if (found.cell) found.cell.classList.add("selected");
    if (scrollCell && found.cell) found.cell.scrollIntoView({block: "nearest"});
    if (scrollBox && found.box) found.box.scrollIntoView({block: "nearest"});
  }

  function select(pageNo, order, scrollBox, scrollCell) {
    selected = {page: pageNo, order: order};
    history.replaceState(null, "", "#p" + pageNo + "-c" + order);
    const state = byNo.get(pageNo);
    if (state && state.shown) { applySelection(scrollBox, scrollCell); return Promise.resolve(); }
    return ensureData(pageNo).then(function (st) {
      if (!st.shown) { st.section.scrollIntoView({block: "start"}); show(st); if (!st.shown) render(st); }
      applySelection(scrollBox, scrollCell);
    });
  }

  function onBoxClick(event) {
    const box = event.target.closest(".box");
    if (!box) return;
    select(Number(box.closest(".page").dataset.page), Number(box.dataset.order), false, true);
  }

  function onContentClick(event) {
    const cell = event.target.closest(".cell");
    if (!cell || event.target.closest("a[href]")) return;
    select(Number(cell.closest(".page").dataset.page), Number(cell.dataset.order), true, false);
  }

  /* ---------- keyboard: cells, pages, search ---------- */

  function visibleCells(state) {
    const hideFurniture = document.body.classList.contains("hide-furniture");
    return state.data.cells.filter(function (c) { return !(hideFurniture && c.furniture); });
  }

  function stepCell(delta) {
    let index = selected ? numbers.indexOf(selected.page) : (delta > 0 ? 0 : numbers.length - 1);
    let order = selected ? selected.order : null;
    function attempt(hops) {
      if (index < 0 || index >= numbers.length || hops > numbers.length) return;
      ensureData(numbers[index]).then(function (state) {
        const cells = visibleCells(state);
        let at = order === null ? (delta > 0 ? -1 : cells.length)
                                : cells.findIndex(function (c) { return c.o === order; });
        if (at === -1 && order !== null) at = delta > 0 ? -1 : cells.length;
        const next = cells[at + delta];
        if (next) { select(state.summary.page, next.o, true, true); return; }
        index += delta; order = null;
        attempt(hops + 1);
      });
    }
    attempt(0);
  }

  function currentPageIndex() {
    if (selected) return numbers.indexOf(selected.page);
    const sections = pagesEl.children;
    for (let i = 0; i < sections.length; i++) {
      if (sections[i].getBoundingClientRect().bottom > 80) return i;
    }
    return 0;
  }

  function stepPage(delta) {
    const index = Math.min(numbers.length - 1, Math.max(0, currentPageIndex() + delta));
    goToPage(numbers[index]);
  }

  function goToPage(pageNo) {
    const state = byNo.get(pageNo);
    if (!state) return;
    selected = null;
    clearSelection();
    history.replaceState(null, "", "#p" + pageNo);
    state.section.scrollIntoView({block: "start"});
    show(state);
  }

  function onKey(event) {
    const inField = event.target.matches && event.target.matches("input[type=search], textarea");
    if (event.key === "Escape") {
      if (inField) event.target.blur();
      selected = null; clearSelection();
      return;
    }
    if (inField) {
      if (event.key === "Enter" && event.target.id === "search") { nextHit(event.shiftKey ? -1 : 1); event.preventDefault(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = {
      "/": function () { document.getElementById("search").focus(); },
      "j": function () { stepCell(1); }, "k": function () { stepCell(-1); },
      "n": function () { stepPage(1); }, "p": function () { stepPage(-1); },
      "f": function () { toggle("furniture"); }, "b": function () { toggle("boxes"); },
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }

  function toggle(id) {
    const box = document.getElementById(id);
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change"));
  }

  /* ---------- search over every page's text (data files load on the first search) ---------- */

  function loadAll(progress) {
    const missing = numbers.filter(function (n) { return !byNo.get(n).data; });
    let done = 0;
    function batch(start) {
      const part = missing.slice(start, start + 24);
      if (!part.length) return Promise.resolve();
      return Promise.all(part.map(function (n) {
        return ensureData(n).then(function () { done += 1; });
      })).then(function () { progress(done, missing.length); return batch(start + 24); });
    }
    return batch(0);
  }

  function markHits(state) {
    if (!state.shown) return;
    const orders = new Set(hits.filter(function (h) { return h.page === state.summary.page; })
      .map(function (h) { return h.order; }));
    state.section.querySelectorAll(".cell, .box").forEach(function (node) {
      node.classList.toggle("hit", orders.has(Number(node.dataset.order)));
    });
  }

  function runSearch() {
    const hitsEl = document.getElementById("hits");
    const q = query;
    if (q.length < 2) {
      hits = []; hitIndex = -1; hitsEl.textContent = "";
      byNo.forEach(markHits);
      return;
    }
    hitsEl.textContent = "searching…";
    loadAll(function (done, total) { hitsEl.textContent = "loading " + done + "/" + total; }).then(function () {
      if (q !== query) return;
      hits = [];
      numbers.forEach(function (n) {
        byNo.get(n).data.cells.forEach(function (c) {
          if (String(c.s).toLowerCase().indexOf(q) !== -1) hits.push({page: n, order: c.o});
        });
      });
      hitIndex = -1;
      hitsEl.textContent = hits.length ? hits.length + " found · Enter" : "not found";
      byNo.forEach(markHits);
    });
  }

  function nextHit(delta) {
    if (!hits.length) return;
    hitIndex = (hitIndex + delta + hits.length) % hits.length;
    const hit = hits[hitIndex];
    document.getElementById("hits").textContent = (hitIndex + 1) + " / " + hits.length;
    select(hit.page, hit.order, true, true);
  }

  /* ---------- deep links: #p3 and #p3-c5 ---------- */

  function followHash() {
    const m = /^#p(\d+)(?:-c(\d+))?$/.exec(location.hash);
    if (!m) return;
    const pageNo = Number(m[1]);
    const state = byNo.get(pageNo);
    if (!state) return;
    state.section.scrollIntoView({block: "start"});
    if (m[2] !== undefined) select(pageNo, Number(m[2]), true, true);
    else show(state);
  }

  /* ---------- header: status counts that jump to the next page with that status ---------- */

  function summaryBar() {
    const counts = {};
    doc.pages.forEach(function (p) { counts[p.status] = (counts[p.status] || 0) + 1; });
    const bar = document.getElementById("summary");
    Object.keys(counts).forEach(function (status) {
      const chip = badge(counts[status] + " " + status, "st-" + status, "Go to the next " + status + " page");
      chip.addEventListener("click", function () {
        const start = currentPageIndex();
        const order = numbers.slice(start + 1).concat(numbers.slice(0, start + 1));
        const next = order.find(function (n) { return byNo.get(n).summary.status === status; });
        if (next !== undefined) goToPage(next);
      });
      bar.append(chip);
    });
    if (doc.error) bar.append(badge("document error", "st-failed", doc.error));
  }

  /* ---------- start ---------- */

  performance.mark("dotsparse-start");
  const frag = document.createDocumentFragment();
  doc.pages.forEach(function (p) {
    const state = skeleton(p);
    byNo.set(p.page, state);
    frag.append(state.section);
  });
  pagesEl.append(frag);
  byNo.forEach(function (state) { near.observe(state.section); far.observe(state.section); });
  summaryBar();
  document.addEventListener("keydown", onKey);
  document.getElementById("furniture").addEventListener("change", function (e) {
    document.body.classList.toggle("hide-furniture", !e.target.checked);
  });
  document.getElementById("boxes").addEventListener("change", function (e) {
    document.body.classList.toggle("hide-boxes", !e.target.checked);
  });
  let timer = null;
  document.getElementById("search").addEventListener("input", function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { query = e.target.value.trim().toLowerCase(); runSearch(); }, 200);
  });
  window.addEventListener("hashchange", followHash);
  followHash();
  performance.mark("dotsparse-ready");
})();
