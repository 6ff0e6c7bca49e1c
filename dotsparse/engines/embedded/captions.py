"""Captions the layout model labelled as Text ("Table 2." / "Figure 3:" next to a table or picture)
or as a section heading (a caption line is never a heading, whatever sits next to it)."""

from __future__ import annotations

import re

from ...model import Category
from .regions import Region
from .textlayer import group_lines, line_text

CAPTION = re.compile(r"^\s*(fig\.?|figure|table|tab\.|chart|plate|exhibit|listing|scheme)\s*[0-9IVXivx]+[a-z]?\s*[.:|\-–—]", re.I)
_NEAR = 36.0  # points between a caption and its table or picture


def relabel_captions(regions: list[Region]) -> None:
    anchors = [r for r in regions if r.category in (Category.TABLE, Category.PICTURE)]
    for r in regions:
        if r.category not in (Category.TEXT, Category.SECTION_HEADER) or not r.words:
            continue
        if not CAPTION.match(line_text(group_lines(r.words)[0])):
            continue
        if r.category == Category.SECTION_HEADER or any(_gap(r, a) < _NEAR for a in anchors):
            r.category = Category.CAPTION


def _gap(a: Region, b: Region) -> float:
    dy = max(b.bbox[1] - a.bbox[3], a.bbox[1] - b.bbox[3], 0.0)
    dx = max(b.bbox[0] - a.bbox[2], a.bbox[0] - b.bbox[2], 0.0)
    return max(dx, dy)
