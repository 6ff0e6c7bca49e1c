"""Small per-page events from workers to the driver: a page's status and counters, never its image.

Workers batch events and send them to one `EventSink` (a Ray actor in a Ray run, a plain object in
a local one); the driver takes them as they arrive for progress, `-o -` lines and run.json. A retried
item reports its pages again (as reused); the driver keeps each page's first event.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..model import PageResult

FLUSH_EVERY_S = 0.2


@dataclass(frozen=True)
class PageEvent:
    item: int
    doc: int
    page: int
    reused: bool
    result: str  # the PageResult as JSON, without cells or raw answer (what run.json counts)
    line: Optional[str] = None  # the `-o -` line for this page


@dataclass(frozen=True)
class FileEvent:
    item: int
    doc: int
    error: str
    line: Optional[str] = None


@dataclass(frozen=True)
class LogEvent:
    item: int
    message: str  # rich markup, as the pipeline logs it


def slim(result: PageResult) -> str:
    return result.model_copy(update={"cells": [], "raw_answer": None}).model_dump_json()


class EventSink:
    """Collects events; `take` hands over everything since the last call (the driver polls it)."""

    def __init__(self) -> None:
        self._events: list[Any] = []
        self._lock = threading.Lock()
        self._pids: dict[int, tuple[int, str]] = {}

    def put(self, events: list[Any]) -> int:
        with self._lock:
            self._events.extend(events)
            return len(events)

    def started(self, item: int, pid: int, node: str) -> None:
        with self._lock:
            self._pids[item] = (pid, node)

    def workers(self) -> dict[int, tuple[int, str]]:
        """Item -> (pid, node) of the process that last started it (what a test kills)."""
        with self._lock:
            return dict(self._pids)

    def take(self) -> list[Any]:
        with self._lock:
            events, self._events = self._events, []
            return events


class Batcher:
    """A worker's side: buffers events, sends at most every FLUSH_EVERY_S; `close` sends the rest and waits."""

    def __init__(self, send: Callable[[list[Any]], Any], wait: Callable[[Any], Any]):
        self._send = send
        self._wait = wait
        self._buffer: list[Any] = []
        self._last = time.monotonic()
        self._pending: list[Any] = []

    def add(self, event: Any) -> None:
        self._buffer.append(event)
        if time.monotonic() - self._last >= FLUSH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._pending.append(self._send(self._buffer))
            self._buffer = []
        self._last = time.monotonic()

    def close(self) -> None:
        self.flush()
        for handle in self._pending:
            self._wait(handle)
        self._pending = []
