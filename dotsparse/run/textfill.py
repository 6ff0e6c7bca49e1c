"""The PDF's own text inside the model's boxes, for the hybrid path.

Whether a page's text layer can stand in for the model's reading (`judge_page`), and the text of
each box the model found (`texts_in_boxes`), read with the embedded engine's text rules: ligatures
expanded, hyphenation undone, right-to-left lines ordered, fixed-pitch listings kept as code.
Every function here touches PyMuPDF: call them on the pipeline's one PyMuPDF thread.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

import pymupdf

from ..engines.base import PageRef
from ..engines.embedded.assemble import region_text
from ..engines.embedded.documents import load_page, open_document
from ..engines.embedded.quality import judge
from ..engines.embedded.regions import Rect, Region, Word, area, has_centre
from ..engines.embedded.styles import mark_code_and_formulas
from ..engines.embedded.textlayer import SpanSurvey, group_lines, line_text, page_words, survey_spans
from ..model import Box, Category, PageGeometry

MODEL_CATEGORIES = frozenset({Category.TABLE, Category.FORMULA})  # HTML and LaTeX: only the model writes them
_COVERED_SHARE = 0.5  # of a page's text drawn under a later image: a scan over its OCR text, not born-digital
_UNMAPPED = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,4})\.?\s+\S")
_BULLET = re.compile(r"^\s*[-•◦▪▫●○■□‣⁃∙·–—*»✓✔➢➤►]\s")
_CACHE = 64
_WHITE = 240  # of 255 in each sRGB channel: text this light is not seen on paper
_TRANSPARENT = 26  # alpha of 255: under 10 % opacity
_PAINTED = 16 | 32  # char flags FZ_STEXT_FILLED | FZ_STEXT_STROKED: text drawn in a visible render mode


@dataclass(frozen=True)
class Verdict:
    use_text_layer: bool
    reason: str


@dataclass
class _PageLayer:
    rect: Rect
    words: list[Word]
    survey: SpanSurvey
    unseen: list[Rect]  # text runs a reader of the page would not see: covered by a later fill, white, transparent


_layers: "OrderedDict[tuple[str, int], _PageLayer]" = OrderedDict()  # judged pages awaiting their boxes


def judge_page(ref: PageRef, source: str) -> Verdict:
    """May this page's text layer give its text? `source`: auto (judge it) or pdf (any text layer will do)."""
    if ref.kind != "pdf":
        return Verdict(False, "an image has no text layer")
    page = load_page(open_document(ref.path, ref.password), ref.index)
    layer = _read_layer(page, source)
    if source == "pdf":
        if not layer.words:
            return Verdict(False, "no text layer")
        _remember(ref, layer)
        return Verdict(True, "text layer (--text-source pdf)")
    verdict = judge(page, layer.words, layer.survey.hidden_chars, layer.survey.total_chars)
    if verdict.needs_ocr:
        return Verdict(False, verdict.reason)
    covered, runs = _covered_runs(page)
    if runs and len(covered) / runs > _COVERED_SHARE:
        return Verdict(False, "text layer lies under an image (a scan over its OCR text)")
    layer.unseen = covered + layer.unseen
    _remember(ref, layer)
    return Verdict(True, verdict.reason)


def _read_layer(page: pymupdf.Page, source: str) -> _PageLayer:
    """Words, span survey and faint runs from ONE text page: each extraction of a text page runs the
    page's content stream again, and this runs on the pipeline's one PyMuPDF thread, beside rendering."""
    textpage = page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS)  # == TEXTFLAGS_TEXT, what survey_spans reads
    survey = survey_spans(page, textpage)
    if source == "pdf":  # invisible OCR layers included: the user vouches for them
        return _PageLayer(tuple(page.rect), page_words(page, [], textpage), survey, [])
    return _PageLayer(tuple(page.rect), page_words(page, survey.hidden, textpage), survey,
                      _faint_runs(page, textpage))


def texts_in_boxes(ref: PageRef, geometry: PageGeometry, cells: list[tuple[Category, Box]]) -> list[Optional[str]]:
    """The text-layer text of each (category, box in sent pixels); None where the model must read it.

    Each word goes to the smallest box holding its centre, pictures, tables and formulas included,
    so a figure's labels never leak into the paragraph around it. None for tables, formulas, pictures,
    boxes whose text layer is empty or unreadable, and boxes holding text nobody sees (white, or
    drawn over): there the page shows something else than its text layer says, and the model reads
    what is shown.
    """
    layer = _layers.pop((str(ref.path), ref.index), None)
    if layer is None:  # not judged in this process (e.g. evicted): read it again
        page = load_page(open_document(ref.path, ref.password), ref.index)
        layer = _read_layer(page, "auto")
        layer.unseen = _covered_runs(page)[0] + layer.unseen
    x0, y0, x1, y1 = layer.rect
    sx, sy = (x1 - x0) / geometry.sent_width, (y1 - y0) / geometry.sent_height
    regions = [Region((x0 + b.x1 * sx, y0 + b.y1 * sy, x0 + b.x2 * sx, y0 + b.y2 * sy), category)
               for category, b in cells]
    _assign(layer.words, regions)
    categories = [r.category for r in regions]
    mark_code_and_formulas(regions, layer.survey)
    for region, category in zip(regions, categories):
        region.category = category  # the model's category stands; only the code flag is taken
    return [None if any(_centre_in(u, r.bbox) for u in layer.unseen) else _text(r) for r in regions]


def _assign(words: list[Word], regions: list[Region]) -> None:
    """Each word to the smallest region holding its centre, in reading order within it.

    Regions are visited smallest first over the words sorted by height, so a page of many boxes and
    many words costs a binary search per box rather than words x boxes.
    """
    order = sorted(range(len(words)), key=lambda i: words[i].cy)
    heights = [words[i].cy for i in order]
    taken: dict[int, Region] = {}
    for region in sorted(regions, key=lambda r: area(r.bbox)):
        x0, y0, x1, y1 = region.bbox
        for k in range(bisect_left(heights, y0), bisect_right(heights, y1)):
            i = order[k]
            if i not in taken and has_centre(region.bbox, words[i]):
                taken[i] = region
    for i in sorted(taken):  # the text layer's order, as the regions would have collected them
        taken[i].words.append(words[i])


def _text(region: Region) -> Optional[str]:
    if region.category in MODEL_CATEGORIES or region.category is Category.PICTURE or not region.words:
        return None
    text = _list_items(region) if region.category is Category.LIST_ITEM else region_text(region)
    if region.category is Category.SECTION_HEADER:
        text = _heading_level(text)
    letters = re.sub(r"[\s#>*`\\-]", "", text)
    if not letters or len(_UNMAPPED.findall(text)) > 0.1 * len(letters):
        return None
    return text


def _list_items(region: Region) -> str:
    """One box may hold several bulleted items (the model's boxes often do): one Markdown item per bullet."""
    lines = group_lines(region.words)
    starts = [i for i, line in enumerate(lines) if _BULLET.match(line_text(line))]
    if len(starts) < 2:
        return region_text(region)
    starts = [0] + starts if starts[0] else starts
    items = [Region(region.bbox, Category.LIST_ITEM, [w for line in lines[a:b] for w in line])
             for a, b in zip(starts, starts[1:] + [len(lines)])]
    return "\n".join(region_text(item) for item in items)


def _heading_level(text: str) -> str:
    """`## 2.3 Methods` -> `### 2.3 Methods`: a numbered heading's depth is its level (the text layer has no other)."""
    body = text[3:] if text.startswith("## ") else text
    match = _NUMBERED.match(body)
    level = 2 + match.group(1).count(".") if match else 2
    return "#" * min(6, level) + " " + body


def _covered_runs(page: pymupdf.Page) -> tuple[list[Rect], int]:
    """Text runs drawn before an image or a filled shape that covers them, and the number of runs."""
    texts: list[Rect] = []
    covered: list[Rect] = []
    x0, y0, x1, y1 = tuple(page.rect)
    for kind, box in page.get_bboxlog():
        if kind in ("fill-text", "stroke-text"):
            texts.append(tuple(box))
        # Shadings are logged unclipped (an infinite box), so they say nothing about what they cover.
        elif kind in ("fill-image", "fill-path", "fill-imgmask") and texts \
                and box[0] >= x0 - 1 and box[1] >= y0 - 1 and box[2] <= x1 + 1 and box[3] <= y1 + 1:
            hit = [t for t in texts if _centre_in(t, box)]
            if hit:
                covered += hit
                texts = [t for t in texts if not _centre_in(t, box)]
    return covered, len(covered) + len(texts)


def _faint_runs(page: pymupdf.Page, textpage: pymupdf.TextPage) -> list[Rect]:
    """Visible-mode text a reader still cannot see: (nearly) white, or (nearly) transparent.

    The text page's spans carry their colour as sRGB (grey and CMYK converted) and their opacity
    as alpha 0-255, so no second pass over the page (get_texttrace) is needed.
    """
    out = []
    for block in page.get_text("dict", textpage=textpage)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                if not span.get("char_flags", _PAINTED) & _PAINTED:
                    continue  # render mode 3 (alpha 0 here): invisible text is the span survey's, not faint
                color = span.get("color", 0)
                white = min(color >> 16 & 255, color >> 8 & 255, color & 255) > _WHITE
                if white or span.get("alpha", 255) < _TRANSPARENT:
                    out.append(tuple(span["bbox"]))
    return out


def _centre_in(inner: Rect, outer: Rect) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _remember(ref: PageRef, layer: _PageLayer) -> None:
    _layers[(str(ref.path), ref.index)] = layer
    while len(_layers) > _CACHE:
        _layers.popitem(last=False)
