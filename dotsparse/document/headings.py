"""One heading hierarchy for the whole document: one Title (level 1), sections at levels 2-6.

Evidence, strongest first: the section number as written (1 / 1.2 / 1.2.3, A.1, II.), the text
layer's font size (mapped to the levels the numbered headings use at that size, else size rank),
and the model's own `#` count (mapped the same way, else relative to the shallowest one it used).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from ..model import Category, Cell

MAX_LEVEL = 6
SIZE_STEP = 0.5  # font sizes closer than this (points) are one size

_HASHES = re.compile(r"^\s*(#{1,6})\s*")
_NUMBER = re.compile(
    r"^\s*(?:(?:chapter|section|part|appendix|annex|kapitel|anhang|chapitre|第)\s*)?"
    r"(?P<num>(?:\d{1,2}|[A-Z](?=[.\-]\d|\.\s))(?:[.\-]\d{1,3})*|[IVXLC]{1,6}(?=\.\s))\.?(?:\s|$|[:：、章节])",
    re.IGNORECASE)
_NAMED = re.compile(r"^\s*(?:chapter|part|appendix|annex)\s+\w+", re.IGNORECASE)
_TOP_NAMES = re.compile(r"^\s*(?:abstract|summary|references|bibliography|acknowledg(?:e)?ments?|appendix|appendices|"
                        r"contents|table of contents|index|glossary|preface|foreword|introduction|conclusions?|"
                        r"摘要|参考文献|致谢|目录|附录)\s*:?\s*$", re.IGNORECASE)


@dataclass
class Heading:
    page: int
    order: int
    category: Category
    text: str  # without the model's `#` run
    hashes: Optional[int]  # the model's `#` count, when it wrote one
    font_size: Optional[float]


def heading_of(page: int, cell: Cell) -> Optional[Heading]:
    if cell.category not in (Category.TITLE, Category.SECTION_HEADER) or not cell.text.strip():
        return None
    m = _HASHES.match(cell.text)
    text = cell.text[m.end():] if m else cell.text
    return Heading(page=page, order=cell.order, category=cell.category, text=" ".join(text.split()),
                   hashes=len(m.group(1)) if m else None, font_size=cell.font_size)


def numbering_depth(text: str) -> Optional[int]:
    """1 for "1 Intro" / "Chapter 2" / "II. Methods", 2 for "1.2", 3 for "1.2.3"; None when unnumbered."""
    m = _NUMBER.match(text)
    if m:
        return m.group("num").replace("-", ".").count(".") + 1
    return 1 if _NAMED.match(text) else None


def heading_levels(headings: list[Heading]) -> tuple[dict[tuple[int, int], int], list[str]]:
    """Level by (page, order) for every heading, and notes on what was decided."""
    notes: list[str] = []
    titles = [h for h in headings if h.category is Category.TITLE]
    title = _pick_title(titles)
    if title is not None and len(titles) > 1:
        notes.append(f"{len(titles)} Title blocks: kept page {title.page} #{title.order}, the others are sections")
    levels: dict[tuple[int, int], int] = {}
    if title is not None:
        levels[(title.page, title.order)] = 1
    sections = [h for h in headings if h is not title]
    numbered = {id(h): d for h in sections if (d := numbering_depth(h.text)) is not None}
    by_size = _learn(((h.font_size, numbered[id(h)] + 1) for h in sections if id(h) in numbered),
                     key=_size_key)
    by_hash = _learn(((h.hashes, numbered[id(h)] + 1) for h in sections if id(h) in numbered), key=lambda v: v)
    size_rank = _rank([_size_key(h.font_size) for h in sections if h.font_size], reverse=True)
    hash_floor = min((h.hashes for h in sections if h.hashes and h.category is Category.SECTION_HEADER),
                     default=2)
    for h in sections:
        if id(h) in numbered:
            level = numbered[id(h)] + 1
        elif _TOP_NAMES.match(h.text) and numbered:
            level = 2
        elif h.font_size and by_size:
            level = _nearest(by_size, _size_key(h.font_size))
        elif h.font_size and size_rank:
            level = 2 + size_rank[_size_key(h.font_size)]
        elif h.hashes and h.hashes in by_hash:
            level = by_hash[h.hashes]
        elif h.hashes and h.category is Category.SECTION_HEADER:
            level = 2 + max(0, h.hashes - hash_floor)
        else:
            level = 2
        levels[(h.page, h.order)] = max(2, min(MAX_LEVEL, level))
    return levels, notes


def _pick_title(titles: list[Heading]) -> Optional[Heading]:
    if not titles:
        return None
    first_page = min(t.page for t in titles)
    on_first = [t for t in titles if t.page == first_page]
    return max(on_first, key=lambda t: (t.font_size or 0.0, -t.order))


def _size_key(size: Optional[float]) -> Optional[float]:
    return None if size is None else round(size / SIZE_STEP) * SIZE_STEP


def _learn(pairs, key) -> dict:
    """Most common level for each value of the evidence (size, `#` count) among numbered headings."""
    seen: dict = {}
    for value, level in pairs:
        if value is None:
            continue
        seen.setdefault(key(value), Counter())[level] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items()}


def _nearest(mapping: dict[float, int], size: Optional[float]) -> int:
    """The level numbered headings have at this size, or at the next larger size they use (a heading is
    never deeper than a smaller one); smaller than them all: one level below the deepest."""
    assert size is not None
    if size in mapping:
        return mapping[size]
    if size < min(mapping):
        return max(mapping.values()) + 1
    return mapping[min((k for k in mapping if k > size), default=max(mapping))]


def _rank(values: list, reverse: bool) -> dict:
    return {v: i for i, v in enumerate(sorted(set(values), reverse=reverse))}
