"""Financial-statement conventions in table grids: currency signs in columns of their own, and header rows.

A statement sets "$" in a narrow column left of each amount; the sign belongs to the amount.
Header rows are the leading rows with no amounts in them (labels, or years over the columns),
above rows that hold amounts; they are written as <thead>/<th>.
"""

from __future__ import annotations

import re

from .regions import TableCell

Placed = list[tuple[TableCell, str]]

_CURRENCY = re.compile(r"^[$€£¥₹]$|^(US\$|USD|EUR|GBP)$")
_AMOUNT = re.compile(r"^[-+−(]?[$€£¥₹]?\s*\d[\d.,\s]*\s*[%)]?$")
_YEAR = re.compile(r"^(FY\s?|Q[1-4]\s?)?(19|20)\d\d[A-Za-z]?$")
_MAX_HEADER_ROWS = 3


def merge_currency_columns(placed: Placed) -> Placed:
    """Columns holding nothing but currency signs join the column to their right, row by row."""
    n_cols = max((c.col + c.colspan for c, _ in placed), default=0)
    signs = []
    for k in range(n_cols - 1):
        texts = [t.strip() for c, t in placed if c.col == k and c.colspan == 1 and t.strip()]
        spanning = any(c.col <= k < c.col + c.colspan and c.colspan > 1 and t.strip() for c, t in placed)
        if texts and not spanning and all(_CURRENCY.match(t) for t in texts):
            signs.append(k)
    if not signs:
        return placed
    by_slot = {(c.row, c.col): (c, t) for c, t in placed}
    out: Placed = []
    for c, t in placed:
        if c.col in signs and c.colspan == 1:
            continue
        sign = by_slot.get((c.row, c.col - 1))
        if c.col - 1 in signs and sign and sign[1].strip() and t.strip():
            t = f"{sign[1].strip()}{t.strip()}" if len(sign[1].strip()) == 1 else f"{sign[1].strip()} {t.strip()}"
        shift = sum(1 for k in signs if k < c.col)
        inside = sum(1 for k in signs if c.col <= k < c.col + c.colspan)
        out.append((TableCell(row=c.row, col=c.col - shift, rowspan=c.rowspan, colspan=max(1, c.colspan - inside),
                              bbox=c.bbox), t))
    return out


def merge_currency_rows(placed: Placed) -> Placed:
    """A grid row of nothing but currency signs (the grid cut "$" from its amounts, one row up) joins
    the row below: each sign goes to the amount under it, and cells spanning both rows shrink."""
    while True:
        n_rows = max((c.row + c.rowspan for c, _ in placed), default=0)
        row = next((r for r in range(n_rows - 1) if _sign_row(placed, r)), None)
        if row is None:
            return placed
        below = {c.col: (c, t) for c, t in placed if c.row == row + 1}
        signs = {c.col: t.strip() for c, t in placed if c.row == row and c.rowspan == 1 and t.strip()}
        out: Placed = []
        for c, t in placed:
            if c.row == row and c.rowspan == 1:
                continue  # the signs (and empty cells) of the row
            if c.row == row + 1 and c.col in signs and t.strip():
                t = signs[c.col] + t.strip()
            span = c.rowspan - 1 if c.row <= row < c.row + c.rowspan - 1 else c.rowspan
            start = c.row - 1 if c.row > row else c.row
            out.append((TableCell(row=start, col=c.col, rowspan=max(1, span), colspan=c.colspan, bbox=c.bbox), t))
        if len(out) == len(placed) or not below:
            return placed
        placed = out


def _sign_row(placed: Placed, row: int) -> bool:
    texts = [t.strip() for c, t in placed if c.row == row and c.rowspan == 1 and t.strip()]
    return bool(texts) and all(_CURRENCY.match(t) for t in texts)


def header_rows(placed: Placed) -> int:
    """Leading rows without amounts above rows with amounts (years and labels are headings)."""
    n_rows = max((c.row + c.rowspan for c, _ in placed), default=0)
    rows: list[list[str]] = [[] for _ in range(n_rows)]
    for c, t in placed:
        if t.strip():
            rows[c.row].append(t.strip())
    amounts = [any(_AMOUNT.match(t) and not _YEAR.match(t) for t in row) for row in rows]
    heads = 0
    while heads < min(_MAX_HEADER_ROWS, n_rows - 1) and rows[heads] and not amounts[heads]:
        heads += 1
    if heads == 0 or not any(amounts[heads:]):
        return 0
    # A row of labels spanning the table's width is a heading only when spans or years mark it as one,
    # or when the first column's cell is empty (the stub head).
    first_col_empty = all(c.col != 0 or not t.strip() for c, t in placed if c.row == 0)
    spans = any(c.colspan > 1 for c, _ in placed if c.row < heads)
    years = any(_YEAR.match(t) for row in rows[:heads] for t in row)
    short = all(len(t.split()) <= 4 for row in rows[:heads] for t in row)
    return heads if (first_col_empty or spans or years or short) else 0
