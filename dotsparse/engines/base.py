"""The engine contract: a page image and a prompt in, an answer out.

Engines never import the parser or the writers. VLM engines answer with text; an engine that
already knows the structure (the embedded one) answers with `blocks` in the dots.ocr shape,
in the coordinates of the sent image, so the same post-processing applies to every engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol, runtime_checkable

from ..model import Mode, PageGeometry, RawBlock
from ..sent_image import SentImage


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.1
    top_p: float = 1.0
    max_tokens: int = 16384


@dataclass(frozen=True)
class PageRef:
    """Where a page comes from, enough for an engine to reopen it (e.g. in another process)."""

    path: Path
    index: int  # 0-based page index within the source
    kind: str  # "pdf" or "image"
    password: Optional[str] = None


@dataclass
class EngineRequest:
    page: PageRef
    geometry: PageGeometry
    image: Optional[SentImage]  # exactly geometry.sent_width x geometry.sent_height; None if needs_image is False
    prompt: str
    mode: Mode
    sampling: Sampling = field(default_factory=Sampling)


@dataclass
class EngineAnswer:
    text: Optional[str] = None
    blocks: Optional[list[RawBlock]] = None
    finish_reason: Optional[str] = None  # "stop", "length", ...
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    requests: int = 1  # model requests behind this answer (several when it is assembled from per-box answers)
    endpoint: Optional[str] = None
    elapsed_s: float = 0.0
    # (kind, detail) an engine that reads the page itself reports about its answer (e.g. OCR in a script
    # its models do not read); recorded as the page's repairs, so the page is not plain `ok`.
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


@runtime_checkable
class Engine(Protocol):
    name: str
    model: str
    needs_image: bool  # False: the engine reads the page itself and the pipeline may skip rendering

    async def start(self) -> None:
        """Connect, load weights or start workers; raise EngineUnavailable with a clear message."""

    async def infer(self, request: EngineRequest) -> EngineAnswer:
        """Answer one request; raise EngineError when no answer could be had."""

    async def aclose(self) -> None:
        """Release connections, processes, GPU memory."""
