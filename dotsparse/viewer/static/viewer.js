/* dotsparse document viewer. Reads the JSON block of the page and view/pNNNN.js data files written by
   dotsparse.viewer. Text reaches the DOM as textContent, or as HTML that Python sanitized with nh3 (the
   "h" field); KaTeX builds its DOM itself. No network, no eval, no inline handlers (the CSP forbids them).

   Memory stays flat however long the document: every page is an empty placeholder whose height the
   stylesheet fixes from the page's aspect ratio (so the scroll height is exact before anything loads), and
   only pages within a screen or two of the view get their DOM, data and image. The image is decoded once
   into a canvas from a small pool, not shown as an <img>, whose decoded copy Chromium keeps in its image
   cache long after the element is gone. */
(function () {
  "use strict";

  const doc = JSON.parse(document.getElementById("dotsparse-document").textContent);
  const pagesEl = document.getElementById("pages");
  const states = [];             // in page order: {summary, index, section, live}
  const byNo = new Map();        // page number -> state
  const numbers = doc.pages.map(function (p) { return p.page; });
  const live = new Set();        // states whose page is built
  const records = new Map();     // page number -> its data file's record, least recently used first
  const waiting = new Map();     // page number -> [resolve] for callers awaiting its record
  const canvases = [];           // spare canvases for page images
  const KEEP_RECORDS = 24, KEEP_CANVASES = 4;
  const BUILD_ABOVE = 0.5, BUILD_BELOW = 1.5, DROP_ABOVE = 2, DROP_BELOW = 3, FAST = 3;  // screens, screens/s
  let selected = null;           // {page, order}
  let query = "";
  let hits = [];
  let hitIndex = -1;
  let searchIndex = null;        // page number -> [[order, lower-case text]], built on the first search

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

  function badge(text, cls, title) {
    const b = el("span", "badge " + cls, text);
    if (title) b.title = title;
    return b;
  }

  /* ---------- a page's parts: head, notes, figure ---------- */

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

  function commonRatio() {
    // set once on #pages and inherited: a style of its own on each of 2,000 placeholders costs ~11 MB
    const seen = new Map();
    doc.pages.forEach(function (p) { if (p.w && p.h) { const r = String(p.w / p.h); seen.set(r, (seen.get(r) || 0) + 1); } });
    let best = null;
    seen.forEach(function (count, ratio) { if (best === null || count > seen.get(best)) best = ratio; });
    return best;
  }

  function placeholder(p, ratio) {
    const section = el("section", "page status-" + p.status);
    section.id = "p" + p.page;
    section.dataset.page = p.page;
    if (!p.w || !p.h) section.classList.add("no-geometry");
    else if (String(p.w / p.h) !== ratio) section.style.setProperty("--page-ratio", String(p.w / p.h));
    return section;
  }

  /* ---------- building and dropping pages as they come near the view and leave it ---------- */

  function build(state) {
    if (state.live) return;
    const p = state.summary;
    const parts = {figure: null, boxes: null, canvas: null, img: null, content: el("div", "content"), painted: 0,
                   natural: 0, rendered: false, ready: null};
    state.live = parts;
    live.add(state);
    const figCol = el("div", "figure-col");
    if (p.w && p.h) {
      parts.figure = el("div", "figure");
      parts.boxes = el("div", "boxes");
      parts.figure.append(parts.boxes);
      if (p.image_note) parts.figure.append(el("div", "image-note", p.image_note));
      parts.boxes.addEventListener("click", onBoxClick);
      figCol.append(parts.figure);
    } else {
      figCol.append(el("div", "no-figure", "No page image: the page failed before it was rendered."));
    }
    const notes = pageNotes(p);
    parts.content.append(el("div", "placeholder", "…"));
    if (notes) parts.content.prepend(notes);
    parts.content.addEventListener("click", onContentClick);
    const body = el("div", "page-body");
    body.append(figCol, parts.content);
    state.section.replaceChildren(pageHead(p), body);
    if (p.image && parts.figure) loadImage(state);
    parts.ready = ensureRecord(p.page).then(function (record) {
      if (state.live === parts) render(state, record);
      return state;
    });
  }

  function drop(state) {
    const parts = state.live;
    if (!parts) return;
    releaseImage(parts);
    state.section.replaceChildren();
    state.live = null;
    live.delete(state);
  }

  function loadImage(state) {
    const parts = state.live;
    const canvas = canvases.pop() || el("canvas", "page-image");
    canvas.removeAttribute("data-loaded");
    parts.canvas = canvas;
    parts.figure.prepend(canvas);
    const img = new Image();
    parts.img = img;
    img.addEventListener("load", function () { if (state.live === parts) paint(parts, img); });
    img.addEventListener("error", function () {
      if (state.live === parts) parts.figure.append(el("div", "image-note", "Could not load " + state.summary.image));
    });
    img.src = state.summary.image;
  }

  function paint(parts, img) {
    // decode once at the size shown (never above the file's): the canvas holds the only decoded copy
    const shown = parts.figure.getBoundingClientRect().width * (window.devicePixelRatio || 1);
    const scale = Math.min(1, Math.max(shown, 16) / img.naturalWidth);
    const w = Math.max(1, Math.round(img.naturalWidth * scale));
    const h = Math.max(1, Math.round(img.naturalHeight * scale));
    createImageBitmap(img, {resizeWidth: w, resizeHeight: h, resizeQuality: "medium"}).then(function (bitmap) {
      if (parts.img !== img) { bitmap.close(); return; }
      parts.natural = img.naturalWidth;  // (0 once src is gone)
      img.removeAttribute("src");
      parts.img = null;
      const canvas = parts.canvas;
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      canvas.getContext("2d").drawImage(bitmap, 0, 0);
      bitmap.close();
      canvas.dataset.loaded = "1";
      parts.painted = w;
    }, function () { /* the figure keeps its boxes on a blank page */ });
  }

  function releaseImage(parts) {
    if (parts.img) { parts.img.removeAttribute("src"); parts.img = null; }
    const canvas = parts.canvas;
    if (!canvas) return;
    canvas.remove();
    parts.canvas = null;
    if (canvases.length < KEEP_CANVASES) canvases.push(canvas);
    else { canvas.width = 0; canvas.height = 0; }
  }

  function sharpen(state) {
    // after a zoom or resize: decode again where the canvas has fewer pixels than the screen shows
    const parts = state.live;
    if (!parts || !parts.canvas || !parts.painted) return;
    const shown = parts.figure.getBoundingClientRect().width * (window.devicePixelRatio || 1);
    if (shown > parts.painted * 1.15 && parts.painted < parts.natural) {
      releaseImage(parts);
      loadImage(state);
    }
  }

  function firstBelow(y) {
    // index of the first page whose bottom is below y (viewport coordinates); pages are in order
    let lo = 0, hi = states.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (states[mid].section.getBoundingClientRect().bottom > y) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  let lastY = window.scrollY, lastT = performance.now(), idle = null;

  function update(force) {
    // drop pages far from the view at once; build the near ones unless the view is flying past them (a fling
    // through a thousand pages would build and throw away a thousand), then when it slows down or stops
    const screen = window.innerHeight;
    live.forEach(function (state) {
      const r = state.section.getBoundingClientRect();
      if (r.bottom < -DROP_ABOVE * screen || r.top > (1 + DROP_BELOW) * screen) drop(state);
    });
    const now = performance.now(), y = window.scrollY;
    const speed = Math.abs(y - lastY) / screen / Math.max(1, now - lastT) * 1000;  // screens a second
    lastY = y; lastT = now;
    clearTimeout(idle);
    if (!force && speed > FAST) { idle = setTimeout(update, 120); return; }
    for (let i = firstBelow(-BUILD_ABOVE * screen); i < states.length; i++) {
      if (states[i].section.getBoundingClientRect().top > (1 + BUILD_BELOW) * screen) break;
      build(states[i]);
    }
  }

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; update(false); });
  }

  /* ---------- page records: view/pNNNN.js, loaded when needed, a few kept ---------- */

  function requestRecord(pageNo) {
    const state = byNo.get(pageNo);
    const script = document.createElement("script");
    script.src = state.summary.data;
    script.addEventListener("error", function () {
      script.remove();
      const record = {page: pageNo, cells: [], missing: true};
      window.DotsparseViewer.page(pageNo, record);
    });
    script.addEventListener("load", function () { script.remove(); });
    document.head.append(script);
  }

  function ensureRecord(pageNo) {
    if (!byNo.has(pageNo)) return Promise.reject(new Error("no page " + pageNo));
    if (records.has(pageNo)) {
      const record = records.get(pageNo);
      records.delete(pageNo);
      records.set(pageNo, record);
      return Promise.resolve(record);
    }
    return new Promise(function (resolve) {
      if (!waiting.has(pageNo)) { waiting.set(pageNo, []); requestRecord(pageNo); }
      waiting.get(pageNo).push(resolve);
    });
  }

  function keepFewRecords() {
    for (const pageNo of Array.from(records.keys())) {
      if (records.size <= KEEP_RECORDS) break;
      if (!byNo.get(pageNo).live) records.delete(pageNo);
    }
  }

  window.DotsparseViewer = {
    page: function (pageNo, record) {
      if (!byNo.has(pageNo) || !record || !Array.isArray(record.cells)) return;
      records.delete(pageNo);
      records.set(pageNo, record);
      if (searchIndex) indexRecord(pageNo, record);
      const resolvers = waiting.get(pageNo) || [];
      waiting.delete(pageNo);
      resolvers.forEach(function (resolve) { resolve(record); });
      keepFewRecords();
    }
  };

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
    markHits(state);
    if (selected && selected.page === p.page) applySelection(false, false);
  }

  /* ---------- selection, both ways ---------- */

  function find(state, order) {
    const parts = state.live;
    return {
      box: parts && parts.boxes ? parts.boxes.querySelector('.box[data-order="' + order + '"]') : null,
      cell: parts ? parts.content.querySelector('.cell[data-order="' + order + '"]') : null
    };
  }

  function clearSelection() {
    document.querySelectorAll(".selected").forEach(function (n) { n.classList.remove("selected"); });
  }

  function applySelection(scrollBox, scrollCell) {
    clearSelection();
    if (!selected) return;
    const state = byNo.get(selected.page);
    if (!state || !state.live || !state.live.rendered) return;
    const found = find(state, selected.order);
    if (found.box) found.box.classList.add("selected");
    if (found.cell) found.cell.classList.add("selected");
    if (scrollCell && found.cell) found.cell.scrollIntoView({block: "nearest"});
    if (scrollBox && found.box) found.box.scrollIntoView({block: "nearest"});
  }

  function bringIntoView(state) {
    // a page out of reach is scrolled to first, then built where it now is
    const r = state.section.getBoundingClientRect();
    if (!state.live || r.bottom < 0 || r.top > window.innerHeight) state.section.scrollIntoView({block: "start"});
    update(true);
    build(state);
    return state.live.ready;
  }

  function select(pageNo, order, scrollBox, scrollCell) {
    selected = {page: pageNo, order: order};
    history.replaceState(null, "", "#p" + pageNo + "-c" + order);
    const state = byNo.get(pageNo);
    if (!state) return Promise.resolve();
    if (state.live && state.live.rendered) { applySelection(scrollBox, scrollCell); return Promise.resolve(); }
    return bringIntoView(state).then(function () {
      if (selected && selected.page === pageNo && selected.order === order) applySelection(scrollBox, scrollCell);
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

  function visibleCells(record) {
    const hideFurniture = document.body.classList.contains("hide-furniture");
    return record.cells.filter(function (c) { return !(hideFurniture && c.furniture); });
  }

  function stepCell(delta) {
    let index = selected ? numbers.indexOf(selected.page) : (delta > 0 ? 0 : numbers.length - 1);
    let order = selected ? selected.order : null;
    function attempt(hops) {
      if (index < 0 || index >= numbers.length || hops > numbers.length) return;
      ensureRecord(numbers[index]).then(function (record) {
        const cells = visibleCells(record);
        let at = order === null ? (delta > 0 ? -1 : cells.length)
                                : cells.findIndex(function (c) { return c.o === order; });
        if (at === -1 && order !== null) at = delta > 0 ? -1 : cells.length;
        const next = cells[at + delta];
        if (next) { select(numbers[index], next.o, true, true); return; }
        index += delta; order = null;
        attempt(hops + 1);
      });
    }
    attempt(0);
  }

  function currentPageIndex() {
    if (selected) return numbers.indexOf(selected.page);
    return Math.min(states.length - 1, firstBelow(80));
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
    update(true);
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

  /* ---------- search over every page's text: a compact index, built from the data files on the first search ---------- */

  function indexRecord(pageNo, record) {
    searchIndex.set(pageNo, record.cells.map(function (c) { return [c.o, String(c.s || "").toLowerCase()]; }));
  }

  function buildIndex(progress) {
    if (!searchIndex) {
      searchIndex = new Map();
      records.forEach(function (record, pageNo) { indexRecord(pageNo, record); });
    }
    const missing = numbers.filter(function (n) { return !searchIndex.has(n); });
    let done = 0;
    function batch(start) {
      const part = missing.slice(start, start + 24);
      if (!part.length) return Promise.resolve();
      return Promise.all(part.map(function (n) {
        return ensureRecord(n).then(function (record) { if (!searchIndex.has(n)) indexRecord(n, record); done += 1; });
      })).then(function () { progress(done, missing.length); return batch(start + 24); });
    }
    return batch(0);
  }

  function markHits(state) {
    if (!state.live || !state.live.rendered) return;
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
      live.forEach(markHits);
      return;
    }
    hitsEl.textContent = "searching…";
    buildIndex(function (done, total) { hitsEl.textContent = "loading " + done + "/" + total; }).then(function () {
      if (q !== query) return;
      hits = [];
      numbers.forEach(function (n) {
        searchIndex.get(n).forEach(function (c) { if (c[1].indexOf(q) !== -1) hits.push({page: n, order: c[0]}); });
      });
      hitIndex = -1;
      hitsEl.textContent = hits.length ? hits.length + " found · Enter" : "not found";
      live.forEach(markHits);
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
    update(true);
    if (m[2] !== undefined) select(pageNo, Number(m[2]), true, true);
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
  const ratio = commonRatio();
  if (ratio) pagesEl.style.setProperty("--page-ratio", ratio);
  doc.pages.forEach(function (p, index) {
    const state = {summary: p, index: index, section: placeholder(p, ratio), live: null};
    states.push(state);
    byNo.set(p.page, state);
    frag.append(state.section);
  });
  pagesEl.append(frag);
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
  window.addEventListener("scroll", schedule, {passive: true});
  window.addEventListener("resize", function () { schedule(); live.forEach(sharpen); });
  window.addEventListener("hashchange", followHash);
  update(true);
  followHash();
  performance.mark("dotsparse-ready");
})();
