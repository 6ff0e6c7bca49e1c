"""The only place that wires the stages: sources → page images → engine answers → cells → writers.

Pages stream: at most `concurrency` pages are rendered or in flight at once, whatever the number of
documents or pages, and each page's result is committed to disk as soon as it is done.
"""

from __future__ import annotations

import asyncio
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from ..config import RunConfig
from ..discover import Discovery, PageSelection, Source
from ..document.plan import plan_document
from ..engines.base import Engine, PageRef, Sampling
from ..engines.endpoints import ServerUnavailable
from ..errors import DotsparseError, SourceError
from ..memory import return_free_memory
from ..model import Box, DocumentInfo, PageResult, PageStatus
from ..raster import OpenSource, RenderOptions, file_sha256
from ..writers.document import write_document
from ..writers.json_doc import page_json_line
from .describe import PictureDescriber, pictures_of
from .fallback import FallbackLadder
from .fonts import wants_fonts, with_heading_fonts
from .outputs import DocPaths, assign_doc_paths
from .page import PageJob, crop_boxes, failed_result, write_page_assets
from .progress import Progress
from .report import FileError, RunReport
from .store import DocStore

MIN_PAGES_FOR_RATIO = 10  # --max-failed-ratio is judged only after this many pages finished
TRIM_EVERY = 64  # pages between handing freed heap memory back to the OS


@dataclass
class DocJob:
    source: Source
    paths: Optional[DocPaths]
    store: Optional[DocStore]
    info: DocumentInfo
    pending: int = 0
    failed: int = 0
    pages: list[int] = field(default_factory=list)
    deadline: Optional[float] = None  # monotonic time after which --doc-timeout fails the rest
    opened: Optional[OpenSource] = None  # open until the document's last page is done (crops render from it)
    descriptions: dict = field(default_factory=dict)  # (page, order) -> PictureDescription


class Pipeline:
    def __init__(self, config: RunConfig, engine: Engine, prompt: str, progress: Progress,
                 emit: Callable[[str], None] = lambda line: print(line, file=sys.stdout, flush=True),
                 describer: Optional[PictureDescriber] = None):
        self.config = config
        self.describer = describer
        self.engine = engine
        self.prompt = prompt
        self.progress = progress
        self.emit = emit
        self.key = config.output_key(prompt, engine.name, engine.model)
        self.render_options = RenderOptions(config.dpi, config.min_pixels, config.max_pixels)
        self.sampling = Sampling(config.temperature, config.top_p, config.max_tokens)
        self.pages = PageSelection.parse(config.pages)
        self.box = Box(x1=config.box[0], y1=config.box[1], x2=config.box[2], y2=config.box[3]) if config.box else None
        self.report = RunReport(dotsparse_version=__version__, engine=engine.name, model=engine.model,
                                mode=config.mode.value)
        self.ladder = FallbackLadder(config, engine, log=progress.log)
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
        paths = ([None] * len(found.sources) if self.config.to_stdout
                 else assign_doc_paths(out, found.sources))
        self.progress.start(len(found.sources))
        try:
            for source, doc_paths in zip(found.sources, paths):
                await self._schedule_document(source, doc_paths)
            while self._tasks:
                await asyncio.wait(set(self._tasks))
        finally:
            self._mupdf.shutdown(wait=True)
            self._work.shutdown(wait=True)
            self.progress.stop()
        self.report.not_dots_ocr = self.ladder.not_dots_ocr
        self.report.wall_s = round(time.monotonic() - started, 3)
        done = self.report.pages - self.report.pages_reused
        self.report.pages_per_s = round(done / self.report.wall_s, 3) if self.report.wall_s else 0.0
        return self.report

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
            store = DocStore(paths.root, f"{sha}:{self.key}", self.config.document_key()) if paths else None
            doc = DocJob(source=source, paths=paths, store=store, info=info, pages=info.pages_selected,
                         deadline=time.monotonic() + self.config.doc_timeout if self.config.doc_timeout else None,
                         opened=opened)
            self.progress.add_pages(len(indices))
            if store and not self.config.force and store.is_done():
                for page in store.iter_pages(doc.pages):
                    self._count(doc, page, reused=True)
                self.report.documents_reused += 1
                self.progress.doc_done()
                return
            if store:
                store.clear_done()
            await self._schedule_pages(doc, indices)
        except DotsparseError as exc:
            self._file_failed(source, exc)
        except FileNotFoundError as exc:  # a done marker whose pages vanished: redo the document
            self.progress.log(f"{source.path}: {exc}; redoing")
            store.clear_done()
            await self._schedule_pages(doc, indices)
        finally:
            if doc is None or doc.pending == 0:  # otherwise the document's last page closes it
                await loop.run_in_executor(self._mupdf, opened.close)

    async def _schedule_pages(self, doc: DocJob, indices: list[int]) -> None:
        doc.pending = len(indices)
        for index in indices:
            cached = None if self.config.force or doc.store is None else doc.store.load_page(index + 1)
            if cached is not None and cached.status.usable:
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
        """Render and encode the page, or only measure it when the engine reads pages itself."""
        loop = asyncio.get_running_loop()
        opened = doc.opened
        assert opened is not None
        started = time.monotonic()
        image = None
        if self.engine.needs_image:
            image, geometry = await loop.run_in_executor(self._mupdf, opened.render_sent, ref.index,
                                                         self.render_options)
        else:
            geometry = await loop.run_in_executor(self._mupdf, opened.geometry, ref.index, self.render_options)
        return PageJob(ref=ref, geometry=geometry, mode=self.config.mode, prompt=self.prompt, sampling=self.sampling,
                       box_px=self.box, image=image, render_s=time.monotonic() - started)

    async def _process(self, doc: DocJob, job: PageJob) -> None:
        try:
            budget, reason = self._budget(doc)
            try:
                result = await asyncio.wait_for(self.ladder.produce(job), timeout=budget)
            except asyncio.TimeoutError:
                result = failed_result(job, DotsparseError(reason, source=str(doc.source.path), page=job.page_no,
                                                           stage="engine"))
            except ServerUnavailable as exc:
                result = failed_result(job, exc, PageStatus.SERVER_UNAVAILABLE)
            except Exception as exc:  # the page fails, never the run
                result = failed_result(job, exc)
            if result.error and not result.status.usable:
                self.progress.log(f"[red]{doc.source.path}, page {job.page_no}: {result.error}[/red]")
            await self._commit(doc, result, job)
        finally:
            self._slots.release()

    async def _commit(self, doc: DocJob, result: PageResult, job: Optional[PageJob]) -> None:
        loop = asyncio.get_running_loop()
        if job is not None and doc.opened is not None and doc.source.kind == "pdf" and wants_fonts(result):
            opened, index = doc.opened, job.ref.index
            result = await loop.run_in_executor(self._mupdf, lambda: with_heading_fonts(result, opened.pdf_page(index)))
        if doc.paths is not None and result.status.usable:
            boxes = crop_boxes(result.cells) if job is not None and doc.opened is not None else []
            overlay = self.config.overlay and job is not None and doc.opened is not None
            if boxes or overlay:
                async with self._pixels:  # crops and overlays come from the source, drawn as it was sent
                    assert job is not None and doc.opened is not None
                    crops = await loop.run_in_executor(self._mupdf, doc.opened.render_regions, job.ref.index,
                                                       self.render_options, boxes)
                    page_image = (await loop.run_in_executor(self._mupdf, doc.opened.render, job.ref.index,
                                                             self.render_options)).image if overlay else None
                    result = await loop.run_in_executor(self._work, write_page_assets, result, crops, page_image,
                                                        doc.paths, self.config.overlay)
                    del crops, page_image
            else:
                result = await loop.run_in_executor(self._work, write_page_assets, result, [], None, doc.paths,
                                                    self.config.overlay)
        if doc.store is not None:
            await loop.run_in_executor(self._work, doc.store.save_page, result)
        else:
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
            if doc.store is not None and self.describer is not None:
                task = asyncio.create_task(self._assemble(doc))  # not inside the last page's slot
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                await self._assemble(doc)

    async def _assemble(self, doc: DocJob) -> None:
        loop = asyncio.get_running_loop()
        if doc.store is not None:
            if self.describer is not None:
                await self._describe(doc)
            took = await loop.run_in_executor(self._work, self._write_document, doc)
            self.report.add_stage("assemble", took)
        self.report.documents_written += 1
        if doc.failed:
            self.report.documents_with_failed_pages += 1
        self.progress.doc_done()

    def _write_document(self, doc: DocJob) -> float:
        assert doc.paths is not None and doc.store is not None
        started = time.monotonic()
        furniture = self.config.page_furniture
        plan = plan_document(doc.store.iter_pages(doc.pages), merge_tables=self.config.merge_tables)
        plan.descriptions = doc.descriptions
        write_document(doc.paths.markdown, doc.paths.markdown_nohf, doc.paths.json, doc.info,
                       doc.store.iter_pages(doc.pages), furniture=furniture, plan=plan)
        undescribed = any(d.status.value == "failed" for d in doc.descriptions.values())
        if not doc.failed and not undescribed:  # "done": nothing left to redo; failures are retried next run
            doc.store.mark_done()
        return time.monotonic() - started

    async def _describe(self, doc: DocJob) -> None:
        """The picture-description pass over the committed pages; it never stops the document being written."""
        assert self.describer is not None and doc.store is not None and doc.paths is not None
        started = time.monotonic()
        store = doc.store
        try:
            pictures = await asyncio.get_running_loop().run_in_executor(
                self._work, lambda: pictures_of(store.iter_pages(doc.pages)))
            doc.descriptions = await self.describer.describe_document(doc.paths, pictures)
        except Exception as exc:  # the document is written without descriptions, and says why
            self.progress.log(f"[red]{doc.source.path}: picture descriptions: {type(exc).__name__}: {exc}[/red]")
            return
        for key, result in doc.descriptions.items():
            status = result.status.value
            self.report.descriptions[status] = self.report.descriptions.get(status, 0) + 1
            if status == "failed":
                self.progress.log(f"[red]{doc.source.path}, page {key[0]}, picture {key[1]}: "
                                  f"description failed: {result.error}[/red]")
        self.report.add_stage("describe", time.monotonic() - started)

    def _file_failed(self, source: Source, exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, DotsparseError) else f"{source.path}: {exc}"
        self.report.failed_files.append(FileError(source=str(source.path), error=message))
        self.progress.log(f"[red]{message}[/red]")
        self.progress.doc_done()
