"""The fallback ladder for answers that are truncated, looping or unparseable.

1. `rescale`: the image ×0.95 and a slightly higher temperature (breaks most loops);
2. `boxes`: layout detection, then one grounding request per detected block;
3. `embedded`: the embedded engine for that page.
Each step taken is recorded on the page; the first answer that needs no retry wins, otherwise the
best one seen (most cells) is kept with its honest status.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Optional

from PIL import Image

from ..config import Options
from ..engines.base import Engine, EngineAnswer
from ..model import Box, Mode, PageResult, PageStatus, RawBlock, Repair
from ..parse.answer import interpret
from ..prompts import grounding_prompt, load_prompt
from ..sent_image import SentImage
from ..sizing import smart_resize
from .page import PageJob, build_request, result_from_answer

LAYOUT_MODES = (Mode.LAYOUT, Mode.TABLES, Mode.FORMULAS)
BOX_CONCURRENCY = 8


class FallbackLadder:
    def __init__(self, config: Options, engine: Engine):
        self.config = config
        self.engine = engine
        self.steps = [s for s in config.fallback if s != "none"]
        self._embedded: Optional[Engine] = None

    async def produce(self, job: PageJob) -> PageResult:
        started = time.monotonic()
        best = await self._attempt(job)
        for step in self._steps_for(job):
            if not _needs_retry(best):
                break
            try:
                candidate = await getattr(self, f"_step_{step}")(job)
            except Exception as exc:  # a failed fallback step must not lose the first answer
                best.repairs.append(_note(f"fallback_{step}_failed", str(exc)[:200]))
                best.fallbacks = best.fallbacks + [step]  # every step taken is recorded, even one that failed
                continue
            candidate.fallbacks = best.fallbacks + [step]
            if not _needs_retry(candidate) or _score(candidate) > _score(best):
                if not _needs_retry(candidate):
                    candidate.status = PageStatus.FALLBACK
                candidate.repairs = best.repairs + candidate.repairs
                candidate.usage.attempts += best.usage.attempts
                best = candidate
            else:
                best.fallbacks = candidate.fallbacks
        best.timings.engine_s = time.monotonic() - started - best.timings.parse_s
        return best

    def _steps_for(self, job: PageJob) -> list[str]:
        allowed = {"rescale"}
        if job.mode in LAYOUT_MODES:
            allowed |= {"boxes", "embedded"}
        if self.engine.name == "embedded":
            allowed.discard("embedded")
        return [s for s in self.steps if s in allowed]

    async def _attempt(self, job: PageJob) -> PageResult:
        answer = await self.engine.infer(build_request(job))
        return result_from_answer(job, answer, time.monotonic())

    async def _step_rescale(self, job: PageJob) -> PageResult:
        g = job.geometry
        w, h = smart_resize(int(g.sent_width * 0.95), int(g.sent_height * 0.95),
                            self.config.min_pixels, self.config.max_pixels)
        geometry = g.model_copy(update={"sent_width": w, "sent_height": h})
        image = await asyncio.to_thread(_rescaled, job.image, w, h) if job.image is not None else None
        sampling = replace(job.sampling, temperature=min(1.0, job.sampling.temperature + 0.2))
        return await self._attempt(replace(job, geometry=geometry, image=image, sampling=sampling))

    async def _step_boxes(self, job: PageJob) -> PageResult:
        detect = replace(job, mode=Mode.ORDER, prompt=load_prompt("layout_only"))  # blocks in reading order
        answer = await self.engine.infer(build_request(detect))
        found = interpret(answer.text, answer.blocks, answer.finish_reason, job.geometry, Mode.ORDER)
        if found.status is PageStatus.FAILED or not found.cells:
            raise RuntimeError(f"layout detection gave nothing usable ({found.error or 'no blocks'})")
        base = load_prompt("grounding_ocr")
        limit = asyncio.Semaphore(BOX_CONCURRENCY)

        async def read(cell) -> RawBlock:
            sent = job.geometry.px_to_sent(_box(cell.bbox_px))
            if cell.category.value == "Picture":
                return RawBlock(bbox=sent.as_list(), category=cell.category.value)
            async with limit:
                req = replace(build_request(job), prompt=grounding_prompt(base, sent), mode=Mode.BOX)
                got = await self.engine.infer(req)
            return RawBlock(bbox=sent.as_list(), category=cell.category.value, text=got.text or "",
                            truncated=got.truncated)

        blocks = await asyncio.gather(*(read(c) for c in found.cells if c.bbox_px))
        return result_from_answer(job, EngineAnswer(blocks=list(blocks), finish_reason="stop",
                                                     attempts=1 + len(blocks)), time.monotonic())

    async def _step_embedded(self, job: PageJob) -> PageResult:
        if self._embedded is None:
            from .engines import build_embedded

            self._embedded = build_embedded(self.config, workers=1)
            await self._embedded.start()
        answer = await self._embedded.infer(build_request(job))
        return result_from_answer(job, answer, time.monotonic())

    async def aclose(self) -> None:
        if self._embedded is not None:
            await self._embedded.aclose()


def _needs_retry(result: PageResult) -> bool:
    return result.status in (PageStatus.FAILED, PageStatus.TRUNCATED) or any(
        r.kind in ("repetition_trimmed", "element_loop_trimmed") for r in result.repairs)


def _score(result: PageResult) -> tuple[int, int]:
    return (int(result.status.usable), sum(len(c.text) + 1 for c in result.cells))


def _rescaled(image: SentImage, width: int, height: int) -> SentImage:
    return SentImage.encode(image.decode().resize((width, height), Image.Resampling.BICUBIC))


def _box(values: list[float]) -> Box:
    return Box(x1=values[0], y1=values[1], x2=values[2], y2=values[3])


def _note(kind: str, detail: str) -> Repair:
    return Repair(kind=kind, detail=detail)
