"""Model tables as rows of cells: enough structure to compare, drop and join rows across page breaks."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html


@dataclass
class Row:
    tr: object  # the lxml <tr>
    cells: list  # its <td>/<th> elements
    header: bool  # in <thead>, or every cell a <th>
    width: int = 0  # grid columns, colspans counted

    def __post_init__(self) -> None:
        self.width = sum(_span(c) for c in self.cells)

    @property
    def texts(self) -> list[str]:
        return [squash(c.text_content()) for c in self.cells]

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(t.lower() for t in self.texts)


def squash(text: str) -> str:
    return " ".join(text.split())


def _span(cell) -> int:
    try:
        return max(1, min(int(cell.get("colspan", "1")), 1000))
    except ValueError:
        return 1


def table_rows(html: str) -> list[Row]:
    """The rows of the first <table> in `html`, in order; [] when there is none."""
    if "<t" not in html:
        return []
    try:
        fragments = lxml.html.fragments_fromstring(html)
    except Exception:  # junk markup: no structure to compare
        return []
    table = next((t for f in fragments if not isinstance(f, str) for t in f.iter("table")), None)
    if table is None:
        return []
    rows = []
    for tr in table.iter("tr"):
        if _owner_table(tr) is not table:
            continue  # a row of a nested table
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        in_head = any(a.tag == "thead" for a in tr.iterancestors())
        rows.append(Row(tr=tr, cells=cells, header=in_head or (bool(cells) and all(c.tag == "th" for c in cells))))
    return rows


def _owner_table(tr):
    return next((a for a in tr.iterancestors() if a.tag == "table"), None)


def column_count(rows: list[Row]) -> int:
    """Columns of the grid, from the widest row: rowspans shorten the rows below them, never widen."""
    return max((r.width for r in rows), default=0)


def header_count(rows: list[Row]) -> int:
    """Leading header rows; a table with no marked header counts its first row when the second differs in kind."""
    n = 0
    while n < len(rows) and rows[n].header:
        n += 1
    return n


def render_rows(head: list[Row], body: list[Row]) -> str:
    def row_html(row: Row) -> str:
        return lxml.html.tostring(row.tr, encoding="unicode", with_tail=False)

    thead = f"<thead>{''.join(row_html(r) for r in head)}</thead>" if head else ""
    return f"<table>{thead}<tbody>{''.join(row_html(r) for r in body)}</tbody></table>"


def join_rows(upper: Row, lower: Row) -> Row:
    """One row from a row cut by a page break: each cell's text continued by the one below it."""
    for top, bottom in zip(upper.cells, lower.cells):
        extra = squash(bottom.text_content())
        if extra:
            if len(top):
                last = top[-1]
                last.tail = ((last.tail or "") + " " + extra)
            else:
                top.text = ((top.text or "").rstrip() + " " + extra).strip()
    return upper


_CONTINUED = re.compile(
    r"(?<!\w)(?:continued|continuación|continuação|continuazione|fortsetzung)(?!\w)"
    r"|[(\[]\s*(?:cont\.?|cont'd|contd\.?|suite|forts\.?)\s*[)\]]"
    r"|续表|續表|接上表|(?:（|\()\s*[续續]\s*(?:）|\))", re.IGNORECASE)


def continuation_marker(text: str) -> str | None:
    """A '(continued)' / '续表'-style marker in `text`, as written, or None."""
    m = _CONTINUED.search(text)
    return m.group(0) if m else None
