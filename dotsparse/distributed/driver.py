"""The driver: inputs → plan → tasks (a hard cap in flight) → events → progress, `-o -` lines, run.json.

It never renders or parses a page. It opens each input once to count its pages (to plan shards),
submits items to the executor (Ray tasks, or this process), takes the workers' per-page events as
they come, and when every shard of a document is in, submits that document's one assembly item.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from rich.console import Console
from rich.markup import escape

from .. import __version__
from ..config import RunConfig, check_run
from ..discover import Discovery, PageSelection, Source, discover
from ..errors import UsageError
from ..fileio import atomic_write_text, confined, display
from ..model import PageResult, PageStatus
from ..prompts import prompt_for
from ..raster import OpenSource
from ..run.ledger import MAX_LISTED, Entry, Ledger
from ..run.lock import OutputLock
from ..run.pipeline import failure_ratio_exceeded
from ..run.outputs import assign_doc_paths
from ..run.progress import Progress
from ..run.report import FileError, RunReport, SkippedFile
from ..run.session import prepare_output, summary_table, write_run_views
from ..writers.registry import wanted_run_formats
from .events import FileEvent, LogEvent, PageEvent
from .items import ItemResult, ItemSpec, Piece, WorkItem
from .locations import discover_urls, fetch_input, is_remote, is_url, local_path, url_source
from .plan import PlannedDoc, assembly_item, plan
from .staging import RemoteOutput

POLL_S = 0.2
IN_FLIGHT_PER_CPU = 2  # default cap: a queued item per CPU keeps every worker busy, the rest waits here


def run_distributed(config: RunConfig, console: Console, ray: Optional[str] = None,
                    executor: Any = None) -> RunReport:
    """One run over a Ray cluster (`ray`: auto, local or an address) or, with URLs and no Ray, this process."""
    if executor is None:
        if ray is not None:
            from .cluster import RayExecutor

            executor = RayExecutor(ray)
        else:
            from .local import LocalExecutor

            executor = LocalExecutor()
    try:
        return Driver(config, console, executor, distributed=ray is not None).run()
    finally:
        executor.close()


class Driver:
    def __init__(self, config: RunConfig, console: Console, executor: Any, distributed: bool):
        self.config = config
        self.console = console
        self.executor = executor
        self.distributed = distributed
        self.output = config.output
        self.remote = RemoteOutput(self.output) if is_remote(self.output) else None
        self.report = RunReport(dotsparse_version=__version__, engine=config.engine, model=config.model or "",
                                mode=config.mode.value)
        self.ledger = Ledger(config.to_stdout)
        self.progress = Progress(console, show_bar=console.is_terminal and not config.quiet, quiet=config.quiet)
        self.entries: list[Entry] = []
        self.docs: list[PlannedDoc] = []
        self.seen: set[tuple[int, int]] = set()
        self.file_failed: set[int] = set()
        self.shard_failed: set[int] = set()
        self.started: dict[int, WorkItem] = {}  # item id -> item, for the events that name it
        self.nodes: dict[str, int] = {}  # node -> items run there
        self.kinds: dict[str, int] = {}  # item kind -> items run
        self._stdout_open = True
        self._signals: list[str] = []  # SIGTERM seen (a library may re-raise the interrupt without its name)

    def run(self) -> RunReport:
        started = time.monotonic()
        check_run(self.config)
        with ExitStack() as stack:
            out = self._prepare(stack)
            found, urls = self._discover(out)
            prompt = prompt_for(self.config.mode, self.config.prompt_file)
            self.executor.preflight(None if self.config.to_stdout else self.output)
            self._plan_docs(out, found, urls)
            self.progress.start(len(self.entries))
            try:
                self._schedule(prompt)
            finally:
                self.progress.stop()
            self._finish(started)
            if not self.config.to_stdout:
                self._write_report(out)
        self._tell_user()
        return self.report

    # -- before any item --------------------------------------------------------------------------

    def _prepare(self, stack: ExitStack) -> Optional[Path]:
        if self.config.to_stdout or self.remote is not None:
            return None
        out = prepare_output(local_path(self.output))
        stack.enter_context(OutputLock(out))
        stack.enter_context(confined(out))
        self.output = str(out.resolve())  # every node reads the same absolute path
        return out

    def _discover(self, out: Optional[Path]) -> tuple[Discovery, list[tuple[str, str]]]:
        PageSelection.parse(self.config.pages)
        plain = [i for i in self.config.inputs if not is_url(i) or i.startswith("file://")]
        plain = [str(local_path(i)) for i in plain]
        found = discover(plain, exclude=out) if plain else Discovery()
        urls, skipped, missing = discover_urls([i for i in self.config.inputs if is_url(i)
                                                and not i.startswith("file://")])
        found.skipped.extend((Path(u), why) for u, why in skipped)
        found.missing.extend(missing)
        if not found.sources and not urls and not found.unreadable:
            listed = f"; not found: {', '.join(map(display, found.missing))}" if found.missing else ""
            raise UsageError(f"no PDF or image found in the inputs{listed}")
        self.report.skipped_files = len(found.skipped)
        self.report.skipped = [SkippedFile(path=display(p), reason=why) for p, why in found.skipped]
        self.report.missing_inputs = [display(m) for m in found.missing]
        for item in self.report.missing_inputs:
            self.progress.log(f"[red]{escape(item)}: no such file, folder or matching glob[/red]")
        for path, why in found.unreadable:
            self.report.documents += 1
            entry = self.ledger.add(display(path))
            self._file_failure(entry, f"{entry.source}: {why}", "open")
        return found, urls

    def _plan_docs(self, out: Optional[Path], found: Discovery, urls: list[tuple[str, str]]) -> None:
        sources: list[tuple[Source, Optional[str]]] = [(s, None) for s in found.sources]
        sources += [(url_source(url, label), url) for url, label in urls]
        root = out if out is not None else Path("/")
        paths = assign_doc_paths(root, [s for s, _ in sources])
        selection = PageSelection.parse(self.config.pages)
        for doc, ((source, url), doc_paths) in enumerate(zip(sources, paths)):
            self.report.documents += 1
            entry = self.ledger.add(source.name or display(source.path))
            self.entries.append(entry)
            rel = "" if self.config.to_stdout else doc_paths.root.relative_to(root).as_posix()
            piece = Piece(doc=doc, source=source, rel=rel, name=doc_paths.name, url=url)
            pages = self._pages_of(source, url, selection) if self.distributed else []
            if pages:
                Ledger.expect(entry, pages)
                self.progress.add_pages(len(pages))
            self.docs.append(PlannedDoc(piece=piece, pages=pages))

    def _pages_of(self, source: Source, url: Optional[str], selection: PageSelection) -> list[int]:
        """The selected pages (1-based), or [] when this machine cannot open it (its worker says why)."""
        try:
            opened = OpenSource(source if url is None else Source(fetch_input(url), source.kind, source.label),
                                self.config.password)
            try:
                return [i + 1 for i in selection.indices(opened.page_count)]
            finally:
                opened.close()
        except Exception:
            return []

    # -- scheduling -------------------------------------------------------------------------------

    def _schedule(self, prompt: str) -> None:
        if self.distributed:
            items, shards = plan(self.docs, shard_pages=self.config.shard_pages)
        else:  # one pipeline run over everything, as a local run is
            items, shards = plan(self.docs, shard_pages=1 << 30, pack_documents=1 << 30)
        cap = self.config.max_in_flight or IN_FLIGHT_PER_CPU * self.executor.cpus()
        waiting_shards = {doc: set(ids) for doc, ids in shards.items()}
        queue = list(items)
        next_id = len(items)
        pending: dict[Any, WorkItem] = {}
        try:
            with _sigterm_interrupts(self._signals):
                while queue or pending:
                    while queue and len(pending) < cap and not self.report.stopped_early:
                        item = queue.pop(0)
                        self.started[item.id] = item
                        pending[self.executor.submit(self._spec(prompt, item), self._cpus())] = item
                    if not pending:  # stopped early: what was never started is recorded, not lost
                        for item in queue:
                            self._lost(item, f"not started: run stopped ({self.report.stopped_early})", log=False)
                        break
                    done, _ = self.executor.wait(list(pending), POLL_S)
                    self._events(self.executor.take())
                    for ref in done:
                        item = pending.pop(ref)
                        self._finished(item, ref)
                        self._events(self.executor.take())
                        for piece in item.pieces:
                            ids = waiting_shards.get(piece.doc)
                            if ids is not None and item.kind == "shard":
                                ids.discard(item.id)
                                if not ids:
                                    del waiting_shards[piece.doc]
                                    queue.insert(0, assembly_item(next_id, self.docs[piece.doc]))
                                    next_id += 1
                    self._check_failure_ratio()
        except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: stop the items, keep every committed page
            name = self._signals[0] if self._signals else str(exc) if str(exc) == "SIGTERM" else "SIGINT"
            self.report.interrupted = name
            self.report.stopped_early = self.report.stopped_early or f"interrupted by {name}"
            self.console.print(f"{name}: stopping; pages done so far are kept. Run the same command again to resume",
                               highlight=False, markup=False)  # as a local run says it
            for ref in pending:
                self.executor.cancel(ref)
            self._events(self.executor.take())
            for item in [*pending.values(), *queue]:
                self._lost(item, f"not finished: interrupted by {name}", log=False)

    def _check_failure_ratio(self) -> None:
        """--max-failed-ratio over the whole run: no new item starts once it is exceeded."""
        reason = failure_ratio_exceeded(self.report, self.config.max_failed_ratio)
        if reason:
            self.report.stopped_early = reason
            self.progress.log(f"[red]{escape(self.report.stopped_early)}; no new items are started[/red]")

    def _spec(self, prompt: str, item: WorkItem) -> ItemSpec:
        return ItemSpec(config=self._worker_config(), prompt=prompt, item=item, output=self.output)

    def _worker_config(self) -> RunConfig:
        config = self.config
        if self.distributed and config.embedded.workers is None:  # a task uses the cores it holds, not the node's
            config = config.model_copy(update={"embedded": config.embedded.model_copy(update={"workers": 1})})
        return config

    def _cpus(self) -> float:
        return float(self.config.embedded.workers or 1) if self.distributed else 0.0

    def _finished(self, item: WorkItem, ref: Any) -> None:
        try:
            result: ItemResult = self.executor.result(ref)
        except Exception as exc:  # retries exhausted (or a bug): the item's pages without a status fail here
            self._lost(item, f"the task failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
            return
        self.nodes[result.node] = self.nodes.get(result.node, 0) + 1
        self.kinds[item.kind] = self.kinds.get(item.kind, 0) + 1
        for report in result.reports:
            self._merge(RunReport.model_validate(report))
        for doc in result.written:
            self.entries[doc].written = True
        if item.kind == "shard":  # every event of the item is in: a planned page it never counted fails here
            self._fail_unseen(item, "no status from its worker (the file changed since the run was planned?)")
        if item.kind != "shard":
            for piece in item.pieces:
                if piece.doc not in self.file_failed:
                    self.progress.doc_done()

    def _merge(self, other: RunReport) -> None:
        if other.engine:
            self.report.engine, self.report.model = other.engine, other.model
        for stage, seconds in other.stage_s.items():
            if stage not in ("render", "engine", "parse", "write"):  # those come with the pages
                self.report.add_stage(stage, seconds)
        self.report.documents_reused += other.documents_reused
        self.report.documents_written += other.documents_written
        self.report.documents_with_failed_pages += other.documents_with_failed_pages
        known = {f.source for f in self.report.failed_files}  # one line per file, whichever shards failed
        for failure in other.failed_files:
            if failure.source not in known:
                known.add(failure.source)
                self.report.failed_files.append(failure)
        self.report.stopped_early = self.report.stopped_early or other.stopped_early
        self.report.not_dots_ocr = self.report.not_dots_ocr or other.not_dots_ocr

    def _lost(self, item: WorkItem, why: str, log: bool = True) -> None:
        if log:
            self.progress.log(f"[red]{escape(f'work item {item.id} lost: {why}')}[/red]")
        for piece in item.pieces:
            entry = self.entries[piece.doc]
            pages = piece.pages or tuple(self.docs[piece.doc].pages)
            if not pages:
                if piece.doc not in self.file_failed:
                    self._file_failure(entry, f"{entry.source}: not parsed: {why}", "schedule")
                    self.file_failed.add(piece.doc)
                continue
            for page in pages:
                if (piece.doc, page) not in self.seen:
                    result = PageResult(page=page, status=PageStatus.FAILED,
                                        error=f"{entry.source}, page {page}: {why}")
                    self._page(piece.doc, result, reused=False, line=self._lost_line(entry, result))

    def _lost_line(self, entry: Entry, result: PageResult) -> Optional[str]:
        """`-o -`: a page no worker finished is a line too, as a local run streams it (nothing vanishes)."""
        if not self.config.to_stdout:
            return None
        return json.dumps({"source": entry.source, "engine": self.report.engine, "model": self.report.model,
                           "mode": self.config.mode.value, **result.model_dump(mode="json")}, ensure_ascii=False)

    # -- events -----------------------------------------------------------------------------------

    def _events(self, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, PageEvent):
                if (event.doc, event.page) not in self.seen:
                    self._page(event.doc, PageResult.model_validate_json(event.result), event.reused, event.line)
            elif isinstance(event, FileEvent):
                item = self.started.get(event.item)
                if item is not None and item.kind == "shard" and self.docs[event.doc].pages:
                    self._shard_failed(item, event)
                elif event.doc not in self.file_failed:
                    self.file_failed.add(event.doc)
                    entry = self.entries[event.doc]
                    entry.selected = None
                    entry.file_error = event.error
                    self.report.failed_files.append(FileError(source=entry.source, error=event.error))
                    self.progress.log(f"[red]{escape(event.error)}[/red]")
                    if event.line is not None:
                        self._emit(event.line, entry)
                    self.progress.doc_done()
            elif isinstance(event, LogEvent):
                self.progress.log(event.message)

    def _shard_failed(self, item: WorkItem, event: FileEvent) -> None:
        """A shard whose worker could not open its document (changed or gone since it was planned): its pages
        fail with the reason, and the pages the other shards counted keep theirs."""
        entry = self.entries[event.doc]
        if event.doc not in self.shard_failed:
            self.shard_failed.add(event.doc)
            self.progress.log(f"[red]{escape(event.error)}[/red]")
            if not any(f.source == entry.source for f in self.report.failed_files):
                self.report.failed_files.append(FileError(source=entry.source, error=event.error))
        self._fail_unseen(item, f"its worker could not open the file ({event.error})")

    def _fail_unseen(self, item: WorkItem, why: str) -> None:
        for piece in item.pieces:
            entry = self.entries[piece.doc]
            for page in piece.pages or ():
                if (piece.doc, page) not in self.seen:
                    error = f"{entry.source}, page {page}: {why}"
                    result = PageResult(page=page, status=PageStatus.FAILED, error=error)
                    self._page(piece.doc, result, reused=False, line=self._lost_line(entry, result))

    def _page(self, doc: int, result: PageResult, reused: bool, line: Optional[str]) -> None:
        self.seen.add((doc, result.page))
        entry = self.entries[doc]
        if entry.selected is None:  # counted by its worker only (this machine could not open it)
            Ledger.expect(entry, [])
        if line is not None:
            self._emit(line, entry)
        self.report.add_page(entry.source, result, reused)
        Ledger.record(entry, result.page, result.status.value)
        self.progress.page_done(result.status)

    def _emit(self, line: str, entry: Entry) -> None:
        if not self._stdout_open:
            return
        import sys

        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            entry.emitted += 1
        except (BrokenPipeError, ValueError, OSError):
            self._stdout_open = False
            self.report.stopped_early = self.report.stopped_early or "stdout closed by the reader"

    def _file_failure(self, entry: Entry, message: str, stage: str) -> None:
        entry.file_error = message
        self.report.failed_files.append(FileError(source=entry.source, error=message))
        self.progress.log(f"[red]{escape(message)}[/red]")
        if self.config.to_stdout:
            self._emit(json.dumps({"source": entry.source, "status": "failed", "error": message, "stage": stage},
                                  ensure_ascii=False), entry)

    # -- after the last item ----------------------------------------------------------------------

    def _finish(self, started: float) -> None:
        for entry in self.entries:  # documents this machine could not open: the pages their worker counted
            if entry.selected == [] and len(entry.recorded):
                entry.selected = [p for p in range(len(entry.recorded)) if entry.recorded[p]]
                entry.twice = [p for p in entry.twice if p < len(entry.recorded) and entry.recorded[p] > 1]
        gaps = self.ledger.gaps()
        self.report.unaccounted = gaps[:MAX_LISTED] + ([f"... and {len(gaps) - MAX_LISTED} more"]
                                                       if len(gaps) > MAX_LISTED else [])
        self.report.wall_s = round(time.monotonic() - started, 3)
        done = self.report.pages - self.report.pages_reused
        self.report.pages_per_s = round(done / self.report.wall_s, 3) if self.report.wall_s else 0.0
        if self.distributed and self.nodes:
            spread = ", ".join(f"{node[:8]} {n}" for node, n in sorted(self.nodes.items()))
            self.progress.log(f"items per node: {spread}")

    def _write_report(self, out: Optional[Path]) -> None:
        text = self.report.model_dump_json(indent=2) + "\n"
        folder = self.remote.local if self.remote is not None else out
        if folder is None:
            return
        if self.remote is not None:
            self.remote.write_text("run.json", text)
        else:
            atomic_write_text(folder / "run.json", text)
        outputs = self.config.output_fields()
        views = wanted_run_formats(folder, outputs)  # OUT/index.html with --html, as a local run writes it
        write_run_views(folder, self.report, outputs,
                        lambda message: self.console.print(f"[red]error:[/red] {escape(message)}", highlight=False))
        if self.remote is not None:
            for fmt in views:
                if fmt.file(folder).is_file():
                    self.remote.push_file(fmt.file(folder).relative_to(folder).as_posix(), fmt.file(folder))

    def _tell_user(self) -> None:
        if self.report.unaccounted:
            listed = "\n  ".join(map(escape, self.report.unaccounted[:20]))
            self.console.print(f"[red]error:[/red] not everything is accounted for:\n  {listed}", highlight=False)
        if not self.config.quiet:
            self.console.print(summary_table(self.report))


@contextmanager
def _sigterm_interrupts(seen: list[str]) -> Iterator[None]:
    """SIGTERM stops the run as Ctrl-C does (KeyboardInterrupt), when this is the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: Any) -> None:
        seen.append("SIGTERM")
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
