"""Reading order by recursive XY-cut that prefers columns over rows.

Cutting columns first keeps two- and three-column text in column order even where paragraph
gaps of neighbouring columns line up; a full-width heading blocks every column cut, so it
separates the page into bands that are ordered top to bottom. Narrow side columns (margin
notes) are read after the main column they sit beside rather than before it.
"""

from __future__ import annotations

from ...model import Category
from .regions import Region

_MIN_GAP = 4.0  # points: smaller gaps are inter-word or ragged edges, not column gutters
_SIDE_NOTE = 0.22  # a column narrower than this share of its band's width is a margin column


def order_regions(regions: list[Region]) -> list[Region]:
    headers = [r for r in regions if r.category == Category.PAGE_HEADER]
    footers = [r for r in regions if r.category == Category.PAGE_FOOTER]
    body = [r for r in regions if r.category not in (Category.PAGE_HEADER, Category.PAGE_FOOTER)]
    by_top = lambda r: (r.bbox[1], r.bbox[0])  # noqa: E731
    return sorted(headers, key=by_top) + _xy_cut(body) + sorted(footers, key=by_top)


def _xy_cut(regions: list[Region]) -> list[Region]:
    if len(regions) <= 1:
        return list(regions)
    columns = _split(regions, axis=0)
    if len(columns) > 1:
        return [r for col in _place_side_notes(columns) for r in _xy_cut(col)]
    rows = _merge_column_bands(_split(regions, axis=1))
    if len(rows) > 1:
        return [r for row in rows for r in _xy_cut(row)]
    return sorted(regions, key=lambda r: (r.bbox[1], r.bbox[0]))


def _merge_column_bands(rows: list[list[Region]]) -> list[list[Region]]:
    """Rejoin consecutive rows that together still fall into columns.

    Rows are cut at every horizontal gap; where the paragraphs of neighbouring columns happen to
    end at the same height that would interleave the columns, so rows are merged back until a
    full-width element (one that blocks the column cut) ends the band.
    """
    merged: list[list[Region]] = [rows[0]]
    for row in rows[1:]:
        if len(_split(merged[-1] + row, axis=0)) > 1:
            merged[-1] = merged[-1] + row
        else:
            merged.append(row)
    return merged


def _split(regions: list[Region], axis: int) -> list[list[Region]]:
    """Groups separated by gaps along x (axis 0) or y (axis 1) that no region crosses."""
    lo, hi = axis, axis + 2
    # A sliver overlap (a box a point too wide) must not hide a real gutter.
    shrink = 1.0 if axis == 0 else 0.5
    items = sorted(regions, key=lambda r: r.bbox[lo])
    groups: list[list[Region]] = [[items[0]]]
    reach = items[0].bbox[hi] - shrink
    for r in items[1:]:
        gap_needed = _MIN_GAP if axis == 0 else 0.0
        if r.bbox[lo] + shrink - reach >= gap_needed:
            groups.append([r])
        else:
            groups[-1].append(r)
        reach = max(reach, r.bbox[hi] - shrink)
    return groups


def _place_side_notes(columns: list[list[Region]]) -> list[list[Region]]:
    widths = [max(r.bbox[2] for r in c) - min(r.bbox[0] for r in c) for c in columns]
    total = max(r.bbox[2] for c in columns for r in c) - min(r.bbox[0] for c in columns for r in c)
    text = [sum(len(r.words) for r in c) for c in columns]
    main = [i for i, w in enumerate(widths) if w >= _SIDE_NOTE * total]
    if not main or len(main) == len(columns):
        return columns
    ordered: list[list[Region]] = []
    for i, col in enumerate(columns):
        if i in main:
            ordered.append(col)
    # Each margin column goes right after the main column nearest to it.
    for i, col in enumerate(columns):
        if i in main or text[i] > max(text[j] for j in main):
            if i not in main:
                ordered.append(col)
            continue
        nearest = min(main, key=lambda j: abs(j - i))
        pos = ordered.index(columns[nearest]) + 1
        ordered.insert(pos, col)
    return ordered
