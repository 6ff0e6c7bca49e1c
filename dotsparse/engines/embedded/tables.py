"""Table regions as HTML: the cell grid (ruled, from the layout model, or from text alignment),
the cell text from the page's words."""

from __future__ import annotations

import html
import re

from .regions import Rect, Region, TableCell, Word, contains_point, union
from .table_heads import header_rows, merge_currency_columns, merge_currency_rows
from .textlayer import group_lines, is_rtl, join_lines, line_text

_NUMERIC = re.compile(r"^[-+−(]?[$€£]?\d[\d.,]*\s*[%)]?$")

Placed = list[tuple[TableCell, str]]


def table_html(region: Region) -> str:
    cells = _consistent_grid(region.cells or []) or aligned_cells(region.words)
    if not cells:
        return "<table></table>"
    cells = split_stacked_rows(cells, region.words)
    if is_rtl("".join(w.text for w in region.words)):
        cells = _mirrored(cells)  # a right-to-left table's first column is its rightmost
    return _render(merge_currency_columns(merge_currency_rows(drop_empty_lines(_with_texts(cells, region.words)))))


def _mirrored(cells: list[TableCell]) -> list[TableCell]:
    n_cols = max(c.col + c.colspan for c in cells)
    return [TableCell(row=c.row, col=n_cols - c.col - c.colspan, rowspan=c.rowspan, colspan=c.colspan, bbox=c.bbox)
            for c in cells]


def _render(placed: Placed) -> str:
    taken: dict[tuple[int, int], TableCell] = {}
    for c, _ in placed:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                taken.setdefault((r, k), c)
    texts = {id(c): t for c, t in placed}
    n_rows = max(c.row + c.rowspan for c, _ in placed)
    n_cols = max(c.col + c.colspan for c, _ in placed)
    heads = header_rows(placed)
    rows = []
    for r in range(n_rows):
        tag = "th" if r < heads else "td"
        tds = []
        for k in range(n_cols):
            got = taken.get((r, k))
            if got is None:
                tds.append(f"<{tag}></{tag}>")
            elif got.row == r and got.col == k:
                rowspan = f' rowspan="{got.rowspan}"' if got.rowspan > 1 else ""
                colspan = f' colspan="{got.colspan}"' if got.colspan > 1 else ""
                cell_tag = "th" if got.row < heads else "td"
                tds.append(f"<{cell_tag}{rowspan}{colspan}>{html.escape(texts[id(got)])}</{cell_tag}>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    if heads:
        return "<table><thead>" + "".join(rows[:heads]) + "</thead><tbody>" + "".join(rows[heads:]) + "</tbody></table>"
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
    kept: list[TableCell] = []
    seen: set[tuple[int, int]] = set()
    for c in out:
        slots = {(r, k) for r in range(c.row, c.row + c.rowspan) for k in range(c.col, c.col + c.colspan)}
        if not slots & seen:
            kept.append(c)
            seen |= slots
    return kept



def _cell_words(cells: list[TableCell], words: list[Word]) -> dict[int, list[Word]]:
    bucket: dict[int, list[Word]] = {id(c): [] for c in cells}
    for w in words:
        home = next((c for c in cells if contains_point(c.bbox, w.cx, w.cy, pad=2.0)), None)
        if home is not None:
            bucket[id(home)].append(w)
    return bucket


def _with_texts(cells: list[TableCell], words: list[Word]) -> Placed:
    bucket = _cell_words(cells, words)
    return [(c, join_lines([line_text(ln) for ln in group_lines(bucket[id(c)])])) for c in cells]


def split_stacked_rows(cells: list[TableCell], words: list[Word]) -> list[TableCell]:
    """Split a grid row whose cells stack several values line by line into one row per line.

    A ruled table often draws no rule between the records of a group (OTSL over HTML, each
    with its numbers), so one ruled row holds them all. The row is split when at least two of
    its cells hold the same number of aligned lines, one of them all numbers; its one-line
    cells then span the new rows.
    """
    bucket = _cell_words(cells, words)
    lines = {id(c): group_lines(bucket[id(c)]) for c in cells}
    n_rows = max(c.row + c.rowspan for c in cells)
    depth = [_stack_depth([c for c in cells if c.row == r and c.rowspan == 1], lines) for r in range(n_rows)]
    if all(d == 1 for d in depth):
        return cells
    start = [0]
    for d in depth:
        start.append(start[-1] + d)
    out = []
    for c in cells:
        ls = lines[id(c)]
        if c.rowspan == 1 and depth[c.row] > 1 and len(ls) == depth[c.row]:
            out.extend(_line_cells(c, ls, start[c.row]))
        else:
            out.append(TableCell(row=start[c.row], col=c.col, rowspan=start[c.row + c.rowspan] - start[c.row],
                                 colspan=c.colspan, bbox=c.bbox))
    return out


def _stack_depth(row: list[TableCell], lines: dict[int, list[list[Word]]]) -> int:
    stacked = [lines[id(c)] for c in row if len(lines[id(c)]) > 1]
    if len(stacked) < 2 or len({len(ls) for ls in stacked}) != 1:
        return 1
    first = stacked[0]
    for ls in stacked[1:]:
        for a, b in zip(first, ls):
            h = min(a[0].bbox[3] - a[0].bbox[1], b[0].bbox[3] - b[0].bbox[1])
            if abs(a[0].cy - b[0].cy) > 0.5 * h:
                return 1
    texts = [[line_text(ln) for ln in ls] for ls in stacked]
    if not all(_value_like(t) for ts in texts for t in ts):
        return 1
    if not any(all(_NUMERIC.match(t) for t in ts) for ts in texts):
        return 1
    return len(first)


def _value_like(text: str) -> bool:
    return bool(_NUMERIC.match(text)) or len(text.split()) <= 2


def _line_cells(cell: TableCell, lines: list[list[Word]], row: int) -> list[TableCell]:
    centres = [sum(w.cy for w in ln) / len(ln) for ln in lines]
    cuts = [cell.bbox[1]] + [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [cell.bbox[3]]
    return [TableCell(row=row + i, col=cell.col, rowspan=1, colspan=cell.colspan,
                      bbox=(cell.bbox[0], cuts[i], cell.bbox[2], cuts[i + 1])) for i in range(len(lines))]


def drop_empty_lines(placed: Placed) -> Placed:
    """Leave out grid columns and rows that hold no text of their own: slivers between doubled rules,
    or a rule drawn inside a cell. A spanning cell keeps its first column only when none of its
    columns holds text of its own."""
    if not any(t for _, t in placed):
        return placed
    cols = sorted(_own_lines([(c.col, c.colspan) for c, t in placed if t]))
    rows = sorted(_own_lines([(c.row, c.rowspan) for c, t in placed if t]))
    out = []
    for c, t in placed:
        col_span = [k for k in cols if c.col <= k < c.col + c.colspan]
        row_span = [r for r in rows if c.row <= r < c.row + c.rowspan]
        if col_span and row_span:
            out.append((TableCell(row=rows.index(row_span[0]), col=cols.index(col_span[0]), rowspan=len(row_span),
                                  colspan=len(col_span), bbox=c.bbox), t))
    return out


def _own_lines(spans: list[tuple[int, int]]) -> set[int]:
    own = {start for start, n in spans if n == 1}
    own |= {start for start, n in spans if n > 1 and not own & set(range(start, start + n))}
    return own


def aligned_cells(words: list[Word]) -> list[TableCell]:
    """A grid for a table with neither rules nor a model grid: one row per line, columns where the lines align.

    Columns come from the lines with the most usual number of word clusters (the body); a
    cluster that covers several of those columns (a header over a group) spans them.
    """
    chunked = [_chunks(line) for line in group_lines(words)]
    if not chunked:
        return []
    counts = [len(ch) for ch in chunked]
    usual = max(set(counts), key=lambda n: (counts.count(n), n))
    columns = _merge_intervals([(b[0], b[2]) for ch in chunked if len(ch) == usual for b in ch])
    cells = []
    for r, chunks in enumerate(chunked):
        for box in chunks:
            hit = _columns_under(box, columns)
            cells.append(TableCell(row=r, col=hit[0], rowspan=1, colspan=hit[-1] - hit[0] + 1, bbox=box))
    return _consistent_grid(cells)


def _columns_under(box: Rect, columns: list[tuple[float, float]]) -> list[int]:
    """Columns a text cluster overlaps; one centred over the gap between two columns heads both."""
    hit = {k for k, (x0, x1) in enumerate(columns) if min(box[2], x1) - max(box[0], x0) > 0}
    centre = (box[0] + box[2]) / 2
    hit |= {j for k in range(len(columns) - 1) if columns[k][1] < centre < columns[k + 1][0] for j in (k, k + 1)}
    if not hit:
        hit = {min(range(len(columns)), key=lambda k: abs((columns[k][0] + columns[k][1]) / 2 - centre))}
    return sorted(hit)


def _chunks(line: list[Word]) -> list[Rect]:
    """Boxes of the word clusters of one line, split where the gap is wider than 1.5 line heights."""
    groups, cur = [], [line[0]]
    for prev, w in zip(line, line[1:]):
        if w.bbox[0] - prev.bbox[2] > 1.5 * (prev.bbox[3] - prev.bbox[1]):
            groups.append(cur)
            cur = []
        cur.append(w)
    groups.append(cur)
    return [union([w.bbox for w in g]) for g in groups]


def _merge_intervals(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for x0, x1 in sorted(spans):
        if merged and x0 <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], x1))
        else:
            merged.append((x0, x1))
    return merged
