"""A work item on a worker: the local pipeline over its documents or page range, with the node's engine.

The engine is built once per worker process and kept for the items that follow (an embedded
engine's OCR and layout models load once; an openai engine keeps its connection pool). Pages are
committed to the shared output as the pipeline commits them; each counted page becomes one small
event for the driver. Page failures are page statuses: nothing here raises for a page.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Optional

from rich.console import Console

from ..config import RunConfig
from ..discover import Discovery, Source, page_ranges
from ..fileio import confined, display
from ..model import PageResult
from ..run.pipeline import Pipeline
from ..run.progress import Progress
from ..run.session import Session
from ..writers.paths import DocPaths
from .events import Batcher, FileEvent, LogEvent, PageEvent, slim
from .items import ItemResult, ItemSpec, Piece
from .locations import fetch_input, is_remote, local_path
from .servers import node_addresses, servers_for_node
from .staging import RemoteOutput

RUN_ONLY = {"inputs", "output", "force", "quiet", "pages", "ray", "shard_pages", "max_in_flight", "local_servers"}
_state: dict[str, Any] = {}  # per worker process: the event loop, the session (engine, describers), its settings
_logs: list[Callable[[str], None]] = []  # where the engine's own messages go (the item running now)


def run_item(spec: ItemSpec, send: Callable[[list[Any]], Any], wait: Callable[[Any], Any] = lambda h: h) -> ItemResult:
    """Run one item to the end; `send` delivers a batch of events, `wait` waits for one delivery."""
    loop = _state.get("loop")
    if loop is None or loop.is_closed():
        loop = _state["loop"] = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    batch = Batcher(send, wait)
    _logs[:] = [lambda message: batch.add(LogEvent(spec.item.id, message))]
    try:
        session = loop.run_until_complete(_session_for(spec.config))
        return loop.run_until_complete(_ItemRun(spec, session, batch).run())
    finally:
        batch.close()


async def _session_for(config: RunConfig) -> Session:
    """The engine (and picture describers) of this worker process, built once for the items that follow."""
    if config.local_servers and config.servers:
        config = config.model_copy(update={"servers": servers_for_node(config.servers, node_addresses())})
    key = config.model_dump_json(exclude=RUN_ONLY)
    if _state.get("key") != key:
        old = _state.pop("session", None)
        if old is not None:
            await old.aclose()
        session = Session(config, on_event=_engine_event)
        await session.start()
        _state["session"], _state["key"] = session, key
    return _state["session"]


def _engine_event(message: str) -> None:
    for log in _logs:
        log(message)


class _Relay(Progress):
    """The pipeline's progress, relayed: log lines become events, the bar stays with the driver."""

    def __init__(self, log: Callable[[str], None]):
        super().__init__(Console(file=io.StringIO()), show_bar=False)
        self._log = log

    def log(self, message: str) -> None:
        self._log(message)

    def file_failed(self, message: str) -> None:
        pass  # the item's FileEvent carries it; the driver logs it once


class _ItemRun:
    def __init__(self, spec: ItemSpec, session: Session, batch: Batcher):
        self.spec = spec
        self.item = spec.item
        self.session = session
        self.batch = batch
        self.remote = RemoteOutput(spec.output) if is_remote(spec.output) else None
        self.to_stdout = spec.config.to_stdout
        self.root: Optional[Path] = None if self.to_stdout else (
            self.remote.local if self.remote is not None else local_path(spec.output))
        self.config = spec.config if self.root is None else spec.config.model_copy(update={"output": str(self.root)})
        self.doc_of: dict[str, int] = {}
        self._line: Optional[str] = None
        self._file_lines: dict[str, str] = {}
        self._pushes: list[Future] = []
        self._redone: set[int] = set()
        self._uploader = ThreadPoolExecutor(1, thread_name_prefix="dotsparse-push") if self.remote else None
        self.progress = _Relay(lambda message: batch.add(LogEvent(self.item.id, message)))

    async def run(self) -> ItemResult:
        started = time.monotonic()
        result = ItemResult(item=self.item.id, node=socket.gethostname(), pid=os.getpid(), reports=[])
        sources = []
        for piece in self.item.pieces:
            source = await self._fetch(piece)
            if source is not None:
                sources.append((piece, source))
        if self.remote is not None:
            for piece, _ in sources:
                await asyncio.to_thread(self.remote.pull_doc, piece.rel)
        try:
            if self.root is not None:
                with confined(self.root):
                    await self._pipelines(sources, result)
            else:
                await self._pipelines(sources, result)
        finally:
            if self._uploader is not None:
                for future in self._pushes:
                    future.result()
                self._uploader.shutdown(wait=True)
        if self.remote is not None:
            for piece, _ in sources:
                final = self.item.kind != "shard" and piece.doc in result.written
                await asyncio.to_thread(self.remote.push_doc, piece.rel, final)
        result.seconds = round(time.monotonic() - started, 3)
        return result

    async def _fetch(self, piece: Piece) -> Optional[Source]:
        self.doc_of[piece.source.name or display(piece.source.path)] = piece.doc
        if piece.url is None:
            return piece.source
        try:
            path = await asyncio.to_thread(fetch_input, piece.url)
        except Exception as exc:  # the file fails as a whole, as an unreadable local file does
            error = f"{piece.url}: cannot fetch ({type(exc).__name__}: {exc})"
            line = json.dumps({"source": piece.url, "status": "failed", "error": error, "stage": "open"},
                              ensure_ascii=False) if self.to_stdout else None
            self.batch.add(FileEvent(self.item.id, piece.doc, error, line))
            return None
        return replace(piece.source, path=path)

    async def _pipelines(self, sources: list[tuple[Piece, Source]], result: ItemResult) -> None:
        if not sources:
            return
        if self.item.kind == "whole":
            await self._pipeline(self.config, sources, result)
        elif self.item.kind == "shard":
            for piece, source in sources:
                assert piece.pages is not None
                config = self.config.model_copy(update={"pages": page_ranges(piece.pages)})
                await self._pipeline(config, [(piece, source)], result, assemble=False)
        else:  # assembly: every page is in the store; failed ones are kept as the shards recorded them
            await self._pipeline(self.config.model_copy(update={"force": False}), sources, result, keep_failed=True)

    async def _pipeline(self, config: RunConfig, sources: list[tuple[Piece, Source]], result: ItemResult,
                        assemble: bool = True, keep_failed: bool = False) -> None:
        paths = None if self.root is None else [DocPaths(root=self.root / p.rel, name=p.name) for p, _ in sources]
        describer = await self.session.describer_for(config) if assemble else None  # a pass over whole documents
        pipeline = Pipeline(config, self.session.engine, self.spec.prompt, self.progress, emit=self._emit,
                            on_page=self._on_page, assemble=assemble, keep_failed=keep_failed, describer=describer)
        report = await pipeline.run(Discovery(sources=[s for _, s in sources]), paths=paths)
        result.reports.append(report.model_dump(mode="json"))
        for (piece, _), entry in zip(sources, pipeline.ledger.entries[-len(sources):]):
            if entry.file_error is not None:
                result.file_errors[piece.doc] = entry.file_error
                line = self._file_lines.pop(entry.source, None)
                self.batch.add(FileEvent(self.item.id, piece.doc, entry.file_error, line))
            elif entry.written and assemble:
                result.written.append(piece.doc)

    def _emit(self, line: str) -> None:
        record = json.loads(line)
        if "page" in record:
            self._line = line  # the page counted next (same call stack) carries it
        else:  # a file that failed as a whole
            self._file_lines[record.get("source", "")] = line

    def _take_line(self) -> Optional[str]:
        line, self._line = self._line, None
        return line

    def _on_page(self, name: str, page: PageResult, reused: bool) -> None:
        doc = self.doc_of[name]
        self.batch.add(PageEvent(self.item.id, doc, page.page, reused, slim(page), self._take_line()))
        if self.remote is not None and self._uploader is not None and not reused:
            piece = next(p for p in self.item.pieces if p.doc == doc)
            first = doc not in self._redone
            self._redone.add(doc)
            self._pushes.append(self._uploader.submit(self._push_page, piece.rel, page.page, first))

    def _push_page(self, rel: str, page: int, first: bool) -> None:
        assert self.remote is not None
        if first:  # the document is being redone: its old marker must not vouch for new objects
            self.remote.drop_done(rel)
        self.remote.push_page(rel, page)
