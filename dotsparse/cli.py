"""The `dotsparse` command: flags → RunConfig → run → exit code. The only module that exits.

Exit codes: 0 every page ok and accounted for, 1 some pages or files failed (or anything is unaccounted
for), 2 usage error (incl. an output folder in use by another run), 3 pages from the embedded fallback
or a server that is not dots.ocr, 130 Ctrl-C, 143 SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer
import typer.core
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape

from . import __version__, layout_gate
from .config import (DESCRIBE_API_KEY_ENV, Options, RunConfig, api_key_from_env, load_toml, settings_message,
                     servers_from)
from .engines.options import EmbeddedOptions, TransformersOptions
from .errors import EXIT_BY_SIGNAL, DotsparseError, UsageError
from .model import Mode

layout_gate.block()  # the CLI's process never needs PyMuPDF's layout model; its workers load it

def _no_flag_placeholder(params: list[Any]) -> list[Any]:
    # Typer 0.29 prints a `<bool>` type after every flag (--help included), as if it took a value.
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _no_flag_placeholder(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _no_flag_placeholder(super().get_params(ctx))


app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich", cls=_Group,
                  help="Parse PDFs and images into Markdown, HTML tables, LaTeX and JSON layout with dots.ocr.")
models_app = typer.Typer(no_args_is_help=True, cls=_Group, help="Manage local model weights.")
app.add_typer(models_app, name="models")
stderr = Console(stderr=True, soft_wrap=True)  # one message, one line: logs are grepped


class TextSource(str, Enum):
    auto = "auto"
    model = "model"
    pdf = "pdf"


class EngineName(str, Enum):
    auto = "auto"
    openai = "openai"
    transformers = "transformers"
    embedded = "embedded"
    replay = "replay"


def _d(name: str, model: type[BaseModel] = Options) -> Any:
    """A flag's default is the option's: defaults are stated once, in the options model."""
    default = model.model_fields[name].default
    return default.value if isinstance(default, Enum) else default


ENGINE_FLAGS = {"device": "transformers", "dtype": "transformers", "batch_size": "transformers",
                "trust_remote_code": "transformers", "workers": "embedded", "ocr": "embedded"}
RUN_FLAGS = ("output", "force", "quiet", "ray", "shard_pages", "max_in_flight", "local_servers")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dotsparse {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                              help="Print the version and exit.")) -> None:
    """Parse PDFs and images into Markdown, HTML tables, LaTeX and JSON layout with dots.ocr."""


def _parse_box(value: Optional[str]) -> Optional[tuple[float, float, float, float]]:
    if value is None:
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in value.split(","))
    except ValueError:
        raise UsageError(f"--box {value!r}: give four numbers x1,y1,x2,y2 in page pixels at --dpi") from None
    if x2 <= x1 or y2 <= y1:
        raise UsageError(f"--box {value!r}: x2 must exceed x1 and y2 exceed y1")
    return (x1, y1, x2, y2)


@app.command(no_args_is_help=True, cls=_Command)
def parse(
    ctx: typer.Context,
    inputs: List[str] = typer.Argument(..., help="PDFs, images, folders (searched recursively) or globs."),
    output: str = typer.Option(_d("output", RunConfig), "-o", "--output",
                               help="Output folder, or [bold]-[/bold] for JSON Lines (one page per line) on stdout."),
    mode: Mode = typer.Option(_d("mode"), "--mode", "-m", help=(
        "layout: full parse (blocks, text, tables, formulas). detect: boxes and categories, listed by position. "
        "text: plain text of the page. box: text inside --box. tables: only tables, as HTML. "
        "formulas: only formulas, as LaTeX. order: the boxes in reading order, with their index. "
        "dots.mocr only: web: a web page screenshot parsed into blocks. scene: text in a photo or scene. "
        "svg: the image redrawn as SVG (sampled at temperature 0.9), written sanitized as a file.")),
    box: Optional[str] = typer.Option(None, help="x1,y1,x2,y2 in page pixels at --dpi, for --mode box."),
    pages: Optional[str] = typer.Option(None, "--pages", "-p", help="1-based pages, e.g. 1-3,7,10-"),
    dpi: float = typer.Option(_d("dpi"), help=(
        "Render resolution for PDF pages. Images keep their own pixels, except fine scans (brought down to it) "
        "and images smaller than a page at this dpi (upscaled towards one).")),
    min_pixels: int = typer.Option(_d("min_pixels"), help="Smallest image sent to the model (pixels)."),
    max_pixels: int = typer.Option(_d("max_pixels"), help="Largest image sent to the model (pixels)."),
    password: Optional[str] = typer.Option(None, help="Password for encrypted PDFs."),
    prompt_file: Optional[Path] = typer.Option(None, help="Send this prompt instead of the mode's own."),
    engine: EngineName = typer.Option(EngineName.auto, help=(
        "auto: openai if --server is given, transformers if --model is a local folder, else embedded.")),
    server: List[str] = typer.Option([], "--server", "-s", help=(
        "OpenAI-compatible base URL (…/v1); repeat for several servers, or @file with one URL per line. "
        "Default: $DOTSPARSE_SERVER.")),
    model: Optional[str] = typer.Option(None, help="Served model name (default: ask the server), or a model "
                                                   "folder / hub id for --engine transformers."),
    temperature: Optional[float] = typer.Option(_d("temperature"), help=(
        "Sampling temperature (default: the mode's, 0.1; 0.9 for --mode svg).")),
    top_p: float = typer.Option(_d("top_p"), help="Nucleus sampling."),
    max_tokens: int = typer.Option(_d("max_tokens"), help="Largest answer, in tokens; hitting it marks the page truncated."),
    concurrency: int = typer.Option(_d("concurrency"), "--concurrency", "-j", help="Pages in flight at once."),
    timeout: float = typer.Option(_d("timeout"), help="Seconds to wait for one server answer."),
    page_timeout: Optional[float] = typer.Option(None, help="Seconds for a whole page, retries and fallbacks included."),
    doc_timeout: Optional[float] = typer.Option(None, help="Seconds for a whole document; pages not done by then fail."),
    max_failed_ratio: Optional[float] = typer.Option(None, min=0.0, max=1.0, help=(
        "Stop scheduling pages once more than this fraction of at least 10 finished pages failed.")),
    max_retries: int = typer.Option(_d("max_retries"), help="Retries per request on connection errors, 429 and 5xx."),
    fallback: str = typer.Option(",".join(_d("fallback")), help=(
        "Steps tried, in order, on truncated/looping/unparseable answers; 'none' to disable.")),
    text_source: TextSource = typer.Option(_d("text_source"), envvar="DOTSPARSE_TEXT_SOURCE", help=(
        "Where layout pages get their text. auto: born-digital pages ask the model for the layout only and take "
        "their text from the PDF's text layer (tables and formulas still by the model); scans, images and "
        "unusable text layers get the full model parse. model: the model writes every page's text. pdf: trust any "
        "text layer, invisible OCR layers and doubtful ones included; only pages without one go to the model.")),
    unavailable_timeout: float = typer.Option(_d("unavailable_timeout"), help="Seconds to wait when every server is down."),
    overlay: bool = typer.Option(_d("overlay"), help="Also write page images with numbered, coloured boxes."),
    html: bool = typer.Option(_d("html"), "--html", help=(
        "Also write the HTML viewer: OUT/<doc>/<doc>.html (page images with clickable boxes beside the content) "
        "and OUT/index.html. Opens from disk, no server. [bold]dotsparse view OUT[/bold] builds it later.")),
    page_furniture: bool = typer.Option(_d("page_furniture"), "--page-furniture/--no-page-furniture", help=(
        "Keep page headers and footers in <doc>.md (<doc>_nohf.md never has them).")),
    merge_tables: bool = typer.Option(_d("merge_tables"), "--merge-tables/--no-merge-tables", help=(
        "Join tables continued across page breaks in <doc>.md and <doc>.json's merged_tables "
        "(each page's own cells are kept as answered)."), rich_help_panel="Document level"),
    describe_pictures: bool = typer.Option(_d("describe_pictures"), help=(
        "Describe every Picture crop with a general vision model (--describe-server), charts with their "
        "data as a table; a separate pass, resumable."), rich_help_panel="Document level"),
    describe_server: Optional[str] = typer.Option(None, help=(
        "OpenAI-compatible base URL (…/v1) of the describing model; key: $DOTSPARSE_DESCRIBE_API_KEY."),
        rich_help_panel="Document level"),
    describe_model: Optional[str] = typer.Option(None, help="Served name of the describing model (default: ask "
                                                            "the server).", rich_help_panel="Document level"),
    describe_prompt: Optional[str] = typer.Option(None, help=(
        "Prompt for descriptions: a name from `dotsparse prompts` (describe_picture, describe_mocr) or a file."),
        rich_help_panel="Document level"),
    describe_min_side: int = typer.Option(_d("describe_min_side"), min=1, help="Pictures with a side under this many pixels are skipped "
                                                          "(recorded as skipped).", rich_help_panel="Document level"),
    describe_concurrency: int = typer.Option(_d("describe_concurrency"), min=1, help="Descriptions in flight at once.",
                                             rich_help_panel="Document level"),
    force: bool = typer.Option(False, help="Redo pages already done by an earlier run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no log lines."),
    config_file: Optional[Path] = typer.Option(None, "--config", help=(
        "TOML file of settings (names as the long flags, with _; [transformers] and [embedded] tables); "
        "flags override it.")),
    replay: Optional[Path] = typer.Option(None, help="replay engine: folder of recorded answers "
                                                       "(<file name>/p0001.json or .txt)."),
    device: str = typer.Option(_d("device", TransformersOptions), help="transformers engine: auto, cuda, mps or cpu.", rich_help_panel="transformers engine"),
    dtype: str = typer.Option(_d("dtype", TransformersOptions), help="transformers engine: auto, bfloat16, float16 or float32.", rich_help_panel="transformers engine"),
    batch_size: Optional[int] = typer.Option(None, help="transformers engine: pages per generate call.", rich_help_panel="transformers engine"),
    trust_remote_code: bool = typer.Option(False, help="transformers engine: allow the checkpoint's own modeling code to run.", rich_help_panel="transformers engine"),
    workers: Optional[int] = typer.Option(None, help="embedded engine: worker processes (default: all cores).", rich_help_panel="embedded engine"),
    ocr: str = typer.Option(_d("ocr", EmbeddedOptions), help="embedded engine: auto, always or never.", rich_help_panel="embedded engine"),
    ray: Optional[str] = typer.Option(None, "--ray", metavar="ADDRESS", help=(
        "Run on a Ray cluster: auto ($RAY_ADDRESS or the cluster running here), local (start one here) or "
        "its address. Needs pip install 'dotsparse\\[ray]'; OUT on storage every node sees."),
        rich_help_panel="many machines (Ray)"),
    shard_pages: int = typer.Option(_d("shard_pages", RunConfig), help=(
        "Ray: documents over this many pages are split into shards of it; smaller ones are packed together."),
        rich_help_panel="many machines (Ray)"),
    max_in_flight: Optional[int] = typer.Option(None, help="Ray: work items in flight at once (default: 2 per CPU).",
                                                rich_help_panel="many machines (Ray)"),
    local_servers: bool = typer.Option(False, help=(
        "Ray: each node calls the --server URLs on the node itself (e.g. http://localhost:8000/v1 on every GPU "
        "node), or all of them when it has none."), rich_help_panel="many machines (Ray)"),
) -> None:
    """Parse documents. Example: [bold]dotsparse parse report.pdf scans/ -o out/ --server http://gpu:8000/v1[/bold]"""
    try:
        flags = dict(locals())
        config = _run_config(ctx, flags)
        if _distributed(config):  # Ray, or an input or output on object storage
            from .distributed.driver import run_distributed

            report = run_distributed(config, stderr, ray=config.ray)
        else:
            from .run.session import run_session

            report = asyncio.run(run_session(config, stderr))
    except UsageError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    except DotsparseError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    except KeyboardInterrupt as exc:
        name = str(exc) if str(exc) in EXIT_BY_SIGNAL else "SIGINT"
        stderr.print(f"interrupted ({name}): finished pages are saved; run the same command again to resume")
        raise typer.Exit(EXIT_BY_SIGNAL[name])
    except Exception as exc:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("DOTSPARSE_DEBUG"):
            raise
        stderr.print(f"[red]internal error:[/red] {escape(f'{type(exc).__name__}: {exc}')} "
                     "(set DOTSPARSE_DEBUG=1 for the traceback, and please report it)", highlight=False)
        raise typer.Exit(1)
    if report.interrupted:
        raise typer.Exit(EXIT_BY_SIGNAL.get(report.interrupted, 130))
    raise typer.Exit(report.exit_code)


def _distributed(config: RunConfig) -> bool:
    from .distributed.locations import is_url

    return config.ray is not None or is_url(config.output) or any(is_url(i) for i in config.inputs)


def _run_config(ctx: typer.Context, flags: dict) -> RunConfig:
    """Defaults, then the TOML file, then the environment, then the flags given on the command line."""
    values: dict = load_toml(flags["config_file"]) if flags["config_file"] else {}
    converted = {"box": _parse_box(flags["box"]),
                 "engine": flags["engine"].value if isinstance(flags["engine"], Enum) else flags["engine"],
                 "text_source": flags["text_source"].value if isinstance(flags["text_source"], Enum)
                 else flags["text_source"]}
    for name, value in flags.items():
        if name in ("ctx", "config_file", "server", "inputs") or not _given(ctx, name):
            continue
        value = converted.get(name, value)
        if name in ENGINE_FLAGS:
            values.setdefault(ENGINE_FLAGS[name], {})[name] = value
        else:
            values[name] = value
    servers = servers_from(flags["server"])
    if servers:
        values["servers"] = servers
    if api_key_from_env():
        values["api_key"] = api_key_from_env()
    if values.get("describe_pictures") and api_key_from_env(DESCRIBE_API_KEY_ENV):
        values["describe_api_key"] = api_key_from_env(DESCRIBE_API_KEY_ENV)
    if values.get("describe_server"):
        values["describe_server"] = str(values["describe_server"]).rstrip("/")
    values["inputs"] = flags["inputs"]
    if Mode(values.get("mode", _d("mode"))) is Mode.BOX and values.get("box") is None:
        raise UsageError("--mode box needs --box x1,y1,x2,y2 (page pixels at --dpi)")
    try:
        return RunConfig(**values)
    except ValidationError as exc:
        raise UsageError(settings_message(exc)) from None


def _given(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)  # an enum of click's (or typer's own copy of click)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


@app.command("view", no_args_is_help=True, cls=_Command)
def view(
    path: Path = typer.Argument(..., help="An output folder of `dotsparse parse`, or one document folder in it."),
    password: Optional[str] = typer.Option(None, help="Password of encrypted source PDFs (for the page images)."),
) -> None:
    """Build the HTML viewer from existing outputs, without parsing again: [bold]dotsparse view OUT[/bold],
    then open OUT/index.html. Page images are rendered from each source at the path recorded in <doc>.json
    (or beside OUT); when a source is gone or changed, boxes are drawn on a blank page of the page's size."""
    from .viewer import build_views

    try:
        index, entries, problems = build_views(path, password)
    except UsageError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    for problem in problems:
        stderr.print(f"[red]{escape(problem)}[/red]", highlight=False, soft_wrap=True)
    pages = sum(len(e.statuses) for e in entries)
    stderr.print(escape(f"{len(entries)} document(s), {pages} page(s): {index}"), highlight=False, soft_wrap=True)
    typer.echo(str(index.resolve()))
    raise typer.Exit(1 if problems else 0)


@app.command("prompts", cls=_Command)
def list_prompts(show: Optional[str] = typer.Argument(None, help="Print this prompt's exact text.")) -> None:
    """List the prompt files (the exact strings dots.ocr was trained on) or print one."""
    from .prompts import DESCRIBE_PROMPTS, PROMPT_NAMES, load_prompt

    if show:
        try:
            sys.stdout.write(load_prompt(show))
        except UsageError as exc:
            stderr.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
        return
    modes: dict[str, list[str]] = {}
    for m in Mode:
        modes.setdefault(m.prompt_name, []).append(m.value)
    for name in PROMPT_NAMES:
        text = load_prompt(name)
        used = ", ".join(modes.get(name, [])) or (
            "(--describe-prompt, for the picture describer)" if name in DESCRIBE_PROMPTS
            else "(not used by a mode; --prompt-file)")
        first = text.splitlines()[0] if text else ""
        typer.echo(f"{name:15} modes: {used}\n    {first[:100]}{'…' if len(first) > 100 else ''}")


@app.command("schema", cls=_Command)
def schema() -> None:
    """Print the JSON Schema of <doc>.json."""
    from importlib.resources import files

    sys.stdout.write(files("dotsparse.schema").joinpath("document.schema.json").read_text(encoding="utf-8"))


@app.command("doctor", cls=_Command)
def doctor(server: List[str] = typer.Option([], "--server", "-s", help="Also check this server answers (repeatable).")
           ) -> None:
    """Report what this machine can run: engines, torch/CUDA/MPS, configured servers."""
    from .doctor import collect_report, render

    try:
        servers = list(servers_from(server))
    except UsageError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    render(collect_report(servers), Console())


@models_app.command("download", cls=_Command)
def models_download(name: str = typer.Argument(..., help="Hub id, e.g. rednote-hilab/dots.ocr"),
                    target: Path = typer.Argument(..., help="Folder to put the weights in.")) -> None:
    """Fetch model weights with huggingface_hub, for --engine transformers --model DIR."""
    from .models_download import download_model

    try:
        path = download_model(name, target)
    except DotsparseError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    typer.echo(str(path))


def main() -> None:
    app()
