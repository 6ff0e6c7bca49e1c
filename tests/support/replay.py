"""Recorded answers for generated PDFs: what dots.ocr would answer for each page at the size it is sent."""

from __future__ import annotations

import json
from pathlib import Path

from dotsparse.discover import Source
from dotsparse.engines.replay import ReplayAnswer
from dotsparse.raster import OpenSource, RenderOptions
from tests.support.docgen import DocSpec
from tests.support.fake_server import dump_elements, layout_elements


def record(pdf: Path, spec: DocSpec, dpi: float = 50) -> dict[tuple[str, int], ReplayAnswer]:
    """The layout answer of every page of `pdf` (made from `spec`), keyed as the replay engine looks it up."""
    answers = {}
    with OpenSource(Source(path=pdf, kind="pdf", label=pdf.name)) as opened:
        for index, page in enumerate(spec.pages):
            g = opened.geometry(index, RenderOptions(dpi=dpi))
            text = dump_elements(layout_elements(page, (g.sent_width, g.sent_height)))
            answers[(pdf.name, index + 1)] = ReplayAnswer(text=text, sent_width=g.sent_width,
                                                          sent_height=g.sent_height)
    return answers


def write_answers(folder: Path, answers: dict[tuple[str, int], ReplayAnswer]) -> Path:
    """The same answers as a replay folder: <file name>/p0001.json."""
    for (name, page), answer in answers.items():
        path = folder / name / f"p{page:04d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"text": answer.text, "finish_reason": answer.finish_reason,
                                    "sent_width": answer.sent_width, "sent_height": answer.sent_height}))
    return folder
