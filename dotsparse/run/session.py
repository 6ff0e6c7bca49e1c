"""Build the engine, run the pipeline, write the run report: one run from start to summary.

`Session` is an engine started once and any number of pipeline runs over it: the CLI makes one run
(`run_session`), the Python API's `Parser` keeps one session for its whole life. Both go through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import Options, RunConfig
from ..discover import Discovery, PageSelection, discover
from ..engines.base import Engine
from ..errors import UsageError
from ..fileio import atomic_write_text
from ..model import PageStatus
from ..prompts import prompt_for
from .engines import build_engine
from .pipeline import FinishedDocument, Pipeline
from .progress import Progress
from .report import RunReport


def find_inputs(config: RunConfig) -> Discovery:
    """The sources to parse; a usage error when there are none. Checks --pages and the prompt first."""
    prompt_for(config.mode, config.prompt_file)
    PageSelection.parse(config.pages)  # a bad --pages is a usage error before any engine starts
    found = discover(config.inputs)
    if not found.sources:
        missing = f"; not found: {', '.join(found.missing)}" if found.missing else ""
        skipped = f" ({len(found.skipped)} other files skipped)" if found.skipped else ""
        raise UsageError(f"no PDF or image found in the inputs{skipped}{missing}")
    return found


class Session:
    """One engine, built from `options` (or given) and started once, for any number of runs."""

    def __init__(self, options: Options, on_event: Callable[[str], None], engine: Optional[Engine] = None):
        self.options = options
        self.engine = engine or build_engine(options, on_event=on_event)

    async def start(self) -> None:
        await self.engine.start()

    async def run(self, config: RunConfig, found: Discovery, progress: Progress,
                  on_document: Optional[Callable[[FinishedDocument], None]] = None,
                  in_memory: bool = False) -> RunReport:
        prompt = prompt_for(config.mode, config.prompt_file)
        pipeline = Pipeline(config, self.engine, prompt, progress, on_document=on_document, in_memory=in_memory)
        try:
            return await pipeline.run(found)
        finally:
            await pipeline.ladder.aclose()

    async def aclose(self) -> None:
        await self.engine.aclose()


async def run_session(config: RunConfig, console: Console) -> RunReport:
    found = find_inputs(config)
    progress = Progress(console, show_bar=console.is_terminal and not config.quiet, quiet=config.quiet)
    session = Session(config, on_event=lambda message: progress.log(escape(message)))  # plain text, not markup
    try:
        await session.start()
        report = await session.run(config, found, progress)
    finally:
        await session.aclose()
    if not config.to_stdout:
        atomic_write_text(Path(config.output) / "run.json", report.model_dump_json(indent=2) + "\n")
    if not config.quiet:
        console.print(summary_table(report))
    return report


def summary_table(report: RunReport) -> Table:
    """One column per page status, with run.json's `pages_by_status` counts; fits 80 columns."""
    unreadable = f" ({len(report.failed_files)} unreadable)" if report.failed_files else ""
    table = Table(title=f"dotsparse: {report.engine} / {report.model} / {report.mode}: "
                        f"{_count(report.documents, 'document')}{unreadable}, {_count(report.pages, 'page')}, "
                        f"{report.pages_per_s:.2f} pages/s",
                  title_justify="left", caption=_caption(report), caption_justify="left")
    for name in (*(s.value for s in PageStatus), "reused"):
        table.add_column(name, justify="right", no_wrap=True)
    counts = [report.pages_by_status.get(s.value, 0) for s in PageStatus]
    table.add_row(*(f"[red]{n}[/red]" if n and not s.usable else str(n) for s, n in zip(PageStatus, counts)),
                  str(report.pages_reused))
    return table


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _caption(report: RunReport) -> str:
    fallbacks = ", ".join(f"{k} {v}" for k, v in report.fallbacks.items()) or "none"
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report.stage_s.items())
    lines = [f"retries {report.retries}; fallbacks: {fallbacks}",
             f"tokens: {report.prompt_tokens:,} in, {report.completion_tokens:,} out; wall {report.wall_s:.1f}s",
             f"time per stage, summed over pages: {stages}"]
    if report.stopped_early:
        lines.append(f"[red]stopped early: {report.stopped_early}[/red]")
    if report.not_dots_ocr:
        lines.append(f"[red]not dots.ocr: {report.not_dots_ocr}[/red]")
    if report.pages_from_embedded:
        lines.append(f"[red]{report.pages_from_embedded} page(s) come from the embedded fallback, not the model "
                     f"(status 'fallback'; exit code 3)[/red]")
    return "\n".join(lines)
