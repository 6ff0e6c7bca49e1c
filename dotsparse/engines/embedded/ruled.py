"""Ruled tables: the cell grid PyMuPDF's table finder reads from a page's rules, merged cells included.

A span shows on the page only as a missing rule (the header cell over two columns has no rule
between them), which text positions cannot tell; the finder's refined placements carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pymupdf

from ...model import Category
from .regions import Rect, Region, TableCell, Word, area, has_centre, overlap

_INSIDE = 0.5  # share of a ruled table that must lie inside the layout model's table box
_WORDS_COVERED = 0.8  # share of the box's words the ruled tables must hold to replace the model's grid
_SWALLOWED = 0.6  # share of another region inside a ruled table that makes it part of the table


@dataclass(frozen=True)
class RuledTable:
    bbox: Rect
    cells: tuple[TableCell, ...]


def ruled_tables(page: pymupdf.Page, drawings: list[dict], boxes: list[Rect]) -> list[RuledTable]:
    """Ruled tables where the layout model found `boxes` of tables; none (and no costly search) where no
    rules are drawn in those boxes."""
    if page.rotation:
        return []  # the finder works on the derotated page; its boxes would not match our words
    if not any(_near(tuple(d["rect"]), b) for d in drawings for b in boxes):
        return []
    # use_layout=False: the finder's layout gate expects the plain layout form, we hold the raw one.
    found = page.find_tables(use_layout=False, refine=True)
    out = []
    for table in found.tables if found is not None else ():
        cells = _placed_cells(table.placements) if table.placements else None
        if cells and len({c.col for c in cells}) > 1:
            out.append(RuledTable(tuple(table.bbox), tuple(cells)))
    return out


def _near(r: Rect, box: Rect, pad: float = 6.0) -> bool:
    """A drawing touches the box or its margin (rules have no area, and the model's box may stop short of them)."""
    return r[0] <= box[2] + pad and r[2] >= box[0] - pad and r[1] <= box[3] + pad and r[3] >= box[1] - pad


def _placed_cells(placements: Sequence[Sequence]) -> Optional[list[TableCell]]:
    """Grid positions of the finder's row-major span placements, laid out as HTML lays out a table."""
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, row in enumerate(placements):
        k = 0
        for p in row:
            while (r, k) in taken:
                k += 1
            if p.bbox is None:
                return None
            cells.append(TableCell(row=r, col=k, rowspan=p.rowspan, colspan=p.colspan, bbox=tuple(p.bbox)))
            taken.update((r + i, k + j) for i in range(p.rowspan) for j in range(p.colspan))
            k += p.colspan
    return cells


def apply_ruled_grids(regions: list[Region], ruled: list[RuledTable], words: list[Word]) -> list[Region]:
    """Layout tables whose words sit in ruled tables become those tables (one region per ruled table)."""
    out: list[Region] = []
    placed: list[Region] = []
    free = list(ruled)
    for region in regions:
        inside = [t for t in free if overlap(t.bbox, region.bbox) >= _INSIDE * area(t.bbox)]
        if region.category != Category.TABLE or not inside or not _holds_words(region.bbox, inside, words):
            out.append(region)
            continue
        for t in inside:
            free.remove(t)
            placed.append(Region(bbox=t.bbox, category=region.category, cells=list(t.cells)))
    kept = [r for r in out if r.category in (Category.TABLE, Category.PICTURE)
            or not any(overlap(r.bbox, t.bbox) >= _SWALLOWED * area(r.bbox) for t in placed)]
    return kept + placed


def _holds_words(box: Rect, tables: list[RuledTable], words: list[Word]) -> bool:
    mine = [w for w in words if has_centre(box, w)]
    held = [w for w in mine if any(has_centre(t.bbox, w) for t in tables)]
    return len(held) >= _WORDS_COVERED * len(mine)
