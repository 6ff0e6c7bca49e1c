/* dotsparse viewer: moving around. Selection both ways between a box and its cell, the keys, and search
   over every page's text through a compact index built from the data files on the first search. */
(function (V) {
  "use strict";

  const states = V.states, byNo = V.byNo, numbers = V.numbers, live = V.live;
  let query = "";
  let hits = [];
  let hitIndex = -1;

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
    if (!V.selected) return;
    const state = byNo.get(V.selected.page);
    if (!state || !state.live || !state.live.rendered) return;
    const found = find(state, V.selected.order);
    if (found.box) found.box.classList.add("selected");
    if (found.cell) found.cell.classList.add("selected");
    if (scrollCell && found.cell) found.cell.scrollIntoView({block: "nearest"});
    if (scrollBox && found.box) found.box.scrollIntoView({block: "nearest"});
  }

  function bringIntoView(state) {
    // a page out of reach is scrolled to first, then built where it now is
    const r = state.section.getBoundingClientRect();
    if (!state.live || r.bottom < 0 || r.top > window.innerHeight) state.section.scrollIntoView({block: "start"});
    V.update(true);
    V.build(state);
    return state.live.ready;
  }

  function select(pageNo, order, scrollBox, scrollCell) {
    V.selected = {page: pageNo, order: order};
    history.replaceState(null, "", "#p" + pageNo + "-c" + order);
    const state = byNo.get(pageNo);
    if (!state) return Promise.resolve();
    if (state.live && state.live.rendered) { applySelection(scrollBox, scrollCell); return Promise.resolve(); }
    return bringIntoView(state).then(function () {
      if (V.selected && V.selected.page === pageNo && V.selected.order === order) applySelection(scrollBox, scrollCell);
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
    let index = V.selected ? numbers.indexOf(V.selected.page) : (delta > 0 ? 0 : numbers.length - 1);
    let order = V.selected ? V.selected.order : null;
    function attempt(hops) {
      if (index < 0 || index >= numbers.length || hops > numbers.length) return;
      V.ensureRecord(numbers[index]).then(function (record) {
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
    if (V.selected) return numbers.indexOf(V.selected.page);
    return Math.min(states.length - 1, V.firstBelow(80));
  }

  function stepPage(delta) {
    const index = Math.min(numbers.length - 1, Math.max(0, currentPageIndex() + delta));
    goToPage(numbers[index]);
  }

  function goToPage(pageNo) {
    const state = byNo.get(pageNo);
    if (!state) return;
    V.selected = null;
    clearSelection();
    history.replaceState(null, "", "#p" + pageNo);
    state.section.scrollIntoView({block: "start"});
    V.update(true);
  }

  function onKey(event) {
    const inField = event.target.matches && event.target.matches("input[type=search], textarea");
    if (event.key === "Escape") {
      if (inField) event.target.blur();
      V.selected = null; clearSelection();
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
    V.searchIndex.set(pageNo, record.cells.map(function (c) { return [c.o, String(c.s || "").toLowerCase()]; }));
  }

  function buildIndex(progress) {
    if (!V.searchIndex) {
      V.searchIndex = new Map();
      V.records.forEach(function (record, pageNo) { indexRecord(pageNo, record); });
    }
    const missing = numbers.filter(function (n) { return !V.searchIndex.has(n); });
    let done = 0;
    function batch(start) {
      const part = missing.slice(start, start + 24);
      if (!part.length) return Promise.resolve();
      return Promise.all(part.map(function (n) {
        return V.ensureRecord(n).then(function (record) { if (!V.searchIndex.has(n)) indexRecord(n, record); done += 1; });
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
        V.searchIndex.get(n).forEach(function (c) { if (c[1].indexOf(q) !== -1) hits.push({page: n, order: c[0]}); });
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

  function search(text) {
    query = text.trim().toLowerCase();
    runSearch();
  }

  Object.assign(V, {applySelection: applySelection, select: select, onBoxClick: onBoxClick,
                    onContentClick: onContentClick, onKey: onKey, currentPageIndex: currentPageIndex,
                    goToPage: goToPage, indexRecord: indexRecord, markHits: markHits, search: search});
})(window.DotsparseViewer);
