/* dotsparse viewer: start. Lays out the placeholders, fills the header, wires the events and follows deep
   links (#p3, #p3-c5). Loaded last: every other viewer script has added its part to the namespace. */
(function (V) {
  "use strict";

  function followHash() {
    const m = /^#p(\d+)(?:-c(\d+))?$/.exec(location.hash);
    if (!m) return;
    const pageNo = Number(m[1]);
    const state = V.byNo.get(pageNo);
    if (!state) return;
    state.section.scrollIntoView({block: "start"});
    V.update(true);
    if (m[2] !== undefined) V.select(pageNo, Number(m[2]), true, true);
  }

  function summaryBar() {
    // status counts that jump to the next page with that status
    const counts = {};
    V.doc.pages.forEach(function (p) { counts[p.status] = (counts[p.status] || 0) + 1; });
    const bar = document.getElementById("summary");
    Object.keys(counts).forEach(function (status) {
      const chip = V.badge(counts[status] + " " + status, "st-" + status, "Go to the next " + status + " page");
      chip.addEventListener("click", function () {
        const start = V.currentPageIndex();
        const order = V.numbers.slice(start + 1).concat(V.numbers.slice(0, start + 1));
        const next = order.find(function (n) { return V.byNo.get(n).summary.status === status; });
        if (next !== undefined) V.goToPage(next);
      });
      bar.append(chip);
    });
    if (V.doc.error) bar.append(V.badge("document error", "st-failed", V.doc.error));
  }

  performance.mark("dotsparse-start");
  V.addPlaceholders();
  summaryBar();
  document.addEventListener("keydown", V.onKey);
  document.getElementById("furniture").addEventListener("change", function (e) {
    document.body.classList.toggle("hide-furniture", !e.target.checked);
  });
  document.getElementById("boxes").addEventListener("change", function (e) {
    document.body.classList.toggle("hide-boxes", !e.target.checked);
  });
  let timer = null;
  document.getElementById("search").addEventListener("input", function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { V.search(e.target.value); }, 200);
  });
  window.addEventListener("scroll", V.schedule, {passive: true});
  window.addEventListener("resize", function () { V.schedule(); V.live.forEach(V.sharpen); });
  window.addEventListener("hashchange", followHash);
  V.update(true);
  followHash();
  performance.mark("dotsparse-ready");
})(window.DotsparseViewer);
