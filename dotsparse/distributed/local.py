"""Items run in this process: a run with URL inputs or outputs and no `--ray` goes through here."""

from __future__ import annotations

from typing import Any, Optional

from .events import EventSink
from .items import ItemResult, ItemSpec


class LocalExecutor:
    def __init__(self) -> None:
        self.sink = EventSink()
        self._results: dict[int, Any] = {}

    def cpus(self) -> int:
        return 1

    def submit(self, spec: ItemSpec, num_cpus: float) -> int:
        from .worker import run_item

        try:
            self._results[spec.item.id] = run_item(spec, send=self.sink.put)
        except BaseException as exc:  # kept for `result`, as Ray keeps a task's error
            self._results[spec.item.id] = exc
        return spec.item.id

    def wait(self, pending: list[Any], timeout: float) -> tuple[list[Any], list[Any]]:
        return list(pending[:1]), list(pending[1:])

    def result(self, ref: int) -> ItemResult:
        value = self._results.pop(ref)
        if isinstance(value, BaseException):
            raise value
        return value

    def cancel(self, ref: int) -> None:
        self._results.pop(ref, None)

    def take(self) -> list[Any]:
        return self.sink.take()

    def preflight(self, output: Optional[str]) -> list[dict[str, Any]]:
        return []

    def close(self) -> None:
        return None
