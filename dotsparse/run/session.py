"""Build the engine, run the pipeline, write the run report: one run from start to summary.

`Session` is an engine started once and any number of pipeline runs over it: the CLI makes one run
(`run_session`), the Python API's `Parser` keeps one session for its whole life. Both go through here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import Options, RunConfig, check_run
from ..discover import Discovery, PageSelection, discover
from ..engines.base import Engine
from ..errors import EXIT_BY_SIGNAL, UsageError
from ..fileio import atomic_write_text, confined, display
from ..model import PageStatus
from ..prompts import prompt_for
from ..writers.registry import Outputs, wanted_run_formats
from .describe import PictureDescriber
from .lock import OutputLock
from .engines import build_engine
from .pipeline import FinishedDocument, Pipeline
from .progress import Progress
from .report import RunReport


def find_inputs(config: RunConfig, exclude: Optional[Path] = None) -> Discovery:
    """The sources to parse; a usage error when there are none. Checks --pages and the prompt first."""
    prompt_for(config.mode, config.prompt_file)
    PageSelection.parse(config.pages)  # a bad --pages is a usage error before any engine starts
    found = discover(config.inputs, exclude=exclude)
    if not found.sources and not found.unreadable:
        missing = f"; not found: {', '.join(map(display, found.missing))}" if found.missing else ""
        skipped = f" ({len(found.skipped)} other files skipped)" if found.skipped else ""
        raise UsageError(f"no PDF or image found in the inputs{skipped}{missing}")
    return found


class Session:
    """One engine, built from `options` (or given) and started once, for any number of runs; and the picture
    describer (`--describe-pictures`), started when a run first asks for it, one per describer setting."""

    def __init__(self, options: Options, on_event: Callable[[str], None], engine: Optional[Engine] = None):
        self.options = options
        self.on_event = on_event
        self.engine = engine or build_engine(options, on_event=on_event)
        self.pipeline: Optional[Pipeline] = None  # the run in progress (what a signal interrupts)
        self._describers: dict[tuple, PictureDescriber] = {}

    async def start(self) -> None:
        await self.engine.start()

    async def run(self, config: RunConfig, found: Discovery, progress: Progress,
                  on_document: Optional[Callable[[FinishedDocument], None]] = None,
                  in_memory: bool = False) -> RunReport:
        prompt = prompt_for(config.mode, config.prompt_file)
        describer = await self._describer(config)
        pipeline = Pipeline(config, self.engine, prompt, progress, on_document=on_document, in_memory=in_memory,
                            describer=describer)
        self.pipeline = pipeline
        try:
            return await pipeline.run(found)
        finally:
            await pipeline.ladder.aclose()
            self.pipeline = None

    async def describer_for(self, config: RunConfig) -> Optional[PictureDescriber]:
        """The picture describer `config` asks for, started once per setting (a scheduler above the pipeline's)."""
        return await self._describer(config)

    async def _describer(self, config: RunConfig) -> Optional[PictureDescriber]:
        if not config.describe_pictures:
            return None
        settings = (config.describe_server, config.describe_model, config.describe_api_key, config.describe_prompt,
                    config.describe_min_side, config.describe_concurrency, config.describe_max_tokens,
                    config.timeout, config.max_retries, config.unavailable_timeout)
        if settings not in self._describers:
            describer = PictureDescriber(config, on_event=self.on_event)
            await describer.start()
            self._describers[settings] = describer
        return self._describers[settings]

    async def aclose(self) -> None:
        try:
            await self.engine.aclose()
        finally:
            describers, self._describers = list(self._describers.values()), {}
            for describer in describers:
                await describer.aclose()


async def run_session(config: RunConfig, console: Console) -> RunReport:
    check_run(config)
    out = None if config.to_stdout else prepare_output(Path(config.output))
    found = find_inputs(config, exclude=out)
    with ExitStack() as stack:
        if out is not None:
            stack.enter_context(OutputLock(out))
            stack.enter_context(confined(out))
        report = await _run(config, found, console)
        if out is not None:
            _write_report(out, report, console)
            write_run_views(out, report, config.output_fields(),
                            lambda message: console.print(f"[red]error:[/red] {escape(message)}", highlight=False))
    if report.stopped_early and config.quiet:  # --quiet hides log lines, never why a run stopped
        console.print(f"[red]error:[/red] stopped early: {escape(report.stopped_early)}", highlight=False)
    if report.unaccounted:
        listed = "\n  ".join(map(escape, report.unaccounted[:20]))
        more = f"\n  ... and {len(report.unaccounted) - 20} more (run.json lists them)" if len(report.unaccounted) > 20 else ""
        console.print(f"[red]error:[/red] not everything is accounted for:\n  {listed}{more}", highlight=False,
                      markup=True)
    if not config.quiet:
        console.print(summary_table(report))
    return report


async def _run(config: RunConfig, found: Discovery, console: Console) -> RunReport:
    progress = Progress(console, show_bar=console.is_terminal and not config.quiet, quiet=config.quiet)
    session = Session(config, on_event=lambda message: progress.log(escape(message)))  # plain text, not markup
    with _signals_to(lambda name: session.pipeline.interrupt(name) if session.pipeline else _early_signal(name)):
        try:
            await session.start()
            return await session.run(config, found, progress)
        finally:
            await session.aclose()


def prepare_output(out: Path) -> Path:
    """OUT exists as a folder we can write, or a usage error says why (exit 2), before any work."""
    try:
        if out.exists() and not out.is_dir():
            raise UsageError(f"-o {display(out)}: exists and is not a folder", hint="give a folder, or - for stdout")
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"-o {display(out)}: cannot create the output folder ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"-o {display(out)}: the output folder is not writable")
    return out


def _write_report(out: Path, report: RunReport, console: Console) -> None:
    try:
        atomic_write_text(out / "run.json", report.model_dump_json(indent=2) + "\n")
    except OSError as exc:  # e.g. a full disk: everything else was committed; say so and fail the run
        report.unaccounted.append(f"{display(out / 'run.json')}: not written ({exc.strerror or exc})")
        console.print(f"[red]error:[/red] report: cannot write {display(out / 'run.json')} ({exc.strerror or exc}); "
                      "the pages committed are kept; run the same command again", highlight=False)


def write_run_views(out: Path, report: RunReport, outputs: Outputs, log: Callable[[str], None]) -> None:
    """The registered run formats (`OUT/index.html` with `--html`; once written, never left stale).

    Views: a failure is reported and loses nothing."""
    formats = wanted_run_formats(out, outputs)
    record = report.model_dump(mode="json") if formats else {}
    for fmt in formats:
        try:
            fmt.write(out, record)
        except Exception as exc:
            log(f"{fmt.name}: {display(fmt.file(out))} not written ({type(exc).__name__}: {exc})")


def _early_signal(name: str) -> None:
    raise KeyboardInterrupt(name)


@contextmanager
def _signals_to(handler) -> Iterator[None]:
    """SIGINT and SIGTERM call `handler(name)` once; a second signal ends the process at once (pages committed stay)."""
    loop = asyncio.get_running_loop()
    seen: list[str] = []

    def on_signal(name: str) -> None:
        if seen:
            sys.stderr.write(f"\n{name} again: exiting now; committed pages are kept\n")
            os._exit(EXIT_BY_SIGNAL[name])
        seen.append(name)
        sys.stderr.write(f"\n{name}: stopping; pages done so far are kept. Run the same command again to resume\n")
        loop.call_soon(handler, name)

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)



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
