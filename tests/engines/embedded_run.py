"""Drive the embedded engine directly, as the pipeline does, for tests and the benchmark."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

import pymupdf

from dotsparse.engines.base import EngineAnswer, EngineRequest, PageRef
from dotsparse.engines.embedded import EmbeddedEngine
from dotsparse.model import Mode, PageGeometry
from dotsparse.sizing import smart_resize


def request(path: Path, index: int = 0, mode: Mode = Mode.LAYOUT, dpi: float = 200, prompt: str = "",
            password: Optional[str] = None) -> EngineRequest:
    doc = pymupdf.open(path)
    if doc.needs_pass:
        doc.authenticate(password or "")
    kind = "pdf" if doc.is_pdf else "image"
    rect = doc[index].rect
    if kind == "image":
        dpi = 72.0  # pymupdf gives image pages one point per pixel unless the file says otherwise
    width_px, height_px = round(rect.width * dpi / 72), round(rect.height * dpi / 72)
    sent_w, sent_h = smart_resize(width_px, height_px)
    geometry = PageGeometry(width_pt=rect.width, height_pt=rect.height, dpi=dpi, width_px=width_px,
                            height_px=height_px, sent_width=sent_w, sent_height=sent_h)
    return EngineRequest(page=PageRef(Path(path), index, kind, password), geometry=geometry, image=None,
                         prompt=prompt, mode=mode)


def run(engine: EmbeddedEngine, requests: list[EngineRequest]) -> list:
    """Answers (or the exception raised for that page), in request order."""
    async def go() -> list:
        return await asyncio.gather(*(engine.infer(r) for r in requests), return_exceptions=True)

    return asyncio.run(go())


def run_pages(path: Path, pages: int, engine: EmbeddedEngine, mode: Mode = Mode.LAYOUT) -> list[EngineAnswer]:
    return run(engine, [request(path, i, mode) for i in range(pages)])


def markdown(answer: EngineAnswer, furniture: bool = False) -> str:
    skip = () if furniture else ("Page-header", "Page-footer")
    return "\n\n".join(b.text for b in answer.blocks if b.text and b.category not in skip)


def engine_for_module(ocr: str):
    """Body of a module-scoped fixture: one two-worker engine shared by a test module, closed after."""
    eng = EmbeddedEngine(workers=2, ocr=ocr)
    yield eng
    asyncio.run(eng.aclose())
