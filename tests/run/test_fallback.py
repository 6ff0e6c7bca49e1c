"""The fallback ladder's rules, driven by a scripted engine: what replaces what, and what is counted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from dotsparse.config import RunConfig
from dotsparse.engines.base import EngineAnswer, PageRef, Sampling
from dotsparse.errors import EngineError
from dotsparse.model import Mode, PageGeometry, PageResult, PageStatus
from dotsparse.prompts import load_prompt
from dotsparse.run.fallback import FallbackLadder
from dotsparse.run.page import PageJob

GEOM = PageGeometry(width_pt=612, height_pt=792, dpi=72, width_px=612, height_px=792, sent_width=616,
                    sent_height=784)
TABLE = {"bbox": [10, 10, 600, 700], "category": "Table",
         "text": "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>"}


class Scripted:
    """An engine that answers each request with the next scripted answer (or raises it)."""

    name, model, needs_image = "openai", "scripted", False

    def __init__(self, *answers):
        self.answers = list(answers)
        self.prompts: list[str] = []

    async def infer(self, request):
        self.prompts.append(request.prompt)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def job() -> PageJob:
    return PageJob(ref=PageRef(path=Path("d.pdf"), index=0, kind="pdf"), geometry=GEOM, mode=Mode.LAYOUT,
                   prompt=load_prompt("layout_all"), sampling=Sampling())


def produce(ladder: FallbackLadder) -> PageResult:
    return asyncio.run(ladder.produce(job()))


def ladder_for(engine, steps=("rescale", "boxes", "embedded"), embedded: PageResult | None = None) -> FallbackLadder:
    ladder = FallbackLadder(RunConfig(inputs=["d.pdf"], fallback=steps), engine)
    if embedded is not None:
        async def step(_job):
            return embedded
        ladder._step_embedded = step  # the embedded engine's own result, fixed for the test
    return ladder


def test_a_fallback_with_less_content_does_not_replace_the_truncated_original():
    # Defect 5: the model's complete table (in a truncated answer) was replaced by an empty embedded page.
    truncated = json.dumps([TABLE])[:-1] + ', {"bbox": [10, 700, 600, 780], "category": "Text", "text": "Tot'
    engine = Scripted(EngineAnswer(text=truncated, finish_reason="length", attempts=2),
                      EngineAnswer(text="", finish_reason="stop"),  # rescale: empty
                      EngineAnswer(text="[]", finish_reason="stop"))  # boxes: detection finds nothing
    empty = PageResult(page=1, status=PageStatus.OK, geometry=GEOM, cells=[])
    page = produce(ladder_for(engine, embedded=empty))
    assert page.status is PageStatus.TRUNCATED and page.cells[0].text.startswith("<table>")
    assert page.fallbacks == ["rescale", "boxes", "embedded"]
    kinds = [r.kind for r in page.repairs]
    assert "fallback_rescale_not_better" in kinds and "fallback_embedded_not_better" in kinds
    assert "fallback_boxes_failed" in kinds
    assert page.usage.attempts == 2 + 1 + 1 + 1  # the first answer's retries, rescale, detection, embedded


def test_a_fallback_with_more_content_replaces_the_original_and_keeps_its_raw_answer():
    engine = Scripted(EngineAnswer(text="I cannot read this page, sorry.", finish_reason="stop"),
                      EngineAnswer(text=json.dumps([TABLE]), finish_reason="stop"))
    page = produce(ladder_for(engine))
    assert page.status is PageStatus.FALLBACK and page.fallbacks == ["rescale"] and len(page.cells) == 1
    assert page.raw_answer == "I cannot read this page, sorry." and page.usage.attempts == 2
    assert ("fallback_used", "rescale") in [(r.kind, r.detail) for r in page.repairs]


def test_an_answer_the_parser_rejects_still_climbs_the_ladder():
    # Issue 10: deep nesting and junk used to fail the page without trying the fallback ladder.
    for junk in ('[{"bbox": ' + "[" * 20000, "{" * 5000, '{"category": ' * 3000, "[" * 20000 + "{}"):
        engine = Scripted(EngineAnswer(text=junk, finish_reason="stop"),
                          EngineAnswer(text=json.dumps([TABLE]), finish_reason="stop"))
        page = produce(ladder_for(engine, steps=("rescale",)))
        assert page.status is PageStatus.FALLBACK and page.cells[0].text.startswith("<table>")
        assert page.fallbacks == ["rescale"] and page.usage.attempts == 2


def test_a_step_that_raises_counts_its_attempts():
    failing = EngineError("HTTP 500 after retries")
    failing.attempts = 3
    engine = Scripted(EngineAnswer(text="", finish_reason="stop"), failing)
    page = produce(ladder_for(engine, steps=("rescale",)))
    assert page.status is PageStatus.FAILED and page.usage.attempts == 4


def test_a_page_failing_after_retries_records_every_attempt(tmp_path, server, make_doc):
    # Issue 10: such pages were recorded as 1 attempt.
    from tests.run.conftest import load_doc, parse
    from tests.support.fake_server import Fault

    path, _ = make_doc(doc_id=9, pages=1)
    server.set_fault_for((9, 0), Fault.status(500))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--max-retries", 2).exit_code == 1
    page = load_doc(out, "doc9")["pages"][0]
    assert page["status"] == "failed" and page["usage"]["attempts"] == 3 == len(server.requests)
