/* dotsparse viewer: page records. Each page's content is a data file, view/pNNNN.js, loaded as a script
   when the page is needed (fetch is refused on file://); it calls DotsparseViewer.page(number, record).
   The records of the most recently used pages are kept, and never that of a built page. */
(function (V) {
  "use strict";

  const byNo = V.byNo;
  const records = new Map();     // page number -> its data file's record, least recently used first
  const waiting = new Map();     // page number -> [resolve] for callers awaiting its record
  const KEEP_RECORDS = 24;

  function requestRecord(pageNo) {
    const state = byNo.get(pageNo);
    const script = document.createElement("script");
    script.src = state.summary.data;
    script.addEventListener("error", function () {
      script.remove();
      const record = {page: pageNo, cells: [], missing: true};
      V.page(pageNo, record);
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

  function page(pageNo, record) {
    if (!byNo.has(pageNo) || !record || !Array.isArray(record.cells)) return;
    records.delete(pageNo);
    records.set(pageNo, record);
    if (V.searchIndex) V.indexRecord(pageNo, record);
    const resolvers = waiting.get(pageNo) || [];
    waiting.delete(pageNo);
    resolvers.forEach(function (resolve) { resolve(record); });
    keepFewRecords();
  }

  Object.assign(V, {records: records, ensureRecord: ensureRecord, page: page});
})(window.DotsparseViewer);
