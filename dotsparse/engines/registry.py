"""Choose and build the engine named by the config (`auto`: server → openai, local model → transformers,
else the embedded engine). Engine modules are imported only when chosen: torch must not load for others."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..config import RunConfig
from ..errors import EngineUnavailable, UsageError
from .base import Engine

ENGINES = ("auto", "openai", "transformers", "embedded")
MOCR_MODES = ("web", "scene", "svg")


def resolve_engine_name(config: RunConfig) -> str:
    if config.engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not {config.engine!r}")
    if config.engine != "auto":
        return config.engine
    if config.servers:
        return "openai"
    if config.model and Path(config.model).is_dir():
        return "transformers"
    return "embedded"


def build_engine(config: RunConfig, on_event: Callable[[str], None]) -> Engine:
    name = resolve_engine_name(config)
    if name == "openai":
        if not config.servers:
            raise UsageError("--engine openai needs --server URL (e.g. http://localhost:8000/v1)")
        from .openai import OpenAIEngine, OpenAIOptions

        return OpenAIEngine(OpenAIOptions(
            servers=config.servers, model=config.model, api_key=config.api_key, timeout=config.timeout,
            max_retries=config.max_retries, concurrency=config.concurrency,
            unavailable_timeout=config.unavailable_timeout), on_event=on_event)
    if name == "transformers":
        if not config.model:
            raise UsageError("--engine transformers needs --model (a local folder or a hub id)")
        from .transformers_engine import TransformersEngine

        return TransformersEngine(model=config.model, device=config.device, dtype=config.dtype,
                                  batch_size=config.batch_size, trust_remote_code=config.trust_remote_code)
    if config.mode.value in MOCR_MODES:
        raise UsageError(f"--mode {config.mode.value} needs dots.mocr: serve it and pass --server URL "
                         "(the embedded engine has no web, scene or svg mode)")
    try:
        from .embedded import EmbeddedEngine
    except ImportError as exc:
        raise EngineUnavailable(f"the embedded engine cannot load ({exc})",
                                hint="reinstall dotsparse: pip install -e .") from exc
    return EmbeddedEngine(workers=config.workers, ocr=config.ocr)
