"""Framed boxes (cards, panels, call-outs): a block of text never runs from one frame into another.

The layout model groups text by proximity, so the headings of a row of cards become one block,
their formulas the next ("heading 1, heading 2, formula 1, formula 2"). A drawn rectangle holding
text is a frame; a region whose words lie in several frames (or partly outside) is split per frame,
and reading order then reads each card as a unit.
"""

from __future__ import annotations

from typing import Callable

import pymupdf

from ...model import Category
from .regions import Rect, Region, Word, area, has_centre

_MIN_SHARE = 0.01  # of the page: smaller boxes are checkboxes, highlights, table cells
_MAX_SHARE = 0.5  # larger ones are page frames and backgrounds
_MIN_WORDS = 2


def text_frames(page: pymupdf.Page, drawings: list[dict], words: list[Word]) -> list[Rect]:
    page_area = area(tuple(page.rect)) or 1.0
    frames: list[Rect] = []
    for d in drawings:
        items = d.get("items", ())
        if len(items) != 1 or items[0][0] not in ("re", "qu"):
            continue
        rect = tuple(d["rect"])
        if not _MIN_SHARE * page_area <= area(rect) <= _MAX_SHARE * page_area:
            continue
        if sum(1 for w in words if has_centre(rect, w)) >= _MIN_WORDS and rect not in frames:
            frames.append(rect)
    # Nested frames: the innermost holds the text.
    return [f for f in frames if not any(g != f and _inside(g, f) for g in frames)]


def split_by_frames(regions: list[Region], frames: list[Rect], split: Callable[[list[Word], Category], list[Region]]) -> list[Region]:
    """Regions whose words lie in more than one frame (counting 'outside' as one) become one per frame;
    `split(words, category)` makes the regions of one frame's words."""
    if len(frames) < 2:
        return regions
    out: list[Region] = []
    for r in regions:
        if r.category in (Category.TABLE, Category.PICTURE) or not r.words:
            out.append(r)
            continue
        groups: dict[int, list[Word]] = {}
        for w in r.words:
            home = next((i for i, f in enumerate(frames) if has_centre(f, w)), -1)
            groups.setdefault(home, []).append(w)
        for home, ws in groups.items():
            # Inside a frame the model's block may also run heading, formula and text together.
            parts = split(ws, r.category) if len(groups) > 1 or home >= 0 else [r]
            if len(parts) == 1 and len(groups) == 1:
                parts = [r]
            for part in parts:
                part.frame = frames[home] if home >= 0 else None
            out.extend(parts)
    return out


def _inside(inner: Rect, outer: Rect) -> bool:
    return inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]
