"""The replay engine: recorded answers in, pages out, through the same parse as every engine."""

from __future__ import annotations

import asyncio

import pytest

from dotsparse.engines.base import EngineRequest, PageRef
from dotsparse.engines.replay import ReplayAnswer, ReplayEngine
from dotsparse.errors import EngineError, EngineUnavailable
from dotsparse.model import Mode, PageGeometry

GEOMETRY = PageGeometry(width_pt=100, height_pt=100, dpi=72, width_px=100, height_px=100, sent_width=112,
                        sent_height=112)


def _request(name: str = "a.pdf", index: int = 0) -> EngineRequest:
    return EngineRequest(page=PageRef(path=__import__("pathlib").Path("/x") / name, index=index, kind="pdf"),
                         geometry=GEOMETRY, image=None, prompt="p", mode=Mode.LAYOUT)


def test_answers_come_from_a_mapping_or_a_folder(tmp_path):
    engine = ReplayEngine({("a.pdf", 1): "[]", ("a.pdf", 2): ReplayAnswer(text="x", finish_reason="length")})
    assert asyncio.run(engine.infer(_request())).text == "[]"
    assert asyncio.run(engine.infer(_request(index=1))).truncated
    (tmp_path / "a.pdf").mkdir()
    (tmp_path / "a.pdf" / "p0001.txt").write_text("plain")
    (tmp_path / "a.pdf" / "p0002.json").write_text('{"text": "[1]", "finish_reason": "stop", "sent_width": 112, '
                                                   '"sent_height": 112}')
    folder = ReplayEngine(tmp_path)
    asyncio.run(folder.start())
    assert asyncio.run(folder.infer(_request())).text == "plain"
    assert asyncio.run(folder.infer(_request(index=1))).text == "[1]"


def test_a_missing_answer_or_another_image_size_is_an_error_not_a_guess(tmp_path):
    engine = ReplayEngine({("a.pdf", 1): ReplayAnswer(text="[]", sent_width=56, sent_height=56)})
    with pytest.raises(EngineError, match="56x56"):
        asyncio.run(engine.infer(_request()))
    with pytest.raises(EngineError, match="no recorded answer"):
        asyncio.run(engine.infer(_request(index=4)))
    with pytest.raises(EngineUnavailable):
        asyncio.run(ReplayEngine(tmp_path / "nowhere").start())
