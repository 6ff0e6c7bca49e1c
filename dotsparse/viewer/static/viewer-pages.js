/* dotsparse viewer: page virtualisation and page images.

   Memory stays flat however long the document: every page is an empty placeholder whose height the
   stylesheet fixes from the page's aspect ratio (so the scroll height is exact before anything loads), and
   only pages within a screen or two of the view get their DOM, data and image. The image is decoded once
   into a canvas from a small pool, not shown as an <img>, whose decoded copy Chromium keeps in its image
   cache long after the element is gone. */
(function (V) {
  "use strict";

  const el = V.el, states = V.states, live = V.live;
  const canvases = [];           // spare canvases for page images
  const KEEP_CANVASES = 4;
  const BUILD_ABOVE = 0.5, BUILD_BELOW = 1.5, DROP_ABOVE = 2, DROP_BELOW = 3, FAST = 3;  // screens, screens/s

  function commonRatio() {
    // set once on #pages and inherited: a style of its own on each of 2,000 placeholders costs ~11 MB
    const seen = new Map();
    V.doc.pages.forEach(function (p) { if (p.w && p.h) { const r = String(p.w / p.h); seen.set(r, (seen.get(r) || 0) + 1); } });
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

  function addPlaceholders() {
    const frag = document.createDocumentFragment();
    const ratio = commonRatio();
    if (ratio) V.pagesEl.style.setProperty("--page-ratio", ratio);
    V.doc.pages.forEach(function (p, index) {
      const state = {summary: p, index: index, section: placeholder(p, ratio), live: null};
      states.push(state);
      V.byNo.set(p.page, state);
      frag.append(state.section);
    });
    V.pagesEl.append(frag);
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
      parts.boxes.addEventListener("click", V.onBoxClick);
      figCol.append(parts.figure);
    } else {
      figCol.append(el("div", "no-figure", "No page image: the page failed before it was rendered."));
    }
    const notes = V.pageNotes(p);
    parts.content.append(el("div", "placeholder", "…"));
    if (notes) parts.content.prepend(notes);
    parts.content.addEventListener("click", V.onContentClick);
    const body = el("div", "page-body");
    body.append(figCol, parts.content);
    state.section.replaceChildren(V.pageHead(p), body);
    if (p.image && parts.figure) loadImage(state);
    parts.ready = V.ensureRecord(p.page).then(function (record) {
      if (state.live === parts) V.render(state, record);
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

  /* ---------- which pages are near the view ---------- */

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

  Object.assign(V, {addPlaceholders: addPlaceholders, build: build, sharpen: sharpen, firstBelow: firstBelow,
                    update: update, schedule: schedule});
})(window.DotsparseViewer);
