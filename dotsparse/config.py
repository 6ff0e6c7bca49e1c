"""One RunConfig, built once from flags and the environment, passed explicitly everywhere."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from .errors import UsageError
from .model import Mode
from .sizing import MAX_PIXELS, MIN_PIXELS

API_KEY_ENV = ("DOTSPARSE_API_KEY", "OPENAI_API_KEY")
DESCRIBE_API_KEY_ENV = ("DOTSPARSE_DESCRIBE_API_KEY",) + API_KEY_ENV
SERVER_ENV = "DOTSPARSE_SERVER"
STDOUT = "-"


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    inputs: list[str]
    output: str = "dotsparse-out"
    mode: Mode = Mode.LAYOUT
    box: Optional[tuple[float, float, float, float]] = None
    pages: Optional[str] = None
    dpi: float = 200.0
    min_pixels: int = MIN_PIXELS
    max_pixels: int = MAX_PIXELS
    password: Optional[str] = Field(default=None, repr=False)
    prompt_file: Optional[Path] = None
    engine: str = "auto"
    servers: tuple[str, ...] = ()
    model: Optional[str] = None
    api_key: Optional[str] = Field(default=None, repr=False)
    temperature: float = 0.1
    top_p: float = 1.0
    max_tokens: int = 16384
    concurrency: int = 32
    timeout: float = 600.0
    max_retries: int = 4
    unavailable_timeout: float = 300.0
    page_timeout: Optional[float] = None  # whole-page budget including retries and fallbacks
    doc_timeout: Optional[float] = None  # whole-document budget; pages not done in time fail
    max_failed_ratio: Optional[float] = Field(default=None, ge=0.0, le=1.0)  # stop scheduling above it
    fallback: tuple[str, ...] = ("rescale", "boxes", "embedded")
    text_source: str = "model"  # auto | model | pdf: where a layout page's text comes from (run/hybrid.py)
    overlay: bool = False
    html: bool = False  # also write the HTML viewer: OUT/<doc>/<doc>.html and OUT/index.html
    page_furniture: bool = True
    force: bool = False
    quiet: bool = False
    # document level (dotsparse.document) and picture descriptions (run.describe)
    merge_tables: bool = True
    describe_pictures: bool = False
    describe_server: Optional[str] = None
    describe_model: Optional[str] = None
    describe_api_key: Optional[str] = Field(default=None, repr=False)
    describe_prompt: Optional[str] = None  # a prompt name from prompts/ or a file; default describe_picture
    describe_min_side: int = 32  # pictures smaller than this (pixels, either side) are skipped, and recorded
    describe_concurrency: int = 8
    describe_max_tokens: int = 2048
    # transformers engine
    device: str = "auto"
    dtype: str = "auto"
    batch_size: Optional[int] = None
    trust_remote_code: bool = False
    # embedded engine
    workers: Optional[int] = None
    ocr: str = "auto"

    @property
    def to_stdout(self) -> bool:
        return self.output == STDOUT

    def output_key(self, prompt: str, engine: str, model: str) -> str:
        """Hash of every option that changes a page's result; with the input's sha256 it keys resume."""
        relevant = {"mode": self.mode.value, "box": self.box, "dpi": self.dpi, "min_pixels": self.min_pixels,
                    "max_pixels": self.max_pixels, "prompt": prompt, "engine": engine, "model": model,
                    "temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
                    "ocr": self.ocr if engine == "embedded" else None,
                    "text_source": None if self.text_source == "model" else self.text_source}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


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
