"""The accounting invariant: every selected page of every input found is recorded exactly once.

The pipeline tells the ledger what it expected (each found input; once opened, its selected pages)
and what it recorded (a page counted in run.json, written into `<doc>.json`, emitted on stdout; a
whole-file failure). `gaps()` at the end of a run, or of an early stop, lists whatever is missing
or recorded twice; any gap makes the exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..discover import page_ranges
from ..errors import DotsparseError
from ..fileio import display

MAX_LISTED = 1000  # gaps listed in run.json, then "... and N more"


@dataclass
class Entry:
    source: str
    selected: Optional[list[int]] = None  # None until the file is opened
    recorded: bytearray = field(default_factory=bytearray)  # times each page was counted in run.json (1 byte/page)
    twice: list[int] = field(default_factory=list)
    emitted: int = 0  # JSON lines written to stdout for this file
    written: bool = False  # <doc>.json holds every selected page
    file_error: Optional[str] = None  # the file failed as a whole (recorded in failed_files)


class Ledger:
    def __init__(self, to_stdout: bool):
        self.to_stdout = to_stdout
        self.entries: list[Entry] = []

    def add(self, source: str) -> Entry:
        entry = Entry(source)
        self.entries.append(entry)
        return entry

    @staticmethod
    def expect(entry: Entry, selected: Optional[list[int]]) -> None:
        entry.selected = selected
        entry.recorded = bytearray(max(selected) + 1 if selected else 0)

    @staticmethod
    def record(entry: Entry, page: int, status: str) -> None:
        if page >= len(entry.recorded):  # a page never selected: recorded, and reported as a gap below
            entry.recorded.extend(bytes(page + 1 - len(entry.recorded)))
            entry.twice.append(page)
        if entry.recorded[page]:
            entry.twice.append(page)
        entry.recorded[page] = min(255, entry.recorded[page] + 1)

    def gaps(self) -> list[str]:
        out: list[str] = []
        for e in self.entries:
            if e.selected is None:
                if e.file_error is None:
                    out.append(f"{e.source}: neither parsed nor reported as failed")
                elif self.to_stdout and e.emitted == 0:
                    out.append(f"{e.source}: failure not emitted on stdout")
                continue
            missing = [p for p in e.selected if p >= len(e.recorded) or not e.recorded[p]]
            if missing:
                out.append(f"{e.source}: page(s) {page_ranges(missing)} have no status")
            if e.twice:
                out.append(f"{e.source}: page(s) {page_ranges(sorted(set(e.twice)))} recorded more than once")
            if self.to_stdout and e.emitted < len(e.selected) and not (e.file_error and e.emitted):
                out.append(f"{e.source}: {len(e.selected) - e.emitted} of {len(e.selected)} page(s) "
                           "not emitted on stdout")
            if not self.to_stdout and not e.written:
                out.append(f"{e.source}: <doc>.json not written")
        return out


def stage_error(exc: BaseException, stage: str, source: str, page: Optional[int] = None) -> str:
    """One line naming file, page and stage, whatever was raised."""
    if isinstance(exc, DotsparseError):
        exc.source = source
        if exc.page is None:
            exc.page = page
        if exc.stage is None:
            exc.stage = stage
        return display(str(exc))
    detail = exc.strerror if isinstance(exc, OSError) else None
    filename = exc.filename if isinstance(exc, OSError) else None
    text = f"{detail} ({filename})" if detail and filename else str(exc)
    return display(str(DotsparseError(f"{type(exc).__name__}: {text}", source=source, page=page, stage=stage)))
