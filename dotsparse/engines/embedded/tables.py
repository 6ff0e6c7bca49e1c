"""Table regions as HTML, cell grid from the layout model, cell text from the page's words."""

from __future__ import annotations

import html

from .regions import Region, TableCell, Word, contains_point
from .textlayer import group_lines, join_lines, line_text


def table_html(region: Region) -> str:
    cells = _consistent_grid(region.cells or [])
    if not cells:
        return _fallback_rows(region.words)
    taken: dict[tuple[int, int], TableCell] = {}
    for c in cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                taken.setdefault((r, k), c)
    n_rows = max(c.row + c.rowspan for c in cells)
    n_cols = max(c.col + c.colspan for c in cells)
    texts = _cell_texts(cells, region.words)
    rows = []
    for r in range(n_rows):
        tds = []
        for k in range(n_cols):
            c = taken.get((r, k))
            if c is None:
                tds.append("<td></td>")
            elif c.row == r and c.col == k:
                span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
                tds.append(f"<td{span}>{html.escape(texts[id(c)])}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _consistent_grid(cells: list[TableCell]) -> list[TableCell]:
    """The model's grid, or one rebuilt from the cell boxes when two cells claim one slot."""
    seen: set[tuple[int, int]] = set()
    clash = False
    for c in cells:
        slots = {(r, k) for r in range(c.row, c.row + c.rowspan) for k in range(c.col, c.col + c.colspan)}
        clash |= bool(slots & seen)
        seen |= slots
    return _regrid_rows(cells) if clash else cells


def _regrid_rows(cells: list[TableCell]) -> list[TableCell]:
    """Split a model row that holds two lines of cells into sub-rows.

    A cell that clashes with an earlier one in its row goes to the next free sub-row; a cell with
    no neighbour below it in the other sub-rows spans them all (it was centred across them).
    """
    by_row: dict[int, list[TableCell]] = {}
    for c in cells:
        by_row.setdefault(c.row, []).append(c)
    out, offset = [], 0
    for row in sorted(by_row):
        subrows: list[set[int]] = []
        placed = []
        for c in sorted(by_row[row], key=lambda c: (c.bbox[1], c.col)):
            cols = set(range(c.col, c.col + c.colspan))
            sub = next((i for i, used in enumerate(subrows) if not used & cols), None)
            if sub is None:
                subrows.append(set())
                sub = len(subrows) - 1
            subrows[sub] |= cols
            placed.append((c, sub, cols))
        n = len(subrows)
        for c, sub, cols in placed:
            span = c.rowspan
            if n > 1 and sub == 0 and all(not used & cols for used in subrows[1:]):
                span += n - 1
            out.append(TableCell(row=row + offset + sub, col=c.col, rowspan=span, colspan=c.colspan, bbox=c.bbox))
        offset += n - 1
    kept, seen = [], set()
    for c in out:
        slots = {(r, k) for r in range(c.row, c.row + c.rowspan) for k in range(c.col, c.col + c.colspan)}
        if not slots & seen:
            kept.append(c)
            seen |= slots
    return kept


def _cell_texts(cells: list[TableCell], words: list[Word]) -> dict[int, str]:
    bucket: dict[int, list[Word]] = {id(c): [] for c in cells}
    for w in words:
        home = next((c for c in cells if contains_point(c.bbox, w.cx, w.cy, pad=2.0)), None)
        if home is not None:
            bucket[id(home)].append(w)
    return {k: join_lines([line_text(ln) for ln in group_lines(ws)]) for k, ws in bucket.items()}


def _fallback_rows(words: list[Word]) -> str:
    """No grid: one row per line, one cell per word cluster separated by wide gaps."""
    rows = []
    for line in group_lines(words):
        cells, cur = [], [line[0]]
        for prev, w in zip(line, line[1:]):
            if w.bbox[0] - prev.bbox[2] > 1.5 * (prev.bbox[3] - prev.bbox[1]):
                cells.append(cur)
                cur = []
            cur.append(w)
        cells.append(cur)
        rows.append("<tr>" + "".join(f"<td>{html.escape(line_text(c))}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>" if rows else "<table></table>"
