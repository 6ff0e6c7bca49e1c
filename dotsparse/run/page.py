"""One page's request and the result made from its answer (the engine and parse steps of `page_unit`)."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Optional

from ..engines.base import EngineAnswer, EngineRequest, PageRef, Sampling
from ..errors import DotsparseError
from ..model import Box, Cell, EngineUsage, Mode, PageGeometry, PageResult, PageStatus, Repair, Timings
from ..parse.answer import interpret
from ..prompts import grounding_prompt, svg_prompt
from ..sent_image import SentImage


@dataclass
class PageJob:
    """Everything needed to produce one page's result; picklable."""

    ref: PageRef
    geometry: PageGeometry
    mode: Mode
    prompt: str
    sampling: Sampling
    box_px: Optional[Box] = None
    image: Optional[SentImage] = None  # None when the engine reads the page itself
    render_s: float = 0.0

    @property
    def page_no(self) -> int:
        return self.ref.index + 1


@dataclass
class Attempt:
    answer: Optional[EngineAnswer] = None
    error: Optional[str] = None
    status: PageStatus = PageStatus.FAILED
    extra: dict = field(default_factory=dict)


def build_request(job: PageJob) -> EngineRequest:
    prompt = job.prompt
    if job.mode is Mode.BOX and job.box_px is not None:
        prompt = grounding_prompt(job.prompt, job.geometry.px_to_sent(job.box_px))
    elif job.mode is Mode.SVG:  # the original image's size, not the size sent
        prompt = svg_prompt(job.prompt, job.geometry.width_px, job.geometry.height_px)
    return EngineRequest(page=job.ref, geometry=job.geometry, image=job.image, prompt=prompt, mode=job.mode,
                         sampling=job.sampling)


async def parse_answer(job: PageJob, answer: EngineAnswer) -> PageResult:
    """`result_from_answer` off the event loop: a long answer must not stall the requests of other pages."""
    return await asyncio.to_thread(result_from_answer, job, answer, time.monotonic())


def result_from_answer(job: PageJob, answer: EngineAnswer, parse_started: float) -> PageResult:
    replaced = _valid_unicode(answer)
    try:
        found = interpret(answer.text, answer.blocks, answer.finish_reason, job.geometry, job.mode, job.box_px)
    except Exception as exc:  # a parser bug fails this page, named as the parse stage
        raise DotsparseError(f"cannot parse the answer ({type(exc).__name__}: {exc})", page=job.page_no,
                             stage="parse") from exc
    cells, more = _valid_cells(found.cells)
    replaced += more
    repairs = [Repair(kind="invalid_unicode", detail=f"{replaced} lone surrogate(s) replaced by U+FFFD")
               ] if replaced else []
    status = found.status
    if repairs and status is PageStatus.OK:
        status = PageStatus.REPAIRED
    result = PageResult(page=job.page_no, status=status, error=found.error, geometry=job.geometry,
                        repairs=found.repairs + repairs, cells=cells,
                        usage=EngineUsage(prompt_tokens=answer.prompt_tokens,
                                          completion_tokens=answer.completion_tokens, attempts=answer.attempts,
                                          requests=answer.requests, finish_reason=answer.finish_reason,
                                          endpoint=answer.endpoint))
    for kind, detail in answer.notes:
        note(result, kind, detail)
    if answer.notes and result.status is PageStatus.OK:
        result.status = PageStatus.REPAIRED
    if found.status is PageStatus.FAILED:
        result.raw_answer = (answer.text or "")[:20000]
    result.timings.render_s = job.render_s
    result.timings.engine_s = answer.elapsed_s
    result.timings.parse_s = time.monotonic() - parse_started
    return result


def _valid_unicode(answer: EngineAnswer) -> int:
    """Lone UTF-16 surrogates (a math letter cut at the token limit: "\\ud835") cannot be written as UTF-8."""
    count = 0
    if answer.text and _SURROGATE.search(answer.text):
        answer.text, count = _SURROGATE.subn("\ufffd", answer.text)
    for block in answer.blocks or []:
        if block.text and _SURROGATE.search(block.text):
            block.text, n = _SURROGATE.subn("\ufffd", block.text)
            count += n
    return count


def _valid_cells(cells: list[Cell]) -> tuple[list[Cell], int]:
    """The same for escapes inside the answer's JSON (`"\\ud835"` as six characters), decoded by the parser."""
    count, out = 0, []
    for cell in cells:
        if _SURROGATE.search(cell.text):
            text, n = _SURROGATE.subn("\ufffd", cell.text)
            cell, count = cell.model_copy(update={"text": text}), count + n
        out.append(cell)
    return out, count


_SURROGATE = re.compile("[\ud800-\udfff]")


def failed_result(job: PageJob, error: BaseException, status: PageStatus = PageStatus.FAILED) -> PageResult:
    message = str(error) if isinstance(error, DotsparseError) else f"{type(error).__name__}: {error}"
    # An engine error raised after retries says how many requests it made (`attempts`).
    attempts = getattr(error, "attempts", None) or 1
    return PageResult(page=job.page_no, status=status, error=message, geometry=job.geometry,
                      timings=Timings(render_s=job.render_s), usage=EngineUsage(attempts=attempts))


def note(result: PageResult, kind: str, detail: str = "") -> None:
    result.repairs.append(Repair(kind=kind, detail=detail))
