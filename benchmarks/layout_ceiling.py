"""The speed ceiling of any tool that runs PyMuPDF's layout model on every page: the model and nothing else.

Both the embedded engine and pymupdf4llm's layout mode run this model once per page; run alone over
the same pages, in the embedded engine's own worker pool, it bounds the pages/s either can reach.
Imported by `embedded_throughput.py` (and by its worker processes, hence a module of its own).
"""

from __future__ import annotations

import os


def layout_page(path: str, index: int) -> int:
    """The layout model's regions on one page (opened as the engine's workers open it, one job per page)."""
    import dotsparse.engines.embedded  # noqa: F401 - PyMuPDF through the layout gate, as in the engine's workers
    from dotsparse.layout_gate import load

    load()
    import pymupdf

    with pymupdf.open(path) as doc:
        page = doc[index]
        page.get_layout(return_raw=True)
        return len(page.layout_information or ())


def run(files: list[str]) -> int:
    """Every page of `files` through the model alone, one worker per core; the pages done."""
    from concurrent.futures import ProcessPoolExecutor

    from dotsparse.engines.embedded.page_job import limit_threads  # first: PyMuPDF through the layout gate
    from dotsparse.engines.embedded.workers import worker_context

    import pymupdf

    jobs = []
    for f in files:
        with pymupdf.open(f) as doc:
            jobs += [(f, i) for i in range(doc.page_count)]
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=worker_context(), initializer=limit_threads, initargs=(1,)) as pool:
        list(pool.map(layout_page, *zip(*jobs)))
    return len(jobs)
