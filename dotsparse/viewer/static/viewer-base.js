/* dotsparse document viewer: the namespace every viewer script shares, its state, and small DOM helpers.

   Reads the JSON block of the page and view/pNNNN.js data files written by dotsparse.viewer. Text reaches
   the DOM as textContent, or as HTML that Python sanitized with nh3 (the "h" field); KaTeX builds its DOM
   itself. No network, no eval, no inline handlers (the CSP forbids them).

   The scripts are classic ones loaded in order with `defer` (ES modules are refused on file://), each an
   IIFE that adds its functions to window.DotsparseViewer: viewer-base, viewer-pages (placeholders, building
   and dropping pages, page images), viewer-records (view/pNNNN.js), viewer-content (a page's head, boxes
   and cells, KaTeX), viewer-navigate (selection, keys, search), viewer-start (header, deep links, events).
   A data file calls DotsparseViewer.page(number, record). */
(function () {
  "use strict";

  const doc = JSON.parse(document.getElementById("dotsparse-document").textContent);

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  window.DotsparseViewer = {
    doc: doc,
    pagesEl: document.getElementById("pages"),
    states: [],                    // in page order: {summary, index, section, live}
    byNo: new Map(),               // page number -> state
    numbers: doc.pages.map(function (p) { return p.page; }),
    live: new Set(),               // states whose page is built
    selected: null,                // {page, order}
    searchIndex: null,             // page number -> [[order, lower-case text]], built on the first search

    el: el,
    catClass: function (category) { return "cat-" + String(category).toLowerCase().replace(/[^a-z]+/g, "-"); },
    pct: function (value, total) { return (value / total * 100) + "%"; },
    badge: function (text, cls, title) {
      const b = el("span", "badge " + cls, text);
      if (title) b.title = title;
      return b;
    },
  };
})();
