"""The hybrid path: the model finds the layout, the PDF's text layer gives the text.

A model writing a page's layout spends most of its GPU time decoding every character of the page;
a born-digital PDF already holds that text exactly. So, page by page (`--text-source`):
1. is the text layer usable (`textfill.judge_page`)? If not (scans, images, invisible or garbage
   text) the page takes the full path: the fallback ladder with the mode's own prompt;
2. layout_only: boxes, categories and reading order, no text;
3. text cells are filled from the text layer inside their boxes; tables (HTML), formulas (LaTeX)
   and text boxes with no usable text-layer text are asked of the model by grounding_ocr, at once;
4. an answer that fails, or is truncated, sends the page down the full path after all.
The page records the path taken (`path`) and every request's tokens (`usage`).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Executor
from typing import Optional, Protocol

from ..config import VLM_ENGINES, Options
from ..engines.base import Engine, EngineAnswer
from ..engines.endpoints import ServerUnavailable
from ..model import Box, Category, Mode, PageResult, PageStatus, RawBlock
from .boxes import Tally, detect_layout, read_boxes
from .page import PageJob, note, parse_answer
from .textfill import judge_page, texts_in_boxes

HYBRID_MODES = (Mode.LAYOUT, Mode.TABLES, Mode.FORMULAS)  # modes whose prompt (layout_all) writes text
_KEPT = {Mode.TABLES: Category.TABLE, Mode.FORMULAS: Category.FORMULA}


class PageProducer(Protocol):
    @property
    def not_dots_ocr(self) -> Optional[str]: ...  # set by the ladder when the server does not answer like dots.ocr

    async def produce(self, job: PageJob) -> PageResult: ...

    async def aclose(self) -> None: ...


class _Wrapper:
    full: PageProducer

    @property
    def not_dots_ocr(self) -> Optional[str]:
        return getattr(self.full, "not_dots_ocr", None)

    async def aclose(self) -> None:
        await self.full.aclose()


class HybridPath(_Wrapper):
    """Wraps the full path (`full`, the fallback ladder) and takes pages off it when their PDF holds the text."""

    def __init__(self, full: PageProducer, engine: Engine, source: str, mupdf: Executor):
        self.full = full
        self.engine = engine
        self.source = source  # auto | pdf
        self.mupdf = mupdf  # PyMuPDF is not thread-safe: the pipeline's one thread for it

    async def produce(self, job: PageJob) -> PageResult:
        if job.mode not in HYBRID_MODES or job.image is None:
            return await self.full.produce(job)
        loop = asyncio.get_running_loop()
        try:
            verdict = await loop.run_in_executor(self.mupdf, judge_page, job.ref, self.source)
        except Exception as exc:  # an unreadable text layer is no reason to lose the page
            return await self._full(job, Tally(), "text_layer_unreadable", f"{type(exc).__name__}: {exc}"[:200])
        if not verdict.use_text_layer:
            kind = "text_layer_not_used" if job.ref.kind == "pdf" else None  # an image has none: nothing to say
            return await self._full(job, Tally(), kind, verdict.reason)
        tally = Tally()
        try:
            result = await self._hybrid(job, tally, blank=verdict.reason == "no text layer")
        except ServerUnavailable:
            raise
        except Exception as exc:  # the full path may still succeed where this one failed
            return await self._full(job, tally, "hybrid_failed", f"{type(exc).__name__}: {exc}"[:200])
        if result.status in (PageStatus.FAILED, PageStatus.TRUNCATED):
            return await self._full(job, tally, "hybrid_unusable", result.error or result.status.value)
        return result

    async def _hybrid(self, job: PageJob, tally: Tally, blank: bool) -> PageResult:
        started = time.monotonic()
        found = await detect_layout(self.engine, job, tally)
        if found.status in (PageStatus.FAILED, PageStatus.TRUNCATED) or found.looped:
            raise RuntimeError(f"layout detection was {found.status.value} ({found.error or 'looping or cut'})")
        if not found.cells and not blank:  # the page has text: an empty layout would lose all of it
            raise RuntimeError("layout detection found no blocks on a page with text")
        keep = _KEPT.get(job.mode)
        cells = [c for c in found.cells if c.bbox_px]
        # The model answers integer pixels of the sent image: rounding undoes the round trip through page pixels.
        sent = [Box(**{k: round(v) for k, v in job.geometry.px_to_sent(_box(c.bbox_px)).model_dump().items()})
                for c in cells]
        texts: list[Optional[str]] = [None] * len(cells)
        if keep is None:
            texts = await asyncio.get_running_loop().run_in_executor(
                self.mupdf, texts_in_boxes, job.ref, job.geometry, [(c.category, b) for c, b in zip(cells, sent)])
        asked = [i for i, c in enumerate(cells) if texts[i] is None and c.category is not Category.PICTURE
                 and (keep is None or c.category is keep)]  # tables/formulas modes keep only those cells
        answers = dict(zip(asked, await read_boxes(self.engine, job, [sent[i] for i in asked], tally)))
        blocks = [_block(c.category, sent[i], texts[i], answers.get(i)) for i, c in enumerate(cells)]
        result = await parse_answer(job, tally.answer(blocks=blocks, finish_reason="stop"))
        result.repairs = found.repairs + result.repairs
        if found.repairs and result.status is PageStatus.OK:
            result.status = PageStatus.REPAIRED
        result.timings.engine_s = time.monotonic() - started - result.timings.parse_s
        result.path = "hybrid"
        return result

    async def _full(self, job: PageJob, tally: Tally, kind: Optional[str], detail: str) -> PageResult:
        result = await self.full.produce(job)
        result.path = "model"
        if kind:
            note(result, kind, detail)
        usage = result.usage
        usage.prompt_tokens += tally.prompt_tokens
        usage.completion_tokens += tally.completion_tokens
        usage.attempts += tally.attempts
        usage.requests += tally.requests
        return result


class ModelPath(_Wrapper):
    """`--text-source model`: every layout page takes the full path; the page says so."""

    def __init__(self, full: PageProducer):
        self.full = full

    async def produce(self, job: PageJob) -> PageResult:
        result = await self.full.produce(job)
        if job.mode in HYBRID_MODES:
            result.path = "model"
        return result


def page_path(full: PageProducer, config: Options, engine: Engine, mupdf: Executor) -> PageProducer:
    """The pipeline's producer of pages: the hybrid path where the run allows it, else the full path."""
    if engine.name not in VLM_ENGINES or not engine.needs_image:
        return full  # the embedded engine reads the text layer itself; others answer as they are told
    if config.text_source == "model" or config.prompt_file is not None:  # a prompt of one's own is sent as is
        return ModelPath(full)
    return HybridPath(full, engine, config.text_source, mupdf)


def _block(category: Category, box: Box, text: Optional[str], answer: Optional[EngineAnswer]) -> RawBlock:
    if answer is not None:
        return RawBlock(bbox=box.as_list(), category=category.value, text=answer.text or "",
                        truncated=answer.truncated)
    return RawBlock(bbox=box.as_list(), category=category.value, text=text)


def _box(values: Optional[list[float]]) -> Box:
    assert values is not None  # only cells with a box are asked about
    return Box(x1=values[0], y1=values[1], x2=values[2], y2=values[3])
