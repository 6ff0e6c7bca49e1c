"""One page's request and the result made from its answer (the engine and parse steps of `page_unit`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from ..engines.base import EngineAnswer, EngineRequest, PageRef, Sampling
from ..errors import DotsparseError
from ..model import Box, EngineUsage, Mode, PageGeometry, PageResult, PageStatus, Repair, Timings
from ..parse.answer import interpret
from ..prompts import grounding_prompt
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
    return EngineRequest(page=job.ref, geometry=job.geometry, image=job.image, prompt=prompt, mode=job.mode,
                         sampling=job.sampling)


def result_from_answer(job: PageJob, answer: EngineAnswer, parse_started: float) -> PageResult:
    found = interpret(answer.text, answer.blocks, answer.finish_reason, job.geometry, job.mode, job.box_px)
    result = PageResult(page=job.page_no, status=found.status, error=found.error, geometry=job.geometry,
                        repairs=found.repairs, cells=found.cells,
                        usage=EngineUsage(prompt_tokens=answer.prompt_tokens,
                                          completion_tokens=answer.completion_tokens, attempts=answer.attempts,
                                          finish_reason=answer.finish_reason, endpoint=answer.endpoint))
    if found.status is PageStatus.FAILED:
        result.raw_answer = (answer.text or "")[:20000]
    result.timings.render_s = job.render_s
    result.timings.engine_s = answer.elapsed_s
    result.timings.parse_s = time.monotonic() - parse_started
    return result


def failed_result(job: PageJob, error: BaseException, status: PageStatus = PageStatus.FAILED) -> PageResult:
    message = str(error) if isinstance(error, DotsparseError) else f"{type(error).__name__}: {error}"
    # An engine error raised after retries says how many requests it made (`attempts`).
    return PageResult(page=job.page_no, status=status, error=message, geometry=job.geometry,
                      timings=Timings(render_s=job.render_s), usage=EngineUsage(attempts=getattr(error, "attempts", 1)))


def note(result: PageResult, kind: str, detail: str = "") -> None:
    result.repairs.append(Repair(kind=kind, detail=detail))
