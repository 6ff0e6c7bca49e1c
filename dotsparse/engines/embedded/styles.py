"""Text regions the layout model names wrongly: code listings (fixed-pitch lines) and display formulas."""

from __future__ import annotations

import re

from ...model import Category
from .regions import Rect, Region
from .textlayer import SpanSurvey, group_lines

_CODE_SHARE = 0.9  # of a region's characters in fixed-pitch fonts
_MATH_SHARE = 0.3  # of a region's characters in math fonts
_RELATION = re.compile(r"[=<>≤≥≈≠≡∝∼→⇒⇔∈∉⊂⊆±×÷∑∏∫√∂∇]")
_WORD = re.compile(r"[^\W\d_]{3,}")
_CJK = re.compile(r"[\u1100-\u11ff\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_MATH_WORDS = frozenset("sin cos tan cot sec csc log exp max min lim sup inf det arg mod gcd lcm".split())


def mark_code_and_formulas(regions: list[Region], survey: SpanSurvey) -> None:
    """Text set in fixed-pitch fonts over several lines is code; a short line of relations is a formula."""
    for r in regions:
        chars = sum(len(w.text) for w in r.words)
        if not chars:
            continue
        if r.category is Category.TEXT and len(group_lines(r.words)) >= 2 and not _mostly_cjk(r) \
                and _chars_in(survey.mono, r.bbox) >= _CODE_SHARE * chars:
            r.code = True
        elif r.category in (Category.TEXT, Category.SECTION_HEADER, Category.TITLE) and _is_formula(r, survey, chars):
            r.category = Category.FORMULA


def _mostly_cjk(r: Region) -> bool:
    """Chinese, Japanese and Korean fonts are fixed-pitch by nature: that says nothing about code."""
    text = "".join(w.text for w in r.words)
    return len(_CJK.findall(text)) > 0.3 * len(text)


def _is_formula(r: Region, survey: SpanSurvey, chars: int) -> bool:
    text = " ".join(w.text for w in r.words)
    if not _RELATION.search(text) or len(group_lines(r.words)) > 2:
        return False
    prose = [w for w in _WORD.findall(text) if w.lower() not in _MATH_WORDS]
    return not prose or _chars_in(survey.math, r.bbox) >= _MATH_SHARE * chars


def _chars_in(spans: list[tuple[Rect, int]], box: Rect) -> int:
    return sum(n for b, n in spans
               if box[0] - 1 <= (b[0] + b[2]) / 2 <= box[2] + 1 and box[1] - 1 <= (b[1] + b[3]) / 2 <= box[3] + 1)
