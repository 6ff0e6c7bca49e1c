"""The embedded engine: PyMuPDF's text layer and bundled layout model, RapidOCR for scans.

No server, no GPU, no download. Pages run in a process pool (layout and OCR are CPU-bound and
hold the GIL); the pipeline bounds how many requests are in flight, which bounds memory.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Optional

from ...errors import EngineError, UsageError
from ..base import EngineAnswer, EngineRequest
from .page_job import PageJob, limit_threads, run_job
from .workers import worker_context

OCR_POLICIES = ("auto", "always", "never")
_TASKS_PER_WORKER = 200  # recycle workers now and then: PyMuPDF and ONNX caches only grow


class EmbeddedEngine:
    name = "embedded"
    model = "pymupdf-layout+rapidocr"
    needs_image = False

    def __init__(self, workers: Optional[int] = None, ocr: str = "auto"):
        if ocr not in OCR_POLICIES:
            raise UsageError(f"unknown OCR policy {ocr!r}", hint=f"use one of {', '.join(OCR_POLICIES)}")
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.ocr = ocr
        self._pool: Optional[ProcessPoolExecutor] = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn (safe with threads in the parent, the same on every platform), minus re-running __main__
            threads = max(1, (os.cpu_count() or 1) // self.workers)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=worker_context(),
                                             max_tasks_per_child=_TASKS_PER_WORKER, initializer=limit_threads,
                                             initargs=(threads,))
        return self._pool

    async def start(self) -> None:
        self._executor()

    async def infer(self, request: EngineRequest) -> EngineAnswer:
        job = PageJob(path=str(request.page.path), index=request.page.index, kind=request.page.kind,
                      password=request.page.password, mode=request.mode, prompt=request.prompt,
                      sent_width=request.geometry.sent_width, sent_height=request.geometry.sent_height, ocr=self.ocr)
        start = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            out = await loop.run_in_executor(self._executor(), run_job, job)
        except BrokenProcessPool as exc:
            # A worker died (out of memory, a crash in native code): fail this page, start afresh for the next.
            self._pool = None
            raise EngineError("the embedded worker process died on this page", source=job.path,
                              page=job.index + 1, stage="embedded", retryable=True) from exc
        return EngineAnswer(blocks=out.blocks, notes=out.notes, finish_reason="stop",
                            elapsed_s=time.perf_counter() - start)

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
