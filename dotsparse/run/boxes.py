"""Layout detection and per-box reading: the requests shared by the `boxes` fallback and the hybrid path."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Optional

from ..engines.base import Engine, EngineAnswer
from ..model import Box, Mode
from ..parse.answer import Interpretation, interpret
from ..prompts import grounding_prompt, load_prompt
from .page import PageJob, build_request

BOX_CONCURRENCY = 8  # box requests of one page in flight at once


@dataclass
class Tally:
    """Tokens and requests of every answer a page was built from."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    requests: int = 0
    endpoint: Optional[str] = None

    def add(self, answer: EngineAnswer) -> EngineAnswer:
        self.prompt_tokens += answer.prompt_tokens
        self.completion_tokens += answer.completion_tokens
        self.attempts += answer.attempts
        self.requests += answer.requests
        self.endpoint = self.endpoint or answer.endpoint
        return answer

    def answer(self, **fields) -> EngineAnswer:
        """An answer carrying these totals (e.g. one assembled from per-box blocks)."""
        return EngineAnswer(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens,
                            attempts=max(1, self.attempts), requests=max(1, self.requests), endpoint=self.endpoint,
                            **fields)


async def detect_layout(engine: Engine, job: PageJob, tally: Tally) -> Interpretation:
    """The layout_only request: boxes, categories and reading order, no text (the cells stay in the
    model's reading order: `order` mode, not `detect`, which sorts them by position)."""
    detect = replace(job, mode=Mode.ORDER, prompt=load_prompt("layout_only"))
    answer = tally.add(await engine.infer(build_request(detect)))
    return await asyncio.to_thread(interpret, answer.text, answer.blocks, answer.finish_reason, job.geometry,
                                   Mode.ORDER)  # off the event loop: other pages' requests go on


async def read_boxes(engine: Engine, job: PageJob, boxes_sent: list[Box], tally: Tally,
                     concurrency: int = BOX_CONCURRENCY) -> list[EngineAnswer]:
    """One grounding_ocr request per box (sent-image coordinates), `concurrency` at a time, answers in order."""
    base = load_prompt("grounding_ocr")
    limit = asyncio.Semaphore(concurrency)
    request = build_request(job)

    async def read(box: Box) -> EngineAnswer:
        async with limit:
            return tally.add(await engine.infer(replace(request, prompt=grounding_prompt(base, box), mode=Mode.BOX)))

    return list(await asyncio.gather(*(read(b) for b in boxes_sent)))
