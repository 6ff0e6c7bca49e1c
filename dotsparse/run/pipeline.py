"""The scheduler, and the only place that wires the stages: sources → page images → engine answers →
cells → writers. Each page's work is a `page_unit.PageUnit`; this module decides when it runs.

Pages stream: at most `concurrency` pages are rendered or in flight at once, whatever the number of
documents or pages, and each page's result is committed to disk as soon as it is done.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from ..config import RunConfig
from ..discover import Discovery, PageSelection, Source
from ..engines.base import Engine, PageRef
from ..errors import DotsparseError, SourceError
from ..memory import return_free_memory
from ..model import DocumentInfo, PageResult, PageStatus
from ..raster import OpenSource, file_sha256
from ..writers.document import write_document
from ..writers.registry import DocumentTarget, enabled_formats
from ..writers.json_doc import page_json_line
from ..writers.paths import DocPaths
from .fallback import FallbackLadder
from .outputs import assign_doc_paths
from .page import PageJob
from .page_unit import PageContext, PageUnit
from .progress import Progress
from .report import FileError, RunReport
from .store import DocStore
from .stores import MemoryStore, PageStore

MIN_PAGES_FOR_RATIO = 10  # --max-failed-ratio is judged only after this many pages finished
TRIM_EVERY = 64  # pages between handing freed heap memory back to the OS


@dataclass
class DocJob:
    source: Source
    paths: Optional[DocPaths]
    store: Optional[PageStore]
    info: DocumentInfo
    pending: int = 0
    failed: int = 0
    pages: list[int] = field(default_factory=list)
    deadline: Optional[float] = None  # monotonic time after which --doc-timeout fails the rest
    opened: Optional[OpenSource] = None  # open until the document's last page is done (crops render from it)
    context: Optional[PageContext] = None  # what this document's pages run on


@dataclass
class FinishedDocument:
    """What `on_document` is told when a document is done: its info and store, or why the file failed."""

    source: Source
    info: Optional[DocumentInfo]
    store: Optional[PageStore]
    error: Optional[str] = None
    paths: Optional[DocPaths] = None


class Pipeline:
    def __init__(self, config: RunConfig, engine: Engine, prompt: str, progress: Progress,
                 emit: Callable[[str], None] = lambda line: print(line, file=sys.stdout, flush=True),
                 on_document: Optional[Callable[[FinishedDocument], None]] = None, in_memory: bool = False):
        self.config = config
        self.engine = engine
        self.prompt = prompt
        self.progress = progress
        self.emit = emit
        self.on_document = on_document
        self.in_memory = in_memory  # no output folder: pages kept in a MemoryStore for `on_document`
        self.key = config.result_key(prompt, engine.name, engine.model)
        self.pages = PageSelection.parse(config.pages)
        self.report = RunReport(dotsparse_version=__version__, engine=engine.name, model=engine.model,
                                mode=config.mode.value)
        self.ladder = FallbackLadder(config, engine, log=progress.log)
        self.unit = PageUnit(config, prompt, engine, self.ladder)
        # PyMuPDF is not thread-safe: every document operation runs on this one thread.
        self._mupdf = ThreadPoolExecutor(1, thread_name_prefix="dotsparse-mupdf")
        self._work = ThreadPoolExecutor(2, thread_name_prefix="dotsparse-work")
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        # Pixels are ~30x their PNG: pages are encoded where they are rendered, and crops or overlays
        # are drawn for a few pages at a time, however many are in flight.
        self._pixels = asyncio.Semaphore(2)
        self._tasks: set[asyncio.Task] = set()
        self._committed = 0

    async def run(self, found: Discovery) -> RunReport:
        started = time.monotonic()
        self.report.skipped_files = len(found.skipped)
        self.report.missing_inputs = found.missing
        for item in found.missing:
            self.progress.log(f"[red]{item}: no such file, folder or matching glob[/red]")
        out = Path(self.config.output)
        paths: list[Optional[DocPaths]] = ([None] * len(found.sources) if self.config.to_stdout or self.in_memory
                                           else list(assign_doc_paths(out, found.sources)))
        self.progress.start(len(found.sources))
        try:
            for source, doc_paths in zip(found.sources, paths):
                await self._schedule_document(source, doc_paths)
            while self._tasks:
                await asyncio.wait(set(self._tasks))
        finally:
            await self._cancel_pages()  # a cancelled run (the API's caller stopped) leaves no page running
            self._mupdf.shutdown(wait=True)
            self._work.shutdown(wait=True)
            self.progress.stop()
        self.report.not_dots_ocr = self.ladder.not_dots_ocr
        self.report.wall_s = round(time.monotonic() - started, 3)
        done = self.report.pages - self.report.pages_reused
        self.report.pages_per_s = round(done / self.report.wall_s, 3) if self.report.wall_s else 0.0
        return self.report

    async def _cancel_pages(self) -> None:
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _schedule_document(self, source: Source, paths: Optional[DocPaths]) -> None:
        self.report.documents += 1
        loop = asyncio.get_running_loop()
        try:
            sha = await loop.run_in_executor(self._work, file_sha256, source.path)
            opened = await loop.run_in_executor(self._mupdf, OpenSource, source, self.config.password)
        except (SourceError, OSError) as exc:
            self._file_failed(source, exc)
            return
        doc: Optional[DocJob] = None
        try:
            indices = self.pages.indices(opened.page_count)
            if not indices:
                raise SourceError(f"the document has {opened.page_count} page(s); --pages {self.pages} selects none",
                                  source=str(source.path), stage="pages")
            info = DocumentInfo(source=str(source.path), sha256=sha, kind=source.kind, page_count=opened.page_count,
                                pages_selected=[i + 1 for i in indices], dpi=self.config.dpi, engine=self.engine.name,
                                model=self.engine.model, mode=self.config.mode, dotsparse_version=__version__)
            store = self._store(paths, f"{sha}:{self.key}")
            doc = DocJob(source=source, paths=paths, store=store, info=info, pages=info.pages_selected,
                         deadline=time.monotonic() + self.config.doc_timeout if self.config.doc_timeout else None,
                         opened=opened, context=PageContext(opened, self._mupdf, self._work, self._pixels))
            self.progress.add_pages(len(indices))
            if store and paths and not self.config.force and store.is_done(self._outputs(info)):
                for page in store.iter_pages(doc.pages):
                    self._count(doc, page, reused=True)
                self.report.documents_reused += 1
                self.progress.doc_done()
                self._tell(FinishedDocument(source=source, info=info, store=store, paths=paths))
                return
            if store:
                store.clear_done()
            await self._schedule_pages(doc, indices)
        except DotsparseError as exc:
            self._file_failed(source, exc)
        except FileNotFoundError as exc:  # a done marker whose pages vanished: redo the document
            assert doc is not None and doc.store is not None
            self.progress.log(f"{source.path}: {exc}; redoing")
            doc.store.clear_done()
            await self._schedule_pages(doc, indices)
        finally:
            if doc is None or doc.pending == 0:  # otherwise the document's last page closes it
                await loop.run_in_executor(self._mupdf, opened.close)

    async def _schedule_pages(self, doc: DocJob, indices: list[int]) -> None:
        doc.pending = len(indices)
        for index in indices:
            cached = None if self.config.force or doc.store is None else doc.store.load_page(index + 1)
            if cached is not None and cached.status.usable:
                if doc.paths is not None and doc.context is not None:  # output-only files re-applied
                    await self.unit.reapply(cached, doc.paths, doc.context)
                self._count(doc, cached, reused=True)
                await self._page_finished(doc)
                continue
            refusal = self._refusal(doc)
            if refusal is None:
                waited = time.monotonic()
                await self._slots.acquire()
                self.report.add_stage("wait", time.monotonic() - waited)
                refusal = self._refusal(doc)
                if refusal is not None:
                    self._slots.release()
            if refusal is not None:  # not attempted: recorded as failed, with the reason
                await self._commit(doc, PageResult(page=index + 1, status=PageStatus.FAILED, error=refusal), None)
                continue
            ref = PageRef(path=doc.source.path, index=index, kind=doc.source.kind, password=self.config.password)
            try:
                job = await self._prepare(doc, ref)
            except Exception as exc:  # a page that cannot render fails alone
                self._slots.release()
                err = DotsparseError(f"cannot render ({exc})", source=str(doc.source.path), page=index + 1,
                                     stage="render")
                await self._commit(doc, PageResult(page=index + 1, status=PageStatus.FAILED, error=str(err)), None)
                continue
            task = asyncio.create_task(self._process(doc, job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _refusal(self, doc: DocJob) -> Optional[str]:
        """Why a page must not start (run stopped, document out of time), or None."""
        if self.report.stopped_early:
            return f"run stopped: {self.report.stopped_early}"
        if doc.deadline is not None and time.monotonic() >= doc.deadline:
            return f"document timeout of {self.config.doc_timeout:g}s exceeded"
        return None

    def _budget(self, doc: DocJob) -> tuple[Optional[float], str]:
        """Seconds this page may take (page and document timeouts) and the reason given when it runs out."""
        budget, reason = self.config.page_timeout, f"page timeout of {self.config.page_timeout or 0:g}s exceeded"
        if doc.deadline is not None:
            left = max(0.0, doc.deadline - time.monotonic())
            if budget is None or left < budget:
                budget, reason = left, f"document timeout of {self.config.doc_timeout:g}s exceeded"
        return budget, reason

    async def _prepare(self, doc: DocJob, ref: PageRef) -> PageJob:
        assert doc.context is not None
        return await self.unit.render(ref, doc.context)

    async def _process(self, doc: DocJob, job: PageJob) -> None:
        try:
            budget, reason = self._budget(doc)
            result = await self.unit.produce(job, budget, reason)
            if result.error and not result.status.usable:
                self.progress.log(f"[red]{doc.source.path}, page {job.page_no}: {result.error}[/red]")
            await self._commit(doc, result, job)
        finally:
            self._slots.release()

    async def _commit(self, doc: DocJob, result: PageResult, job: Optional[PageJob]) -> None:
        loop = asyncio.get_running_loop()
        if doc.paths is not None:
            result = await self.unit.write_assets(result, job, doc.paths,
                                                  doc.context if doc.opened is not None else None)
        if doc.store is not None:
            await loop.run_in_executor(self._work, doc.store.save_page, result)
        if self.config.to_stdout:
            self.emit(page_json_line(doc.info, result))
        self._count(doc, result, reused=False)
        self._committed += 1
        if self._committed % TRIM_EVERY == 0:
            await loop.run_in_executor(self._work, return_free_memory)
        await self._page_finished(doc)

    def _count(self, doc: DocJob, result: PageResult, reused: bool) -> None:
        self.report.add_page(str(doc.source.path), result, reused)
        self.progress.page_done(result.status)
        if not result.status.usable:
            doc.failed += 1
            if not reused:
                self._check_failure_ratio()

    def _check_failure_ratio(self) -> None:
        limit = self.config.max_failed_ratio
        finished = self.report.pages - self.report.pages_reused
        if limit is None or self.report.stopped_early or finished < MIN_PAGES_FOR_RATIO:
            return
        if self.report.failed / finished > limit:
            self.report.stopped_early = (f"failure ratio exceeded ({self.report.failed} of {finished} pages failed, "
                                         f"--max-failed-ratio {limit:g})")
            self.progress.log(f"[red]{self.report.stopped_early}: no new pages are started[/red]")

    async def _page_finished(self, doc: DocJob) -> None:
        doc.pending -= 1
        if doc.pending == 0:
            if doc.opened is not None:
                opened, doc.opened = doc.opened, None
                await asyncio.get_running_loop().run_in_executor(self._mupdf, opened.close)
            if doc.store is not None and doc.paths is not None:
                took = await asyncio.get_running_loop().run_in_executor(self._work, self._write_document, doc)
                self.report.add_stage("assemble", took)
                await self._write_optional(doc)
                if not doc.failed:  # "done" means nothing left to redo: failed pages are retried by the next run
                    await asyncio.get_running_loop().run_in_executor(self._work, doc.store.mark_done,
                                                                     self._outputs(doc.info))
            self.report.documents_written += 1
            if doc.failed:
                self.report.documents_with_failed_pages += 1
            self.progress.doc_done()
            self._tell(FinishedDocument(source=doc.source, info=doc.info, store=doc.store, paths=doc.paths))

    def _write_document(self, doc: DocJob) -> float:
        assert doc.paths is not None and doc.store is not None
        started = time.monotonic()
        write_document(self._target(doc), doc.store.iter_pages(doc.pages))
        return time.monotonic() - started

    def _file_failed(self, source: Source, exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, DotsparseError) else f"{source.path}: {exc}"
        self.report.failed_files.append(FileError(source=str(source.path), error=message))
        self.progress.log(f"[red]{message}[/red]")
        self.progress.doc_done()
        self._tell(FinishedDocument(source=source, info=None, store=None, error=message))

    def _target(self, doc: DocJob) -> DocumentTarget:
        assert doc.paths is not None
        return DocumentTarget(paths=doc.paths, info=doc.info, outputs=self.unit.outputs,
                              root=Path(self.config.output), password=self.config.password)

    async def _write_optional(self, doc: DocJob) -> None:
        """Views (optional formats): each alone, after the document; a failure is logged, nothing is lost."""
        assert doc.store is not None
        store, target = doc.store, self._target(doc)
        for fmt in enabled_formats(self.unit.outputs, optional=True):
            started = time.monotonic()
            try:
                await asyncio.get_running_loop().run_in_executor(
                    self._mupdf if fmt.reads_source else self._work,
                    lambda: write_document(target, store.iter_pages(doc.pages), [fmt]))
            except Exception as exc:
                self.progress.log(f"[red]{doc.source.path}: {fmt.name} not written ({type(exc).__name__}: {exc})[/red]")
            self.report.add_stage(fmt.name, time.monotonic() - started)

    def _store(self, paths: Optional[DocPaths], key: str) -> Optional[PageStore]:
        if paths is not None:
            return DocStore(paths.root, key)
        return MemoryStore(key) if self.in_memory else None

    def _outputs(self, info: DocumentInfo) -> str:
        """Fingerprint of what the document's files are written from, beyond the pages' results."""
        record = {**self.unit.outputs, "pages": info.pages_selected}  # the pages chosen, not how they were named
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def _tell(self, finished: FinishedDocument) -> None:
        if self.on_document is not None:
            self.on_document(finished)
