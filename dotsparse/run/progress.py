"""Progress on stderr: a rich bar on a terminal, nothing when piped or `--quiet`; logs always go to stderr."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, TaskProgressColumn,
                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)

from ..model import PageStatus


class Progress:
    def __init__(self, console: Console, show_bar: bool, quiet: bool = False):
        self.console = console
        self.quiet = quiet
        self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), console=console,
                                 disable=not show_bar, transient=False)
        self._docs = self._bar.add_task("documents", total=0, rate="")
        self._pages = self._bar.add_task("pages", total=0, rate="")

    def start(self, documents: int) -> None:
        self._bar.update(self._docs, total=documents)
        self._bar.start()

    def add_pages(self, n: int) -> None:
        task = self._bar.tasks[self._pages]
        self._bar.update(self._pages, total=(task.total or 0) + n)

    def page_done(self, status: PageStatus) -> None:
        self._bar.advance(self._pages)
        task = self._bar.tasks[self._pages]
        speed = task.speed
        self._bar.update(self._pages, rate=f"{speed:.2f} pages/s" if speed else "")

    def doc_done(self) -> None:
        self._bar.advance(self._docs)

    def log(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message, highlight=False)

    def file_failed(self, message: str) -> None:
        """A file that failed as a whole (its error carries file and stage)."""
        self.log(f"[red]{escape(message)}[/red]")

    def stop(self) -> None:
        self._bar.stop()
