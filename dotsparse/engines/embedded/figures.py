"""Figures drawn with vector graphics, which the layout model (it keys on text) passes over.

Drawings are clustered by PyMuPDF (`Page.cluster_drawings`) after leaving out what only
decorates text: page backgrounds and frames, and boxes behind or around text. A cluster is a
figure when it is large enough, holds picture content (curves, slanted lines, boxes with no
text in them) and no running text outside its drawings; rules, underlines and separators are
single thin lines and never form one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymupdf

from .regions import Rect, Word, area, has_centre, overlap, union
from .textlayer import group_lines

_MIN_SIDE = 16.0  # points: bullets, checkboxes and icons in text are smaller
_MIN_AREA = 1000.0
_BACKDROP = 0.5  # share of the page one path covers when it is a background or a page frame
_TEXT_BOX = 0.15  # share of a path's box that words cover when it sits behind or around text
_MIN_GRAPHIC = 2  # picture items (curve segments, slanted lines, empty boxes) a figure holds at least
_MAX_PATHS = 1500  # more paths than this (maps, plots of many points) are clustered a grid cell at a time
_GRID = 24.0  # points: the cell size of that grid
_RUNNING_COVER = 0.15  # share of a box that words outside its drawings cover when they are running text
_TABLE_SHARE = 0.3  # share of a cluster inside a table that makes it the table's rules


@dataclass(frozen=True)
class Path:
    rect: Rect
    graphic: int  # picture items in it


@dataclass(frozen=True)
class PageInk:
    """What a page draws, sorted for the figure test, with the words and tables it is judged against."""

    paths: list[Path]
    text_boxes: list[Rect]  # backgrounds and frames of text
    words: list[Word]
    tables: list[Rect]


def vector_figures(page: pymupdf.Page, drawings: list[dict], words: list[Word], tables: list[Rect]) -> list[Rect]:
    """Boxes of the page's vector figures (`drawings`: `page.get_drawings()`); `tables` are boxes whose rules
    must not become figures."""
    ink = _page_ink(page, drawings, words, tables)
    if not ink.paths:
        return []
    rects = _coarse(ink.paths) if len(ink.paths) > _MAX_PATHS else [p.rect for p in ink.paths]
    clusters = page.cluster_drawings(drawings=[{"rect": pymupdf.Rect(r)} for r in rects])
    return [box for c in clusters for box in _figures_in(tuple(c), ink, split=True)]


def _page_ink(page: pymupdf.Page, drawings: list[dict], words: list[Word], tables: list[Rect]) -> PageInk:
    page_area = area(tuple(page.rect)) or 1.0
    paths, text_boxes = [], []
    fills: list[tuple[Rect, tuple]] = []  # large fills painted so far
    for d in drawings:
        rect = tuple(d["rect"])
        if not _visible(d) or _same_fill_beneath(d, rect, fills):
            continue
        if d.get("fill") is not None and area(rect) >= _MIN_AREA:
            fills.append((rect, tuple(d["fill"])))
        if area(rect) > _BACKDROP * page_area:
            continue
        if _word_cover(rect, words) >= _TEXT_BOX:
            text_boxes.append(rect)
        else:
            paths.append(Path(rect, _graphic_items(d, words)))
    return PageInk(paths, text_boxes, words, tables)


def _figures_in(box: Rect, ink: PageInk, split: bool) -> list[Rect]:
    """The cluster as one figure; or, when its box spans running text (two figures meeting at a
    corner around a paragraph), each of its outermost drawings judged on its own."""
    members = [p for p in ink.paths if _within(p.rect, box)]
    # Boxes around labels (the nodes of a diagram) belong to the figure their connectors reach.
    frames = [r for r in ink.text_boxes if overlap(r, box) > 0 and area(r) < area(box)]
    box = union([box] + frames)
    if not _drawn_figure(box, members, ink.tables):
        return []
    drawn = [p.rect for p in members] + frames
    stray = [w for w in ink.words if has_centre(box, w) and not any(has_centre(r, w) for r in drawn)]
    if not _running_text(stray, box):
        return [box]
    if not split or len(members) > _MAX_PATHS:
        return []
    return [b for p in _outermost(members) if p.rect != box for b in _figures_in(p.rect, ink, split=False)]


def _visible(d: dict) -> bool:
    stroked = d.get("color") is not None and (d.get("stroke_opacity") or 1.0) > 0 and "s" in d.get("type", "")
    fill = d.get("fill")
    filled = fill is not None and (d.get("fill_opacity") or 1.0) > 0 and "f" in d.get("type", "")
    # A white fill with no outline is a mask on a white page, not something drawn.
    return stroked or (filled and fill is not None and min(fill) < 0.97)


def _same_fill_beneath(d: dict, rect: Rect, fills: list[tuple[Rect, tuple]]) -> bool:
    """A fill with no outline over a fill of its own colour cannot be seen (line-by-line shading of a box)."""
    fill = d.get("fill")
    if fill is None or "s" in d.get("type", ""):
        return False
    return any(_within(rect, r) and max(abs(a - b) for a, b in zip(fill, f)) < 0.01 for r, f in fills)


def _word_cover(rect: Rect, words: list[Word]) -> float:
    if rect[2] - rect[0] < 4 or rect[3] - rect[1] < 4:
        return 0.0  # a rule or a dot: too small to sit behind text
    inside = sum(area(w.bbox) for w in words if has_centre(rect, w))
    return inside / (area(rect) or 1.0)


def _graphic_items(d: dict, words: list[Word]) -> int:
    """Curve segments, slanted lines and text-free boxes: what rules, underlines and text frames lack."""
    n = 0
    for item in d["items"]:
        kind = item[0]
        if kind == "c":
            n += 1
        elif kind == "l":
            n += abs(item[1].x - item[2].x) > 1 and abs(item[1].y - item[2].y) > 1
        elif kind in ("re", "qu"):
            n += _empty_box(tuple(item[1].rect if kind == "qu" else item[1]), words)
    if n == 0 and "f" in d.get("type", "") and len(d["items"]) > 2:
        n = _empty_box(tuple(d["rect"]), words)  # a filled polygon: a bar, a swatch, an arrow head
    return n


def _empty_box(rect: Rect, words: list[Word]) -> bool:
    if rect[2] - rect[0] < 3 or rect[3] - rect[1] < 3:
        return False
    return not any(has_centre(rect, w) for w in words)


def _outermost(paths: list[Path]) -> list[Path]:
    """Paths not inside a bigger one."""
    kept: list[Path] = []
    for p in sorted(paths, key=lambda p: -area(p.rect)):
        if not any(_within(p.rect, k.rect) for k in kept):
            kept.append(p)
    return kept


def _coarse(paths: list[Path]) -> list[Rect]:
    """One box per grid cell for the paths centred in it: clustering is quadratic in the boxes."""
    cells: dict[tuple[int, int], Rect] = {}
    for p in paths:
        key = (int((p.rect[0] + p.rect[2]) / 2 // _GRID), int((p.rect[1] + p.rect[3]) / 2 // _GRID))
        cells[key] = union([cells[key], p.rect]) if key in cells else p.rect
    return list(cells.values())


def _within(inner: Rect, outer: Rect, pad: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - pad and inner[1] >= outer[1] - pad
            and inner[2] <= outer[2] + pad and inner[3] <= outer[3] + pad)


def _drawn_figure(box: Rect, members: list[Path], tables: list[Rect]) -> bool:
    w, h = box[2] - box[0], box[3] - box[1]
    if min(w, h) < _MIN_SIDE or w * h < _MIN_AREA:
        return False
    if any(overlap(box, t) > _TABLE_SHARE * area(box) for t in tables):
        return False
    return sum(p.graphic for p in members) >= _MIN_GRAPHIC


def _running_text(words: list[Word], box: Rect) -> bool:
    """Words outside every drawing of a cluster that read as prose: the cluster's box spans a paragraph."""
    return sum(area(w.bbox) for w in words) > _RUNNING_COVER * area(box) or prose(words)


def prose(words: list[Word]) -> bool:
    """Two lines of five words or more: running text, not the labels of a figure."""
    return sum(1 for line in group_lines(words) if len(line) >= 5) >= 2
