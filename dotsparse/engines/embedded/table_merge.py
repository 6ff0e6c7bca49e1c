"""Tables the layout model cut apart: header lines left above the table as loose text, and summary
rows ("Total ...") split off as a second table below it.

Text right above a table, inside its width, whose lines break into pieces over the table's columns
(or are short labels) is its header; a table right below another with the same columns continues it.
"""

from __future__ import annotations

from typing import Optional

from ...model import Category
from .regions import Rect, Region, TableCell, union
from .captions import CAPTION
from .textlayer import group_lines, line_text

_GAP = 1.6  # line heights between a table and the header text above it
_TABLE_GAP = 2.5  # line heights between a table and its split-off part (a total set off by a gap)
_SAME_SPAN = 0.8  # share of the narrower's width two tables' x-spans share when they are one table
_HEADER_WORDS = 6  # words of a header piece at most


def join_table_parts(regions: list[Region]) -> list[Region]:
    tables = sorted((r for r in regions if r.category == Category.TABLE), key=lambda r: r.bbox[1])
    gone: set[int] = set()
    for upper, lower in zip(tables, tables[1:]):
        if id(upper) not in gone and _continues(upper, lower) and not _between(upper, lower, regions):
            _append(upper, lower)
            gone.add(id(lower))
    for t in tables:
        if id(t) in gone:
            continue
        for head in _header_above(t, regions):
            _prepend(t, head)
            gone.add(id(head))
    return [r for r in regions if id(r) not in gone]


def _line_height(r: Region) -> float:
    hs = sorted(w.bbox[3] - w.bbox[1] for w in r.words)
    return hs[len(hs) // 2] if hs else 10.0


def _x_share(a: Rect, b: Rect) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) / max(1e-6, min(a[2] - a[0], b[2] - b[0]))


def _continues(upper: Region, lower: Region) -> bool:
    gap = lower.bbox[1] - upper.bbox[3]
    return -2 < gap < _TABLE_GAP * _line_height(upper) and _x_share(upper.bbox, lower.bbox) >= _SAME_SPAN


def _between(upper: Region, lower: Region, regions: list[Region]) -> bool:
    """Something (a caption, a heading) sits between the two tables: they are two tables."""
    return any(r is not upper and r is not lower and r.bbox[1] >= upper.bbox[3] - 1 and r.bbox[3] <= lower.bbox[1] + 1
               and _x_share(r.bbox, upper.bbox) > 0 for r in regions)


def _header_above(table: Region, regions: list[Region]) -> list[Region]:
    """Text regions stacked right above the table, nearest first, while they look like header lines."""
    out: list[Region] = []
    top = table.bbox[1]
    h = _line_height(table)
    while True:
        near = [r for r in regions if r.category in (Category.TEXT, Category.SECTION_HEADER) and r.words
                and r not in out and 0 <= top - r.bbox[3] < _GAP * h
                and r.bbox[0] >= table.bbox[0] - h and r.bbox[2] <= table.bbox[2] + h and _header_like(r, table)]
        if not near:
            return out
        out.append(near[0])
        top = near[0].bbox[1]


def _header_like(r: Region, table: Region) -> bool:
    lines = group_lines(r.words)
    if len(lines) > 3 or CAPTION.match(line_text(lines[0])):
        return False
    columns = _columns(table)
    pieces = [_pieces(ln, _line_height(r)) for ln in lines]
    if any(len(p.split()) > _HEADER_WORDS for ps in pieces for p in (" ".join(w.text for w in piece) for piece in ps)):
        return False
    # Over two columns or more of the table, or one short label over a column that is not the first.
    return any(len(ps) >= 2 for ps in pieces) or (bool(columns) and r.bbox[0] > columns[0][1])


def _pieces(line: list, h: float) -> list[list]:
    out, cur = [], [line[0]]
    for a, b in zip(line, line[1:]):
        if b.bbox[0] - a.bbox[2] > 1.5 * h:
            out.append(cur)
            cur = []
        cur.append(b)
    return out + [cur]


def _columns(table: Region) -> list[tuple[float, float]]:
    cols: dict[int, tuple[float, float]] = {}
    for c in table.cells or ():
        if c.colspan == 1:
            x0, x1 = cols.get(c.col, (c.bbox[0], c.bbox[2]))
            cols[c.col] = (min(x0, c.bbox[0]), max(x1, c.bbox[2]))
    return [cols[k] for k in sorted(cols)]


def _append(upper: Region, lower: Region) -> None:
    upper.bbox = union([upper.bbox, lower.bbox])
    upper.words = upper.words + lower.words
    if upper.cells and lower.cells:
        rows = max(c.row + c.rowspan for c in upper.cells)
        upper.cells = upper.cells + [TableCell(c.row + rows, c.col, c.rowspan, c.colspan, c.bbox) for c in lower.cells]
    else:
        upper.cells = None  # one grid from the text's alignment


def _prepend(table: Region, head: Region) -> None:
    columns = _columns(table)
    cells: Optional[list[TableCell]] = None
    if table.cells and columns:
        new = []
        for i, line in enumerate(group_lines(head.words)):
            for piece in _pieces(line, _line_height(head)):
                box = union([w.bbox for w in piece])
                hit = [k for k, (x0, x1) in enumerate(columns) if min(box[2], x1) - max(box[0], x0) > 0]
                if not hit:
                    hit = [min(range(len(columns)), key=lambda k: abs((columns[k][0] + columns[k][1]) / 2 - (box[0] + box[2]) / 2))]
                new.append(TableCell(i, hit[0], 1, hit[-1] - hit[0] + 1, (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1)))
        n = 1 + max(c.row for c in new)
        cells = new + [TableCell(c.row + n, c.col, c.rowspan, c.colspan, c.bbox) for c in table.cells]
    table.cells = cells
    table.bbox = union([table.bbox, head.bbox])
    table.words = head.words + table.words
