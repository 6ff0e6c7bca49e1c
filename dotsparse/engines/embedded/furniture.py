"""Page headers and footers: the layout model's labels, confirmed or added by position and repetition.

A line in the top or bottom band of the page is furniture when a similar line (digits ignored,
so running page numbers match) sits at a similar height on a neighbouring page, or when it is
a bare page number. Footnotes are body text and are never turned into furniture; a page-bottom
note the layout model called a footer (numbered, or prose, and not repeated) becomes a footnote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from ...model import Category
from .regions import Rect, Region
from .textlayer import group_lines, line_text

_BAND = 0.12  # share of the page height at the top and at the bottom
_MODEL_BAND = 0.2  # the model's own header/footer labels are trusted this far from the edges
_NOTE_MARK = re.compile(r"^\s*(\d{1,3}|[*†‡§¶]+)\s?[A-Za-z(]")  # "1 See ...", "*Equal contribution"
_PROSE_WORDS = 12
_SENTENCE_END = re.compile(r"[a-z][.!?](\s|$)")
_HEADING_SIZE = 1.25  # of the body's text height: a heading, not a running title
_SMALL = 0.92  # of the body's text height: set smaller than the body, as running lines are
_FURNITURE_WORDS = 14
_CAPTION_NEAR = 36.0
# What running lines of a lone page say: its number, a revision or version, a copyright, a form number.
_RUNNING = re.compile(r"\bpage\s+\d+(\s*(of|/)\s*\d+)?\b|\brev(ision)?\b\.?\s*[:#]?\s*\d|\brev\.\s*[A-Z]\b|\bversion\s+\d|\bv\d+\.\d+|©|\(c\)\s*\d{4}"
                      r"|\bcopyright\b|\bconfidential\b|\bform\s+[A-Z0-9-]+\d", re.I)
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?[-–—]?\s*([0-9]{1,4}|[ivxlcdm]{1,6})\s*[-–—]?\s*((of|/)\s*[0-9]{1,4})?\s*$", re.I)


@dataclass(frozen=True)
class BandLine:
    text: str  # normalised: lower case, digits as '#'
    y: float  # vertical centre as a share of the page height


def normalise(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def band_lines(lines_words: list, page_rect: Rect) -> list[BandLine]:
    """Lines of one page that lie in its top or bottom band, for comparison with neighbours."""
    h = page_rect[3] - page_rect[1] or 1.0
    out = []
    top, bottom = page_rect[1] + _BAND * h, page_rect[3] - _BAND * h
    lines_words = [w for w in lines_words if w.cy < top or w.cy > bottom]
    for line in group_lines(lines_words):
        y = ((line[0].bbox[1] + line[0].bbox[3]) / 2 - page_rect[1]) / h
        if y < _BAND or y > 1 - _BAND:
            out.append(BandLine(normalise(line_text(line)), y))
    return out


def mark_furniture(regions: list[Region], page_rect: Rect, neighbours: list[list[BandLine]]) -> None:
    h = page_rect[3] - page_rect[1] or 1.0
    furniture = (Category.PAGE_HEADER, Category.PAGE_FOOTER)
    if not neighbours and sum(1 for r in regions if r.words) <= 1:
        # A page with a single block of text: that block is the content, whatever its position.
        for r in regions:
            if r.category in furniture:
                r.category = Category.TEXT
        return
    body = body_size(regions)
    anchors = [r for r in regions if r.category in (Category.PICTURE, Category.TABLE)]
    for r in regions:
        if r.category in (Category.FOOTNOTE, Category.PICTURE, Category.TABLE) or not r.words:
            continue
        top = (r.bbox[1] - page_rect[1]) / h
        bottom = (r.bbox[3] - page_rect[1]) / h
        in_band = bottom < _BAND or top > 1 - _BAND
        text = " ".join(line_text(ln) for ln in group_lines(r.words))
        if r.category in furniture:
            r.category = _check_model_label(r, top, bottom, page_rect, neighbours)
            if r.category in furniture and not neighbours and _heading_like(r, body):
                r.category = Category.SECTION_HEADER  # a page's own heading at its top, not a running title
        elif in_band and (_PAGE_NUMBER.match(text) or _repeats(r, page_rect, neighbours)):
            r.category = Category.PAGE_HEADER if bottom < _BAND else Category.PAGE_FOOTER
        elif in_band and not neighbours and _lone_page_furniture(r, text, body, anchors):
            r.category = Category.PAGE_HEADER if bottom < _BAND else Category.PAGE_FOOTER


def body_size(regions: list[Region]) -> float:
    """Median word height of the page's body text."""
    sizes = sorted(w.bbox[3] - w.bbox[1] for r in regions if r.category in (Category.TEXT, Category.LIST_ITEM)
                   for w in r.words)
    return sizes[len(sizes) // 2] if sizes else 0.0


def _height(r: Region) -> float:
    sizes = sorted(w.bbox[3] - w.bbox[1] for w in r.words)
    return sizes[len(sizes) // 2]


def _heading_like(r: Region, body: float) -> bool:
    return bool(body) and _height(r) >= _HEADING_SIZE * body and len(group_lines(r.words)) <= 2


def _lone_page_furniture(r: Region, text: str, body: float, anchors: list[Region]) -> bool:
    """Without other pages to compare with: a short band line set no larger than the body that names
    a page, a revision, a date or a copyright, or a small running line; a caption far from any
    picture or table in the band is a footer."""
    if len(text.split()) > _FURNITURE_WORDS or len(group_lines(r.words)) > 2:
        return False
    if _RUNNING.search(text):
        return True
    small = bool(body) and _height(r) <= _SMALL * body
    if _looks_like_note(text):
        return False
    if r.category == Category.CAPTION:
        return not any(_gap(r, a) < _CAPTION_NEAR for a in anchors)
    return small and r.category == Category.TEXT


def _gap(a: Region, b: Region) -> float:
    dy = max(b.bbox[1] - a.bbox[3], a.bbox[1] - b.bbox[3], 0.0)
    dx = max(b.bbox[0] - a.bbox[2], a.bbox[0] - b.bbox[2], 0.0)
    return max(dx, dy)


def _check_model_label(r: Region, top: float, bottom: float, page_rect: Rect,
                       neighbours: list[list[BandLine]]) -> Category:
    """The layout model's header/footer label, unless position, repetition or content says otherwise."""
    text = " ".join(line_text(ln) for ln in group_lines(r.words))
    if _PAGE_NUMBER.match(text) or _repeats(r, page_rect, neighbours):
        return r.category
    if top > _MODEL_BAND and bottom < 1 - _MODEL_BAND:
        return Category.TEXT  # the model's guess, far from the margins and not repeated
    if r.category == Category.PAGE_FOOTER and _looks_like_note(text):
        return Category.FOOTNOTE  # the model often calls a page-bottom footnote a footer
    return r.category


def _looks_like_note(text: str) -> bool:
    """A numbered or starred note, or prose: running footers are short labels, not sentences."""
    if _NOTE_MARK.match(text):
        return True
    return len(text.split()) >= _PROSE_WORDS and bool(_SENTENCE_END.search(text))


def _repeats(r: Region, page_rect: Rect, neighbours: list[list[BandLine]]) -> bool:
    h = page_rect[3] - page_rect[1] or 1.0
    mine = band_lines(r.words, page_rect) or [BandLine(normalise(" ".join(w.text for w in r.words)),
                                                        ((r.bbox[1] + r.bbox[3]) / 2 - page_rect[1]) / h)]
    for line in mine:
        if len(line.text) < 2 and not _PAGE_NUMBER.match(line.text.replace("#", "1")):
            continue
        for other in neighbours:
            if any(abs(o.y - line.y) < 0.03 and _similar(o.text, line.text) for o in other):
                return True
    return False


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() > 0.85
