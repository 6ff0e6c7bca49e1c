"""Choose and build the engine named by the options (`auto`: server → openai, local model → transformers,
else the embedded engine). Engine modules are imported only when chosen: torch must not load for others."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..config import Options
from ..errors import EngineUnavailable, UsageError
from ..engines.base import Engine

ENGINES = ("auto", "openai", "transformers", "embedded", "replay")
MOCR_MODES = ("web", "scene", "svg")


def resolve_engine_name(config: Options) -> str:
    if config.engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not {config.engine!r}")
    if config.engine != "auto":
        return config.engine
    if config.servers:
        return "openai"
    if config.model and Path(config.model).is_dir():
        return "transformers"
    return "embedded"


def build_engine(config: Options, on_event: Callable[[str], None]) -> Engine:
    name = resolve_engine_name(config)
    if name == "openai":
        if not config.servers:
            raise UsageError("--engine openai needs --server URL (e.g. http://localhost:8000/v1)")
        from ..engines.openai import OpenAIEngine, OpenAIOptions

        return OpenAIEngine(OpenAIOptions(
            servers=config.servers, model=config.model, api_key=config.api_key, timeout=config.timeout,
            max_retries=config.max_retries, concurrency=config.concurrency,
            unavailable_timeout=config.unavailable_timeout), on_event=on_event)
    if name == "transformers":
        if not config.model:
            raise UsageError("--engine transformers needs --model (a local folder or a hub id)")
        from ..engines.transformers_engine import TransformersEngine

        t = config.transformers
        return TransformersEngine(model=config.model, device=t.device, dtype=t.dtype, batch_size=t.batch_size,
                                  trust_remote_code=t.trust_remote_code)
    if name == "replay":
        if config.replay is None:
            raise UsageError("--engine replay needs --replay FOLDER (recorded answers)")
        if not Path(config.replay).is_dir():  # a flag naming nothing, as a missing --prompt-file: exit 2
            raise UsageError(f"--replay {config.replay}: no such folder of recorded answers")
        from ..engines.replay import ReplayEngine

        return ReplayEngine(config.replay, model=config.model or "replay")
    if config.mode.value in MOCR_MODES:
        raise UsageError(f"--mode {config.mode.value} needs dots.mocr: serve it and pass --server URL "
                         "(the embedded engine has no web, scene or svg mode)")
    return build_embedded(config, workers=config.embedded.workers)


def build_embedded(config: Options, workers: int | None) -> Engine:
    try:
        from ..engines.embedded import EmbeddedEngine
    except ImportError as exc:
        raise EngineUnavailable(f"the embedded engine cannot load ({exc})",
                                hint="reinstall dotsparse: pip install -e .") from exc
    return EmbeddedEngine(workers=workers, ocr=config.embedded.ocr)
