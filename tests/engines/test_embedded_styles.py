"""Code listings keep their lines; a short line of relations is a formula, whatever the layout model said."""

from __future__ import annotations

import random

import pymupdf
import pytest

from dotsparse.engines.embedded.assemble import region_text
from dotsparse.engines.embedded.regions import Region, Word
from dotsparse.engines.embedded.styles import mark_code_and_formulas
from dotsparse.engines.embedded.textlayer import SpanSurvey
from dotsparse.model import Category

from . import embedded_docs as docs
from .embedded_run import engine_for_module, markdown, run_pages

LISTING = ["def mean(values):", "    total = 0", "    for v in values:", "        total += v",
           "", "    return total / len(values)  # if values < 1: fails"]


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


def _line(words: list[str], x: float, y: float, line: int, pitch: float = 6.0) -> list[Word]:
    out = []
    for text in words:
        out.append(Word((x, y, x + pitch * len(text), y + 10), text, (0, line)))
        x += pitch * (len(text) + 1)
    return out


def test_fixed_pitch_lines_become_a_fenced_listing_with_indentation_and_blank_lines(tmp_path, engine):
    path = tmp_path / "code.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    y = docs.write_paragraph(page, 72, 72, 450, docs.sentence(random.Random(5), 40))
    for i, line in enumerate(LISTING):
        page.insert_text((72, y + 24 + i * 12), line, fontname="cour", fontsize=10)
    docs.write_paragraph(page, 72, y + 24 + len(LISTING) * 12 + 20, 450, docs.sentence(random.Random(6), 40))
    doc.save(path)
    md = markdown(run_pages(path, 1, engine)[0])
    assert "```\n" + "\n".join(LISTING) + "\n```" in md


def test_prose_in_a_proportional_font_is_not_code():
    words = _line(["An", "ordinary", "line"], 72, 100, 0) + _line(["and", "another", "one"], 72, 112, 1)
    region = Region((72, 100, 200, 122), Category.TEXT, words)
    mark_code_and_formulas([region], SpanSurvey(mono=[((72, 100, 110, 110), 2)]))
    assert not region.code and region_text(region) == "An ordinary line and another one"


@pytest.mark.parametrize("category", [Category.SECTION_HEADER, Category.TEXT, Category.TITLE])
def test_a_line_of_relations_is_a_formula(category):
    region = Region((250, 300, 330, 312), category, _line(["a2", "+", "8", "=", "12"], 250, 300, 0))
    mark_code_and_formulas([region], SpanSurvey())
    assert region.category is Category.FORMULA and region_text(region) == "a2 + 8 = 12"


def test_a_relation_among_words_is_a_formula_only_when_set_in_math_fonts():
    prose = Region((72, 100, 300, 110), Category.TEXT, _line(["Let", "x", "=", "5", "be", "given."], 72, 100, 0))
    heading = Region((72, 120, 300, 130), Category.SECTION_HEADER,
                     _line(["2.1", "Results", "≥", "expectations"], 72, 120, 0))
    physics = Region((72, 140, 300, 150), Category.TEXT, _line(["Energy", "E", "=", "mc2"], 72, 140, 0))
    survey = SpanSurvey(math=[((96, 100, 102, 110), 1), ((120, 140, 126, 150), 1), ((138, 140, 150, 150), 2),
                              ((150, 140, 156, 150), 1), ((72, 140, 108, 150), 6)])
    mark_code_and_formulas([prose, heading, physics], survey)
    assert [r.category for r in (prose, heading, physics)] == [Category.TEXT, Category.SECTION_HEADER,
                                                                 Category.FORMULA]


def test_cjk_text_in_a_fixed_pitch_font_is_prose_not_code(tmp_path, engine):
    # A Traditional-Chinese calendar set in a fixed-pitch CJK font (MingLiU-style): the text layer
    # says fixed pitch, as it does for code, but this is running text.
    path = tmp_path / "cjk.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    lines = ["二零二四年一月一日星期一元旦假期全天休息", "二零二四年二月十日星期六農曆新年初一", "二零二四年四月四日星期四兒童節及清明節"]
    for i, line in enumerate(lines):
        page.insert_text((72, 100 + 20 * i), line, fontsize=12, fontname="china-t")
    doc.save(path)
    words = [w for i, line in enumerate(lines) for w in _line([line], 72, 100 + 20 * i, i, pitch=12)]
    region = Region(bbox=(72, 100, 72 + 12 * 20, 150), category=Category.TEXT, words=words)
    survey = SpanSurvey(mono=[((72, 100 + 20 * i, 72 + 12 * len(line), 110 + 20 * i), len(line))
                              for i, line in enumerate(lines)])
    mark_code_and_formulas([region], survey)
    assert not region.code
    md = markdown(run_pages(path, 1, engine)[0])
    assert "```" not in md and "元旦" in md
