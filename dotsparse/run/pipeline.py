"""The scheduler, and the only place that wires the stages: sources → page images → engine answers →
cells → writers. Each page's work is a `page_unit.PageUnit`; this module decides when it runs.

Pages stream: at most `concurrency` pages are rendered or in flight at once, whatever the number of
documents or pages, and each page's result is committed to disk as soon as it is done. Every stage
boundary (open, render, engine, parse, assets, commit, assembly) turns an exception into a failed
page or file naming the stage; the ledger checks at the end that nothing went unrecorded.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Optional

from rich.markup import escape

from .. import __version__
from ..config import RunConfig
from ..discover import Discovery, PageSelection, Source, kind_of
from ..document.plan import DocumentPlan, plan_document
from ..engines.base import Engine, PageRef
from ..engines.endpoints import ServerUnavailable
from ..errors import DotsparseError, SourceError
from ..fileio import check_confined, display, ensure_dir, when_fds_free
from ..memory import return_free_memory
from ..model import Cell, DocumentInfo, PageResult, PageStatus
from ..raster import OpenSource, file_sha256
from ..writers.document import write_document
from ..writers.paths import DocPaths
from ..writers.registry import FORMATS, DocumentTarget, wanted_formats
from ..writers.json_doc import page_json_line
from .describe import PictureDescriber, pictures_of
from .fallback import FallbackLadder
from .hybrid import page_path
from .ledger import MAX_LISTED, Entry, Ledger, stage_error
from .outputs import assign_doc_paths
from .page import PageJob, failed_result
from .page_unit import PageContext, PageUnit
from .progress import Progress
from .report import FileError, RunReport, SkippedFile
from .store import DocStore
from .stores import MemoryStore, PageStore

MIN_PAGES_FOR_RATIO = 10  # --max-failed-ratio is judged only after this many pages finished
TRIM_EVERY = 64  # pages between handing freed heap memory back to the OS
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
MAX_SKIPPED = 10_000  # skipped files listed in run.json; `skipped_files` is the exact count


def failure_ratio_exceeded(report: RunReport, limit: Optional[float]) -> Optional[str]:
    """Why no new page may start under --max-failed-ratio, or None (judged once MIN_PAGES_FOR_RATIO finished)."""
    finished = report.pages - report.pages_reused
    if limit is None or report.stopped_early or finished < MIN_PAGES_FOR_RATIO:
        return None
    if report.failed / finished <= limit:
        return None
    return f"failure ratio exceeded ({report.failed} of {finished} pages failed, --max-failed-ratio {limit:g})"


def _stdout_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass
class DocJob:
    source: Source
    name: str  # the path as shown and recorded (undecodable bytes escaped)
    entry: Entry
    paths: Optional[DocPaths]
    store: Optional[PageStore]
    info: DocumentInfo
    pending: int = 0
    failed: int = 0
    pages: list[int] = field(default_factory=list)
    deadline: Optional[float] = None  # monotonic time after which --doc-timeout fails the rest
    opened: Optional[OpenSource] = None  # open until the document's last page is done (crops render from it)
    descriptions: dict = field(default_factory=dict)  # (page, order) -> PictureDescription
    unsaved: dict[int, PageResult] = field(default_factory=dict)  # results whose commit failed (disk full)
    context: Optional[PageContext] = None  # what this document's pages run on
    plan: Optional[DocumentPlan] = None  # the document-level pass, made when its pages are all committed


@dataclass
class FinishedDocument:
    """What `on_document` is told when a document is done: its info and store, or why the file failed."""

    source: Source
    info: Optional[DocumentInfo]
    store: Optional[PageStore]
    error: Optional[str] = None
    paths: Optional[DocPaths] = None
    plan: Optional[DocumentPlan] = None  # what the document-level pass adds to the pages (None when reused)


class Pipeline:
    def __init__(self, config: RunConfig, engine: Engine, prompt: str, progress: Progress,
                 emit: Callable[[str], None] = _stdout_line,
                 on_document: Optional[Callable[[FinishedDocument], None]] = None, in_memory: bool = False,
                 describer: Optional[PictureDescriber] = None,
                 on_page: Optional[Callable[[str, PageResult, bool], None]] = None, assemble: bool = True,
                 keep_failed: bool = False):
        self.config = config
        self.describer = describer
        self.engine = engine
        self.prompt = prompt
        self.progress = progress
        self.emit = emit
        self.on_document = on_document
        self.in_memory = in_memory  # no output folder: pages kept in a MemoryStore for `on_document`
        # Seams for another scheduler above this one (dotsparse.distributed): told of every page counted
        # (name, result, reused); a shard's run leaves the document to one assembly run; that assembly
        # run takes the shards' committed pages, failed ones included, as they are.
        self.on_page = on_page
        self.assemble = assemble
        self.keep_failed = keep_failed
        self.key = config.result_key(prompt, engine.name, engine.model)
        self.pages = PageSelection.parse(config.pages)
        self.report = RunReport(dotsparse_version=__version__, engine=engine.name, model=engine.model,
                                mode=config.mode.value)
        self.ledger = Ledger(config.to_stdout)
        # PyMuPDF is not thread-safe: every document operation runs on this one thread.
        self._mupdf = ThreadPoolExecutor(1, thread_name_prefix="dotsparse-mupdf")
        self.ladder = page_path(FallbackLadder(config, engine, log=progress.log), config, engine, self._mupdf)
        self.unit = PageUnit(config, prompt, engine, self.ladder)
        self._work = ThreadPoolExecutor(2, thread_name_prefix="dotsparse-work")
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        # Pixels are ~30x their PNG: pages are encoded where they are rendered, and crops or overlays
        # are drawn for a few pages at a time, however many are in flight.
        self._pixels = asyncio.Semaphore(2)
        self._tasks: set[asyncio.Task] = set()
        self._in_engine: set[asyncio.Task] = set()  # tasks waiting on an answer: what an interrupt cancels
        self._committed = 0
        self._stdout_open = True
        self._aliases: Optional[Path] = None  # links to inputs whose names PyMuPDF cannot take

    async def run(self, found: Discovery, paths: Optional[list[DocPaths]] = None) -> RunReport:
        """`paths`: each source's folder when a caller assigned them over a larger set of inputs."""
        started = time.monotonic()
        self._note_discovery(found)
        out = Path(self.config.output)
        doc_paths_all: list[Optional[DocPaths]] = (
            [None] * len(found.sources) if self.config.to_stdout or self.in_memory
            else list(paths) if paths is not None else list(assign_doc_paths(out, found.sources)))
        self.progress.start(len(found.sources))
        try:
            for source, doc_paths in zip(found.sources, doc_paths_all):
                entry = self.ledger.add(source.name or display(source.path))
                if self.report.interrupted:  # exit promptly: the files not yet opened are recorded as a whole
                    self.report.documents += 1
                    self._record_file_failure(entry, f"{entry.source}: not started: run stopped "
                                                     f"({self.report.stopped_early})", "schedule")
                    self.progress.doc_done()
                    continue
                try:
                    await self._schedule_document(source, doc_paths, entry)
                except Exception as exc:  # never the batch: this file fails, the next one starts
                    self._file_failed(source, entry, stage_error(exc, "schedule", entry.source))
            while self._tasks:
                await asyncio.wait(set(self._tasks))
        finally:
            await self._cancel_pages()  # a cancelled run (the API's caller stopped) leaves no page running
            self._mupdf.shutdown(wait=True)
            self._work.shutdown(wait=True)
            self.progress.stop()
            if self._aliases is not None:
                shutil.rmtree(self._aliases, ignore_errors=True)
        gaps = self.ledger.gaps()
        self.report.unaccounted = gaps[:MAX_LISTED] + ([f"... and {len(gaps) - MAX_LISTED} more"]
                                                       if len(gaps) > MAX_LISTED else [])
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

    def interrupt(self, signal_name: str) -> None:
        """SIGINT/SIGTERM: start nothing new, end the answers being waited for, keep every committed page."""
        if self.report.interrupted:
            return
        self.report.interrupted = signal_name
        self._stop(f"interrupted by {signal_name}")
        for task in list(self._in_engine):
            task.cancel()

    def _stop(self, reason: str) -> None:
        if not self.report.stopped_early:
            self.report.stopped_early = reason
            if not self.report.interrupted:  # the signal handler has said it in one line already
                self.progress.log(f"[red]{escape(reason)}; no new pages are started[/red]")

    def _note_discovery(self, found: Discovery) -> None:
        self.report.skipped_files = len(found.skipped)
        self.report.skipped = [SkippedFile(path=display(p), reason=why) for p, why in found.skipped[:MAX_SKIPPED]]
        self.report.missing_inputs = [display(m) for m in found.missing]
        for item in self.report.missing_inputs:
            self.progress.log(f"[red]{escape(item)}: no such file, folder or matching glob[/red]")
            if self.config.to_stdout:  # named on the command line and absent: a line in the stream too
                self._emit(None, json.dumps({"source": item, "status": "failed", "stage": "open", "error":
                                             f"{item}: no such file, folder or matching glob"}, ensure_ascii=False))
        for path, why in found.unreadable:  # inputs that exist and cannot be read: failed as a whole
            self.report.documents += 1
            entry = self.ledger.add(display(path))
            self._record_file_failure(entry, f"{entry.source}: {why}", "open")
            self._tell(FinishedDocument(source=Source(path=path, kind=kind_of(path) or "pdf", label=path.name),
                                        info=None, store=None, error=f"{entry.source}: {why}"))
        if found.skipped:
            names = ", ".join(f"{s.path} ({s.reason})" for s in self.report.skipped[:5])
            more = f" and {len(found.skipped) - 5} more (listed in run.json)" if len(found.skipped) > 5 else ""
            self.progress.log(escape(f"skipped {len(found.skipped)} file(s): {names}{more}"))

    def _openable(self, source: Source) -> Source:
        """PyMuPDF cannot open a name that is not valid UTF-8: such a file is opened through a link."""
        try:
            str(source.path).encode("utf-8")
            return source
        except UnicodeEncodeError:
            if self._aliases is None:  # inside OUT when there is one: nothing is written elsewhere
                self._aliases = (Path(tempfile.mkdtemp(prefix="dotsparse-names-")) if self.config.to_stdout
                                 else Path(self.config.output) / ".dotsparse-names")
                ensure_dir(self._aliases)
            alias = self._aliases / f"{len(os.listdir(self._aliases))}{source.path.suffix.lower()}"
            os.symlink(os.path.abspath(source.path), alias)
            return replace(source, path=alias)

    async def _schedule_document(self, found: Source, paths: Optional[DocPaths], entry: Entry) -> None:
        self.report.documents += 1
        loop = asyncio.get_running_loop()
        name = entry.source
        try:
            if paths is not None:  # a link planted in OUT/<doc> fails this file, before anything is written
                for folder in ("tables", "formulas", "images", "svg", "overlay", ".dotsparse/pages"):
                    check_confined(paths.root / folder, leaf_may_be_file=False)
            source = self._openable(found)
            sha = await loop.run_in_executor(self._work, when_fds_free, file_sha256, source.path)
            opened = await loop.run_in_executor(self._mupdf, when_fds_free, OpenSource, source, self.config.password)
        except Exception as exc:
            self._file_failed(found, entry, stage_error(exc, "open", name))
            return
        doc: Optional[DocJob] = None
        try:
            indices = self.pages.indices(opened.page_count)
            if not indices:
                raise SourceError(f"the document has {opened.page_count} page(s); --pages {self.pages} selects none",
                                  source=name, stage="pages")
            info = DocumentInfo(source=name, sha256=sha, kind=source.kind, page_count=opened.page_count,
                                pages_selected=[i + 1 for i in indices], dpi=self.config.dpi, engine=self.engine.name,
                                model=self.engine.model, mode=self.config.mode, dotsparse_version=__version__)
            store = self._store(paths, f"{sha}:{self.key}")
            doc = DocJob(source=source, name=name, entry=entry, paths=paths, store=store, info=info,
                         pages=info.pages_selected, opened=opened,
                         deadline=time.monotonic() + self.config.doc_timeout if self.config.doc_timeout else None,
                         context=PageContext(opened, self._mupdf, self._work, self._pixels))
            self.ledger.expect(entry, info.pages_selected)
            self.progress.add_pages(len(indices))
            if store and paths and not self.config.force and store.is_done(self._outputs(info)) \
                    and paths.json.is_file():
                if self._reuse(doc):
                    await self._write_missing_views(doc)
                    return
            if store:
                store.clear_done()
            await self._schedule_pages(doc, indices)
        except Exception as exc:
            if doc is None or not any(entry.recorded):  # nothing of it recorded yet: the file fails as a whole
                self.ledger.expect(entry, None)
                self._file_failed(found, entry, stage_error(exc, "open", name))
            else:
                raise
        finally:
            if doc is None or doc.pending == 0:  # otherwise the document's last page closes it
                await self._close(opened)

    def _reuse(self, doc: DocJob) -> bool:
        """A document done by an earlier run: count its pages, or False when a page record vanished."""
        assert doc.store is not None
        try:  # held without their cells: a reused 2,000-page document costs kilobytes, not its text
            pages = [p.model_copy(update={"cells": [], "raw_answer": None}) for p in doc.store.iter_pages(doc.pages)]
        except FileNotFoundError as exc:  # a done marker whose pages vanished: redo the document
            self.progress.log(f"{doc.name}: {exc}; redoing")
            return False
        for page in pages:
            self._count(doc, page, reused=True)
        doc.entry.written = True
        self.report.documents_reused += 1
        self.progress.doc_done()
        self._tell(FinishedDocument(source=doc.source, info=doc.info, store=doc.store, paths=doc.paths))
        return True

    async def _schedule_pages(self, doc: DocJob, indices: list[int]) -> None:
        doc.pending = len(indices)
        for index in indices:
            cached = None if self.config.force or doc.store is None else doc.store.load_page(index + 1)
            if cached is not None and (cached.status.usable or self.keep_failed):
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
                error = stage_error(exc, "render", doc.name, index + 1)
                await self._commit(doc, PageResult(page=index + 1, status=PageStatus.FAILED, error=error), None)
                continue
            task = asyncio.create_task(self._process(doc, job))
            self._tasks.add(task)
            task.add_done_callback(self._page_task_done)

    def _page_task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # a bug: the ledger lists the page as missing
            self.progress.log(f"[red]internal error: {escape(repr(task.exception()))}[/red]")

    async def _close(self, opened: OpenSource) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self._mupdf, opened.close)
        except Exception as exc:  # closing cannot lose a page: log it and go on
            self.progress.log(f"[red]{escape(stage_error(exc, 'close', display(opened.source.path)))}[/red]")

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
            result = await self._answer(doc, job)
            if result.error and not result.status.usable and not self.report.interrupted:
                self.progress.log(f"[red]{escape(result.error)}[/red]")
            await self._commit(doc, result, job)
        finally:
            self._slots.release()

    async def _answer(self, doc: DocJob, job: PageJob) -> PageResult:
        """The engine's answer, parsed (the ladder's work), or a failed page saying why."""
        task = asyncio.current_task()
        assert task is not None
        budget, reason = self._budget(doc)
        self._in_engine.add(task)
        try:
            return await asyncio.wait_for(self.ladder.produce(job), timeout=budget)
        except asyncio.TimeoutError:
            error = DotsparseError(reason, page=job.page_no, stage="engine")
            return failed_result(job, DotsparseError(stage_error(error, "engine", doc.name, job.page_no)))
        except asyncio.CancelledError:
            if not self.report.interrupted:
                raise
            task.uncancel()
            return failed_result(job, DotsparseError(f"{doc.name}, page {job.page_no}: not finished: "
                                                     f"interrupted by {self.report.interrupted}"))
        except ServerUnavailable as exc:
            return failed_result(job, DotsparseError(stage_error(exc, "engine", doc.name, job.page_no)),
                                 PageStatus.SERVER_UNAVAILABLE)
        except Exception as exc:  # the page fails, never the run
            error = DotsparseError(stage_error(exc, "engine", doc.name, job.page_no))
            error.attempts = getattr(exc, "attempts", None)  # type: ignore[attr-defined]
            return failed_result(job, error)
        finally:
            self._in_engine.discard(task)

    async def _commit(self, doc: DocJob, result: PageResult, job: Optional[PageJob]) -> None:
        loop = asyncio.get_running_loop()
        try:
            if job is not None and doc.opened is not None and doc.context is not None:
                result = await self.unit.heading_fonts(result, job, doc.context)
            if doc.paths is not None and result.status.usable:
                result = await self._write_assets(doc, result, job)
            elif isinstance(doc.store, MemoryStore) and result.status.usable:
                context = doc.context if doc.opened is not None else None
                result, images = await self.unit.keep_images(result, job, context)
                doc.store.images.update(images)
        except Exception as exc:
            result = self._commit_failed(doc, result, exc, "assets")
        if doc.store is not None:
            try:
                await loop.run_in_executor(self._work, doc.store.save_page, result)
            except Exception as exc:
                result = self._commit_failed(doc, result, exc, "commit")
                doc.unsaved[result.page] = result  # still in <doc>.json and run.json; redone by the next run
        if self.config.to_stdout:
            self._emit(doc, page_json_line(doc.info, result))
        self._count(doc, result, reused=False)
        self._committed += 1
        if self._committed % TRIM_EVERY == 0:
            await loop.run_in_executor(self._work, return_free_memory)
        await self._page_finished(doc)

    async def _write_assets(self, doc: DocJob, result: PageResult, job: Optional[PageJob]) -> PageResult:
        assert doc.paths is not None
        return await self.unit.write_assets(result, job, doc.paths, doc.context if doc.opened is not None else None)

    def _commit_failed(self, doc: DocJob, result: PageResult, exc: BaseException, stage: str) -> PageResult:
        error = stage_error(exc, stage, doc.name, result.page)
        if not self._disk_full(exc):
            self.progress.log(f"[red]{escape(error)}[/red]")
        if not result.status.usable and result.error:
            error = f"{result.error}; {error}"
        return result.model_copy(update={"status": PageStatus.FAILED, "error": error})

    def _disk_full(self, exc: BaseException) -> bool:
        """Stop the run on the first ENOSPC, saying so once; later ones are only recorded on their pages."""
        if not (isinstance(exc, OSError) and exc.errno in DISK_FULL):
            return False
        self._stop(f"disk full ({exc.strerror} under {display(self.config.output)}): pages done so far are kept; "
                   "free some space and run the same command again to resume")
        return True

    def _emit(self, doc: Optional[DocJob], line: str, entry: Optional[Entry] = None) -> None:
        if not self._stdout_open:
            return
        try:
            self.emit(line)
        except (BrokenPipeError, ValueError, OSError) as exc:  # `| head`: the reader is gone
            self._stdout_open = False
            _silence_stdout()
            self._stop(f"stdout closed by the reader ({type(exc).__name__})")
            return
        counted = entry or (doc.entry if doc else None)
        if counted is not None:  # a missing input has no ledger entry
            counted.emitted += 1

    def _count(self, doc: DocJob, result: PageResult, reused: bool) -> None:
        self.report.add_page(doc.name, result, reused)
        self.ledger.record(doc.entry, result.page, result.status.value)
        if self.on_page is not None:
            self.on_page(doc.name, result, reused)
        self.progress.page_done(result.status)
        if not result.status.usable:
            doc.failed += 1
            if not reused:
                self._check_failure_ratio()

    def _check_failure_ratio(self) -> None:
        reason = failure_ratio_exceeded(self.report, self.config.max_failed_ratio)
        if reason:
            self._stop(reason)

    async def _page_finished(self, doc: DocJob) -> None:
        doc.pending -= 1
        if doc.pending:
            return
        loop = asyncio.get_running_loop()
        if doc.opened is not None:
            opened, doc.opened = doc.opened, None
            await self._close(opened)
        if not self.assemble:  # a shard: the document is written by its assembly run
            self.progress.doc_done()
            return
        if doc.store is not None and doc.paths is not None and self.describer is not None:
            task = asyncio.create_task(self._assemble(doc))  # not inside the last page's slot
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            await self._assemble(doc)

    async def _assemble(self, doc: DocJob) -> None:
        loop = asyncio.get_running_loop()
        if doc.store is not None and doc.paths is not None:
            if self.describer is not None:
                await self._describe(doc)
            try:
                took = await loop.run_in_executor(self._work, self._write_document, doc)
                self.report.add_stage("assemble", took)
                await self._write_optional(doc)
                undescribed = any(d.status.value == "failed" for d in doc.descriptions.values())
                if not doc.failed and not undescribed:  # "done": nothing left to redo; failures are retried next run
                    await loop.run_in_executor(self._work, doc.store.mark_done, self._outputs(doc.info))
                doc.entry.written = True
                self.report.documents_written += 1
            except Exception as exc:
                error = stage_error(exc, "assembly", doc.name)
                self.report.failed_files.append(FileError(source=doc.name, error=error))
                if not self._disk_full(exc):
                    self.progress.log(f"[red]{escape(error)}[/red]")
        else:
            if doc.store is not None:  # held in memory (the Python API): the document-level pass all the same
                doc.plan = await loop.run_in_executor(self._work, lambda: plan_document(
                    self._doc_pages(doc), merge_tables=self.config.merge_tables))
            self.report.documents_written += 1
        if doc.failed:
            self.report.documents_with_failed_pages += 1
        self.progress.doc_done()
        self._tell(FinishedDocument(source=doc.source, info=doc.info, store=doc.store, paths=doc.paths,
                                    plan=doc.plan))

    def _write_document(self, doc: DocJob) -> float:
        assert doc.paths is not None and doc.store is not None
        started = time.monotonic()
        doc.plan = plan_document(self._doc_pages(doc), merge_tables=self.config.merge_tables)
        doc.plan.descriptions = doc.descriptions
        write_document(self._target(doc), self._doc_pages(doc))
        return time.monotonic() - started

    def _doc_pages(self, doc: DocJob) -> Iterator[PageResult]:
        assert doc.store is not None
        for page in doc.pages:
            if page in doc.unsaved:
                yield doc.unsaved[page]
            else:
                yield from doc.store.iter_pages([page])

    async def _describe(self, doc: DocJob) -> None:
        """The picture-description pass over the committed pages; it never stops the document being written."""
        assert self.describer is not None and doc.store is not None and doc.paths is not None
        started = time.monotonic()
        try:
            pictures = await asyncio.get_running_loop().run_in_executor(
                self._work, lambda: pictures_of(self._doc_pages(doc)))
            doc.descriptions = await self.describer.describe_document(doc.paths, pictures)
        except Exception as exc:  # the document is written without descriptions, and says why
            self.progress.log(f"[red]{escape(doc.name)}: picture descriptions: {escape(type(exc).__name__)}: "
                              f"{escape(str(exc))}[/red]")
            return
        for key, result in doc.descriptions.items():
            status = result.status.value
            self.report.descriptions[status] = self.report.descriptions.get(status, 0) + 1
            if status == "failed":
                self.progress.log(f"[red]{escape(doc.name)}, page {key[0]}, picture {key[1]}: "
                                  f"description failed: {escape(result.error or '')}[/red]")
        self.report.add_stage("describe", time.monotonic() - started)

    def _file_failed(self, source: Source, entry: Entry, message: str) -> None:
        self._record_file_failure(entry, message, "open")
        self.progress.doc_done()
        self._tell(FinishedDocument(source=source, info=None, store=None, error=message))

    def _target(self, doc: DocJob) -> DocumentTarget:
        assert doc.paths is not None
        return DocumentTarget(paths=doc.paths, info=doc.info, outputs=self.unit.outputs,
                              root=Path(self.config.output), password=self.config.password, plan=doc.plan)

    async def _write_missing_views(self, doc: DocJob) -> None:
        """A document reused whole: the views its options enable that are not on disk (e.g. `<doc>.html` deleted)."""
        if doc.paths is None or not [f for f in FORMATS if f.optional and f.missing(self._target(doc))]:
            return
        if self.describer is not None:
            await self._describe(doc)  # from the descriptions store: all were done, or the document was not
        doc.plan = await asyncio.get_running_loop().run_in_executor(
            self._work, lambda: plan_document(self._doc_pages(doc), merge_tables=self.config.merge_tables))
        doc.plan.descriptions = doc.descriptions
        await self._write_optional(doc, missing_only=True)

    async def _write_optional(self, doc: DocJob, missing_only: bool = False) -> None:
        """Views (optional formats): each alone, after the document; a failure is logged, nothing is lost."""
        target = self._target(doc)
        for fmt in wanted_formats(target, optional=True):
            if missing_only and not fmt.missing(target):
                continue
            started = time.monotonic()
            try:
                await asyncio.get_running_loop().run_in_executor(
                    self._mupdf if fmt.reads_source else self._work,
                    lambda: write_document(target, self._doc_pages(doc), [fmt]))
            except Exception as exc:
                self.progress.log(f"[red]{escape(f'{doc.name}: {fmt.name} not written ({type(exc).__name__}: {exc})')}[/red]")
            self.report.add_stage(fmt.name, time.monotonic() - started)

    def _store(self, paths: Optional[DocPaths], key: str) -> Optional[PageStore]:
        if paths is not None:
            return DocStore(paths.root, key)
        return MemoryStore(key) if self.in_memory else None

    def _outputs(self, info: DocumentInfo) -> str:
        """Fingerprint of what the document's files are written from, beyond the pages' results."""
        record = {**self.unit.outputs, "pages": info.pages_selected}  # the pages chosen, not how they were named
        # Fields derived when written (Cell.plain): a document written before one existed is written again.
        record["derived"] = sorted(Cell.model_computed_fields)
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def _tell(self, finished: FinishedDocument) -> None:
        if self.on_document is not None:
            self.on_document(finished)

    def _record_file_failure(self, entry: Entry, message: str, stage: str) -> None:
        entry.file_error = message
        self.report.failed_files.append(FileError(source=entry.source, error=message))
        if not self.report.interrupted:  # after Ctrl-C, one line said it all; run.json has the list
            self.progress.file_failed(message)
        if self.config.to_stdout:  # a file that fails as a whole is a line too: nothing vanishes from the stream
            self._emit(None, json.dumps({"source": entry.source, "status": "failed", "error": message,
                                         "stage": stage}, ensure_ascii=False), entry)


def _silence_stdout() -> None:
    """After the reader closed the pipe, later writes (and the interpreter's final flush) go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
