"""Picture regions beyond the layout model's: raster images it passed over, vector figures, and the
pieces of one figure joined into one picture."""

from __future__ import annotations

import pymupdf

from ...model import Category
from .figures import prose
from .regions import Rect, Region, Word, area, has_centre, overlap, union

_LABELS_INSIDE = 0.7  # share of a text region inside a figure that makes it one of the figure's labels
_TOUCH = 2.0  # points between two picture boxes that are pieces of one figure
_STRAY_WORDS = 2  # words in the joint box of touching pictures that neither covers, at most


def unlabelled_images(page: pymupdf.Page, regions: list[Region]) -> list[Region]:
    """Images the layout model passed over (it keys on text) are pictures; a page-sized image is the scan itself."""
    page_area = abs(page.rect) or 1.0
    out: list[Region] = []
    for info in page.get_image_info():
        box = tuple(pymupdf.Rect(info["bbox"]) & page.rect)
        share = area(box) / page_area
        if not 0.005 < share < 0.8:
            continue
        if any(overlap(box, r.bbox) > 0.5 * area(box) for r in regions + out
               if r.category in (Category.PICTURE, Category.TABLE)):
            continue
        out.append(Region(bbox=box, category=Category.PICTURE))
    return out


def add_figures(regions: list[Region], figures: list[Rect], words: list[Word]) -> list[Region]:
    """Vector figures become pictures; the text regions inside them are their labels and go with them.

    A figure whose box would take a paragraph with it is left out: its drawings only frame text.
    """
    for box in figures:
        labels = [r for r in regions
                  if r.category == Category.TEXT and overlap(r.bbox, box) >= _LABELS_INSIDE * area(r.bbox)]
        if any(prose([w for w in words if has_centre(r.bbox, w)]) for r in labels):
            continue
        regions = [r for r in regions if not any(r is x for x in labels)]
        regions.append(Region(bbox=box, category=Category.PICTURE))
    return regions


def merge_pictures(regions: list[Region], words: list[Word]) -> list[Region]:
    """Pictures that overlap or touch are one figure (an image cut into strips, a drawing over an image),
    unless their joint box takes in words that none of them covers (two figures meeting at a corner)."""
    pictures = [r.bbox for r in regions if r.category == Category.PICTURE]
    groups: list[list[Rect]] = []
    for box in pictures:
        group = [box]
        while True:
            near = [g for g in groups if _touch(union(g), union(group)) and not _takes_words(g + group, words)]
            if not near:
                break
            groups = [g for g in groups if not any(g is n for n in near)]
            group = group + [b for g in near for b in g]
        groups.append(group)
    if len(groups) == len(pictures):
        return regions
    others = [r for r in regions if r.category != Category.PICTURE]
    return others + [Region(bbox=union(g), category=Category.PICTURE) for g in groups]


def _takes_words(boxes: list[Rect], words: list[Word]) -> bool:
    joint = union(boxes)
    stray = [w for w in words if has_centre(joint, w) and not any(has_centre(b, w) for b in boxes)]
    return len(stray) > _STRAY_WORDS


def _touch(a: Rect, b: Rect) -> bool:
    return (a[0] - _TOUCH <= b[2] and b[0] - _TOUCH <= a[2]
            and a[1] - _TOUCH <= b[3] and b[1] - _TOUCH <= a[3])
