"""Build the engine, run the pipeline, write the run report: one run from start to summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import RunConfig
from ..discover import PageSelection, discover
from ..errors import UsageError
from ..engines.registry import build_engine
from ..fileio import atomic_write_text
from ..model import PageStatus
from ..prompts import prompt_for
from .describe import PictureDescriber
from .pipeline import Pipeline
from .progress import Progress
from .report import RunReport


async def run_session(config: RunConfig, console: Console) -> RunReport:
    prompt = prompt_for(config.mode, config.prompt_file)
    PageSelection.parse(config.pages)  # a bad --pages is a usage error before any engine starts
    found = discover(config.inputs)
    if not found.sources:
        missing = f"; not found: {', '.join(found.missing)}" if found.missing else ""
        skipped = f" ({len(found.skipped)} other files skipped)" if found.skipped else ""
        raise UsageError(f"no PDF or image found in the inputs{skipped}{missing}")
    progress = Progress(console, show_bar=console.is_terminal and not config.quiet, quiet=config.quiet)
    engine = build_engine(config, on_event=lambda message: progress.log(escape(message)))  # plain text, not markup
    describer = (PictureDescriber(config, on_event=lambda message: progress.log(escape(message)))
                 if config.describe_pictures else None)
    try:
        await engine.start()
        if describer is not None:
            await describer.start()
        pipeline = Pipeline(config, engine, prompt, progress, describer=describer)
        try:
            report = await pipeline.run(found)
        finally:
            await pipeline.ladder.aclose()
    finally:
        await engine.aclose()
        if describer is not None:
            await describer.aclose()
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
    if report.descriptions:
        lines.append("picture descriptions: " + ", ".join(f"{k} {v}" for k, v in sorted(report.descriptions.items())))
    if report.stopped_early:
        lines.append(f"[red]stopped early: {report.stopped_early}[/red]")
    if report.not_dots_ocr:
        lines.append(f"[red]not dots.ocr: {report.not_dots_ocr}[/red]")
    if report.pages_from_embedded:
        lines.append(f"[red]{report.pages_from_embedded} page(s) come from the embedded fallback, not the model "
                     f"(status 'fallback'; exit code 3)[/red]")
    return "\n".join(lines)
