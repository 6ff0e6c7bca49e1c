"""The options: one typed model shared by the CLI and the Python API, built once and passed explicitly.

`Options` holds every setting, each with its default (stated here only), its effect (see
`engines.options`) and its stage; engines declare their own settings, nested under their name.
`RunConfig` adds what one run is given: inputs, output folder, force, quiet. Settings come from,
lowest first: these defaults, a TOML file (`--config FILE`), the environment (server, API key), flags.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Literal, Optional
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .engines.options import OUTPUT, RESULT, RUN, EmbeddedOptions, TransformersOptions, effect_of, setting
from .errors import UsageError
from .model import Mode
from .sizing import MAX_PIXELS, MIN_PIXELS

API_KEY_ENV = ("DOTSPARSE_API_KEY", "OPENAI_API_KEY")
DESCRIBE_API_KEY_ENV = ("DOTSPARSE_DESCRIBE_API_KEY",) + API_KEY_ENV
DESCRIBE_API_KEY_ENV = ("DOTSPARSE_DESCRIBE_API_KEY",) + API_KEY_ENV
SERVER_ENV = "DOTSPARSE_SERVER"
STDOUT = "-"
ENGINE_TABLES = ("transformers", "embedded")  # engines' own settings: Options fields and TOML tables
FALLBACK_STEPS = ("rescale", "boxes", "embedded", "none")
VLM_ENGINES = ("openai", "transformers")  # engines that run dots.ocr: the ones --text-source applies to
KEY_VERSION = 3  # bump when the key's recipe changes


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # what to ask and how the page is sent
    mode: Mode = setting(Mode.LAYOUT, RESULT, "What to extract.")
    box: Optional[tuple[float, float, float, float]] = setting(None, RESULT, "x1,y1,x2,y2 for mode box.")
    pages: Optional[str] = setting(None, OUTPUT, "1-based pages, e.g. 1-3,7,10-.")
    dpi: float = setting(200.0, RESULT, "Render resolution for PDF pages.", gt=0)
    min_pixels: int = setting(MIN_PIXELS, RESULT, "Smallest image sent to the model (pixels).", gt=0)
    max_pixels: int = setting(MAX_PIXELS, RESULT, "Largest image sent to the model (pixels).", gt=0)
    password: Optional[str] = Field(default=None, repr=False, json_schema_extra={"effect": RUN})
    prompt_file: Optional[Path] = setting(None, RESULT, "Send this prompt instead of the mode's own.")
    # the engine and its sampling
    engine: str = setting("auto", RESULT, "auto, openai, transformers, embedded or replay.")
    servers: tuple[str, ...] = setting((), RUN, "OpenAI-compatible base URLs.")
    model: Optional[str] = setting(None, RESULT, "Served model name, or a model folder / hub id.")
    api_key: Optional[str] = Field(default=None, repr=False, json_schema_extra={"effect": RUN})
    replay: Optional[Path] = setting(None, RUN, "replay engine: folder of recorded answers.")
    temperature: Optional[float] = setting(None, RESULT, "Sampling temperature (default: the mode's, 0.1; 0.9 "
                                                         "for svg).", ge=0)
    top_p: float = setting(1.0, RESULT, "Nucleus sampling.")
    max_tokens: int = setting(16384, RESULT, "Largest answer, in tokens.", gt=0)
    # how the run goes
    concurrency: int = setting(32, RUN, "Pages in flight at once.", ge=1)
    timeout: float = setting(600.0, RUN, "Seconds to wait for one server answer.")
    max_retries: int = setting(4, RUN, "Retries per request.", ge=0)
    unavailable_timeout: float = setting(300.0, RUN, "Seconds to wait when every server is down.")
    page_timeout: Optional[float] = setting(None, RUN, "Seconds for a whole page, retries and fallbacks included.")
    doc_timeout: Optional[float] = setting(None, RUN, "Seconds for a whole document.")
    max_failed_ratio: Optional[float] = setting(None, RUN, "Stop scheduling above this failed fraction.",
                                                ge=0.0, le=1.0)
    fallback: tuple[str, ...] = setting(("rescale", "boxes", "embedded"), RESULT,
                                        "Steps tried on truncated/looping/unparseable answers.")
    text_source: Literal["auto", "model", "pdf"] = setting(
        "model", RESULT, "Where layout pages get their text: auto, model or pdf (run/hybrid.py).")
    # what is written from the results
    overlay: bool = setting(False, OUTPUT, "Also write page images with numbered boxes.")
    page_furniture: bool = setting(True, OUTPUT, "Keep page headers and footers in <doc>.md.")
    html: bool = setting(False, OUTPUT, "Also write the HTML viewer: OUT/<doc>/<doc>.html and OUT/index.html.")
    # the document-level pass (dotsparse.document) and picture descriptions (run.describe): they change the
    # document's files, never a page's result (descriptions are kept apart, per picture, and reused)
    merge_tables: bool = setting(True, OUTPUT, "Join tables continued across page breaks.")
    describe_pictures: bool = setting(False, OUTPUT, "Describe every Picture crop with a general vision model.")
    describe_server: Optional[str] = setting(None, OUTPUT, "OpenAI-compatible base URL of the describing model.")
    describe_model: Optional[str] = setting(None, OUTPUT, "Served name of the describing model.")
    describe_api_key: Optional[str] = Field(default=None, repr=False, json_schema_extra={"effect": RUN})
    describe_prompt: Optional[str] = setting(None, OUTPUT, "Prompt for descriptions: a prompt name or a file.")
    describe_min_side: int = setting(32, OUTPUT, "Pictures with a side under this many pixels are skipped.", ge=1)
    describe_concurrency: int = setting(8, RUN, "Descriptions in flight at once.", ge=1)
    describe_max_tokens: int = setting(2048, OUTPUT, "Largest description, in tokens.", ge=1)
    # the engines' own
    transformers: TransformersOptions = Field(default_factory=TransformersOptions)
    embedded: EmbeddedOptions = Field(default_factory=EmbeddedOptions)

    def result_key(self, prompt: str, engine: str, model: str) -> str:
        """Hash of every option whose effect is `result`; with the input's sha256 it keys resume.

        `prompt`, `engine` and `model` are the resolved ones (the prompt text, not its file; the engine
        `auto` chose; the model the server reported). An engine's own options count when it runs,
        the embedded engine's also when it is a fallback step.
        """
        relevant: dict[str, Any] = {"version": KEY_VERSION, "prompt": prompt, "engine": engine, "model": model}
        for name in type(self).model_fields:
            if effect_of(type(self), name) == RESULT and name not in ("prompt_file", "engine", "model"):
                relevant[name] = getattr(self, name)
        relevant["mode"] = self.mode.value
        relevant["temperature"] = self.sampling_temperature
        if engine not in VLM_ENGINES or self.prompt_file is not None:  # only dots.ocr pages take the hybrid path
            relevant["text_source"] = None
        if engine == "transformers":
            relevant["transformers"] = self.transformers.result_fields()
        if engine == "embedded" or "embedded" in self.fallback:
            relevant["embedded"] = self.embedded.result_fields()
        return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @field_validator("servers", mode="before")
    @classmethod
    def _one_server(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value  # servers="http://gpu:8000/v1", as --server

    @field_validator("fallback", mode="before")
    @classmethod
    def _fallback_steps(cls, value: Any) -> Any:
        if isinstance(value, str):  # "rescale,boxes", as --fallback
            value = tuple(step.strip() for step in value.split(",") if step.strip())
        unknown = sorted(set(value) - set(FALLBACK_STEPS)) if isinstance(value, (tuple, list)) else []
        if unknown:
            raise ValueError(f"unknown step(s) {', '.join(map(str, unknown))}; use rescale,boxes,embedded or none")
        return value

    @field_validator("pages", mode="before")
    @classmethod
    def _page_number(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value  # pages = 3
    @property
    def sampling_temperature(self) -> float:
        """The temperature sent: the one given, else the mode's (dots.mocr samples svg at 0.9)."""
        return self.mode.default_temperature if self.temperature is None else self.temperature

    @classmethod
    def from_toml(cls, path: "str | Path") -> "Options":
        """The settings of a `--config` file, for `Parser(options=Options.from_toml(path))`."""
        data = load_toml(Path(path))
        per_run = sorted(set(data) - set(cls.model_fields))
        if per_run:
            raise UsageError(f"{path}: {', '.join(per_run)} belong to one run, not to Options",
                             hint="pass output= (and force=) to parse / parse_many")
        try:
            return cls(**data)
        except ValidationError as exc:
            raise UsageError(f"{path}: {settings_message(exc, flag=False)}") from None

    @classmethod
    def output_names(cls) -> list[str]:
        """Every option whose effect is `output` (what the Python API takes per call)."""
        return [name for name in cls.model_fields if effect_of(cls, name) == OUTPUT]

    def output_fields(self) -> dict[str, Any]:
        """The options that only change the files written from results: re-applied on every run.

        The describer's settings count only when pictures are described."""
        return {name: getattr(self, name) for name in type(self).model_fields
                if effect_of(type(self), name) == OUTPUT
                and (self.describe_pictures or not name.startswith("describe_"))}


class RunConfig(Options):
    inputs: list[str]
    output: str = "dotsparse-out"
    force: bool = False
    quiet: bool = False
    # many machines (dotsparse.distributed): run on a Ray cluster
    ray: Optional[str] = setting(None, RUN, "Ray cluster: auto, local or an address (ray://HOST:10001).")
    shard_pages: int = setting(64, RUN, "Ray: documents over this many pages are split into shards of it.", ge=1)
    max_in_flight: Optional[int] = setting(None, RUN, "Ray: work items in flight at once (default 2 per CPU).",
                                           ge=1)
    local_servers: bool = setting(False, RUN, "Ray: each node calls the --server URLs on itself, when it has any.")

    @property
    def to_stdout(self) -> bool:
        return self.output == STDOUT


def settings_message(exc: ValidationError, flag: bool = True) -> str:
    """One line per bad setting, named as the user gave it: `--dpi` (CLI, TOML) or `dpi=` (Python)."""
    parts = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if not isinstance(part, int)] or ["settings"]
        if flag and len(loc) > 1 and error["type"] == "extra_forbidden":
            name = f"[{loc[0]}] {'.'.join(loc[1:])}"  # a TOML table's key that no flag has
        elif flag and loc[-1] in ENGINE_TABLES:
            name = f"[{loc[-1]}]"
        elif flag:
            name = "--" + loc[-1].replace("_", "-")
        else:
            name = ".".join(loc) + "="
        message = "unknown setting" if error["type"] == "extra_forbidden" else error["msg"]
        message = message.removeprefix("Value error, ")
        parts.append(f"{name}: {message} (got {error.get('input')!r})")
    return "; ".join(parts)


def check_run(config: RunConfig) -> None:
    """Settings that are valid alone but not together: usage errors before anything starts."""
    writes_files = config.output not in (STDOUT, "")  # "": the Python API's documents held in memory
    if config.html and not writes_files:
        raise UsageError("--html writes files: give an output folder with -o, not -o -")
    if config.describe_pictures and not config.describe_server:
        raise UsageError("--describe-pictures needs --describe-server URL (an OpenAI-compatible vision model)")
    if config.describe_pictures and not writes_files:
        raise UsageError("--describe-pictures needs an output folder (-o DIR): descriptions are a pass over "
                         "each document's saved picture crops")


def load_toml(path: Path) -> dict[str, Any]:
    """Settings from a TOML file: top-level keys as the Options fields, `[transformers]`, `[embedded]` tables."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--config {path}: cannot read it ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc})") from None
    known = set(RunConfig.model_fields) - {"inputs"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"--config {path}: unknown setting(s) {', '.join(unknown)}",
                         hint="names are the long flags with _ for -, e.g. page_timeout; engine settings "
                              "go under [transformers] or [embedded]")
    return data


    def document_key(self) -> str:
        """Hash of the options that change the document files but no page: a change rewrites them."""
        relevant = {"merge_tables": self.merge_tables, "describe": self.describe_pictures and {
            "server": self.describe_server, "model": self.describe_model, "prompt": self.describe_prompt,
            "min_side": self.describe_min_side, "max_tokens": self.describe_max_tokens}}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def api_key_from_env(names: tuple[str, ...] = API_KEY_ENV) -> Optional[str]:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def servers_from(values: list[str]) -> tuple[str, ...]:
    """`--server` values: URLs, or `@file` / a path to a file with one URL per line; env as default."""
    urls: list[str] = []
    if not values and os.environ.get(SERVER_ENV):
        try:
            return servers_from([os.environ[SERVER_ENV]])
        except UsageError as exc:
            raise UsageError(f"${SERVER_ENV}: {exc.message}", hint=exc.hint) from None
    for value in values:
        path = Path(value[1:] if value.startswith("@") else value)
        if not value.startswith(("http://", "https://")) and path.is_file():
            urls.extend(line.strip() for line in path.read_text().splitlines()
                        if line.strip() and not line.lstrip().startswith("#"))
        elif value.startswith("@"):
            raise UsageError(f"--server {value}: no such file (give one URL per line)")
        else:
            urls.append(value)
    return tuple(server_url(u).rstrip("/") for u in urls)


def server_url(value: str) -> str:
    """A server's base URL as given, or a usage error that shows the corrected form."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    rest = url.split("://", 1)[-1].lstrip("/")
    if not rest:
        raise UsageError(f"--server {value!r} has no host", hint="a server's base URL looks like http://HOST:PORT/v1")
    fixed = "http://" + rest
    if urlsplit(fixed).path in ("", "/"):
        fixed = fixed.rstrip("/") + "/v1"
    raise UsageError(f"--server {value!r} is not an http(s) URL; did you mean {fixed}?",
                     hint="a server's base URL looks like http://HOST:PORT/v1")
