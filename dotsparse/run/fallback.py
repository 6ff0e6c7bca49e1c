"""The fallback ladder for answers that are truncated, looping or unparseable.

1. `rescale`: the image ×0.95 and a slightly higher temperature (breaks most loops);
2. `boxes`: layout detection, then one grounding request per detected block;
3. `embedded`: the embedded engine for that page.
Each step taken is recorded on the page. A step's result replaces the page only when it has more
usable content (a complete table the model truncated beats an empty embedded page); otherwise the
page keeps what it had and the attempt is recorded (`fallback_<step>_not_better`). The climb stops
at the first page that needs no retry. Every request is counted in `usage.attempts`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Callable, Optional

from PIL import Image

from ..config import Options
from ..engines.base import Engine
from ..errors import DotsparseError
from ..model import Box, Category, Mode, PageResult, PageStatus, RawBlock, Repair
from ..sent_image import SentImage
from ..sizing import smart_resize
from .boxes import Tally, detect_layout, read_boxes
from .page import PageJob, build_request, failed_result, parse_answer

LAYOUT_MODES = (Mode.LAYOUT, Mode.TABLES, Mode.FORMULAS)
NOT_LAYOUT = "no_json_found"  # the repair kind of a layout answer holding no JSON at all


class FallbackLadder:
    def __init__(self, config: Options, engine: Engine, log: Callable[[str], None] = lambda message: None):
        self.config = config
        self.engine = engine
        self.steps = [s for s in config.fallback if s != "none"]
        self.log = log
        self.not_dots_ocr: Optional[str] = None  # set (and said once) when the model answers prose to layout
        self._embedded: Optional[Engine] = None

    async def produce(self, job: PageJob) -> PageResult:
        started = time.monotonic()
        best = await self._attempt(job)
        self._check_model(job, best)
        for step in self._steps_for(job):
            if not _needs_retry(best):
                break
            try:
                candidate = await getattr(self, f"_step_{step}")(job)
            except Exception as exc:  # a failed fallback step must not lose the first answer
                best.repairs.append(_note(f"fallback_{step}_failed", str(exc)[:200]))
                best.fallbacks = best.fallbacks + [step]  # every step taken is recorded, even one that failed
                best.usage.attempts += getattr(exc, "attempts", 1)
                continue
            best = _better(best, candidate, step)
        best.timings.engine_s = time.monotonic() - started - best.timings.parse_s
        return best

    def _check_model(self, job: PageJob, result: PageResult) -> None:
        """A layout prompt answered with prose means the server is not serving dots.ocr: say so once."""
        if job.mode not in LAYOUT_MODES or not any(r.kind == NOT_LAYOUT for r in result.repairs):
            return
        if len((result.raw_answer or "").split()) < 3:  # a few junk characters: a glitch, not another model
            return
        if self.not_dots_ocr is None:
            said = " ".join((result.raw_answer or "").split())[:160]
            self.not_dots_ocr = (f"the server's model {self.engine.model!r} does not answer like dots.ocr: asked for "
                                 f"the layout JSON of page {job.page_no} of {job.ref.path.name}, it answered "
                                 f"{said!r}. Check --server/--model. Pages are kept from the fallback steps "
                                 f"(status 'fallback', or 'failed') with the model's answers in raw_answer.")
            self.log(f"[yellow]warning: {self.not_dots_ocr}[/yellow]")

    def _steps_for(self, job: PageJob) -> list[str]:
        allowed = {"rescale"}
        if job.mode in LAYOUT_MODES:
            allowed |= {"boxes", "embedded"}
        if self.engine.name == "embedded":
            allowed.discard("embedded")
        return [s for s in self.steps if s in allowed]

    async def _attempt(self, job: PageJob) -> PageResult:
        answer = await self.engine.infer(build_request(job))
        try:
            return await parse_answer(job, answer)
        except Exception as exc:  # an answer the parser rejects fails like junk: the ladder still runs
            cause = exc.__cause__ or exc
            result = failed_result(job, DotsparseError(f"the answer was rejected ({type(cause).__name__}: {cause})"[:300],
                                                       page=job.page_no, stage="parse"))
            result.raw_answer = (answer.text or "")[:20000]
            result.usage.attempts = answer.attempts
            return result

    async def _step_rescale(self, job: PageJob) -> PageResult:
        g = job.geometry
        w, h = smart_resize(int(g.sent_width * 0.95), int(g.sent_height * 0.95),
                            self.config.min_pixels, self.config.max_pixels)
        geometry = g.model_copy(update={"sent_width": w, "sent_height": h})
        image = await asyncio.to_thread(_rescaled, job.image, w, h) if job.image is not None else None
        sampling = replace(job.sampling, temperature=min(1.0, job.sampling.temperature + 0.2))
        return await self._attempt(replace(job, geometry=geometry, image=image, sampling=sampling))

    async def _step_boxes(self, job: PageJob) -> PageResult:
        tally = Tally()
        found = await detect_layout(self.engine, job, tally)
        if found.status is PageStatus.FAILED or not found.cells:
            raise RuntimeError(f"layout detection gave nothing usable ({found.error or 'no blocks'})")
        cells = [c for c in found.cells if c.bbox_px]
        sent = [job.geometry.px_to_sent(_box(c.bbox_px)) for c in cells]
        asked = [i for i, c in enumerate(cells) if c.category.value != "Picture"]
        answers = dict(zip(asked, await read_boxes(self.engine, job, [sent[i] for i in asked], tally)))
        blocks = [RawBlock(bbox=sent[i].as_list(), category=c.category.value,
                           text=answers[i].text or "" if i in answers else None,
                           truncated=answers[i].truncated if i in answers else False)
                  for i, c in enumerate(cells)]
        return await parse_answer(job, tally.answer(blocks=blocks, finish_reason="stop"))

    async def _step_embedded(self, job: PageJob) -> PageResult:
        if self._embedded is None:
            from .engines import build_embedded

            self._embedded = build_embedded(self.config, workers=1)
            await self._embedded.start()
        answer = await self._embedded.infer(build_request(job))
        return await parse_answer(job, answer)

    async def aclose(self) -> None:
        if self._embedded is not None:
            await self._embedded.aclose()


def _needs_retry(result: PageResult) -> bool:
    return result.status in (PageStatus.FAILED, PageStatus.TRUNCATED) or any(
        r.kind in ("repetition_trimmed", "element_loop_trimmed") for r in result.repairs)


def _better(best: PageResult, candidate: PageResult, step: str) -> PageResult:
    """The page to keep after a fallback step: the candidate only when it has more usable content."""
    candidate.fallbacks = best.fallbacks + [step]
    if _score(candidate) > _score(best):
        if not _needs_retry(candidate):
            candidate.status = PageStatus.FALLBACK
        candidate.repairs = best.repairs + candidate.repairs + [_note("fallback_used", step)]
        candidate.usage.attempts += best.usage.attempts
        if candidate.raw_answer is None:
            candidate.raw_answer = best.raw_answer  # the model's unparseable answer stays inspectable
        return candidate
    best.fallbacks = candidate.fallbacks
    best.usage.attempts += candidate.usage.attempts
    best.repairs.append(_note(f"fallback_{step}_not_better",
                              f"{candidate.status.value}, {len(candidate.cells)} cells, {_content(candidate)} chars "
                              f"vs {_content(best)} kept"))
    return best


def _score(result: PageResult) -> tuple[int, int]:
    return (int(result.status.usable), _content(result))


def _content(result: PageResult) -> int:
    """Usable content: the characters of text, and each picture as much as a short line."""
    return sum(len(c.text.strip()) or (40 if c.category is Category.PICTURE and c.bbox_px else 0)
               for c in result.cells)


def _rescaled(image: SentImage, width: int, height: int) -> SentImage:
    return SentImage.encode(image.decode().resize((width, height), Image.Resampling.BICUBIC))


def _box(values: Optional[list[float]]) -> Box:
    assert values is not None  # only cells with a box are asked about
    return Box(x1=values[0], y1=values[1], x2=values[2], y2=values[3])


def _note(kind: str, detail: str) -> Repair:
    return Repair(kind=kind, detail=detail)
