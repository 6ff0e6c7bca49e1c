"""Tables continued across page breaks: linked from evidence, merged into one, the reasons recorded.

A pair is considered only where the last block of page i and the first block of page i+1 (page furniture
aside; a caption may come first on the second page) are both tables. The pair merges when the columns
agree, nothing contradicts (a new caption, other widths) and the evidence says "continued": an explicit
marker, the header rows repeated, or a table running into the page bottom and on from the top of the
next page without a header of its own. Landscape pages (slide decks repeat one table layout on every
slide) merge only on an explicit marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model import FURNITURE, Category, Cell, MergedTable, PageResult, TablePart
from ..parse.html import clean_table_html
from .rows import Row, column_count, continuation_marker, header_count, join_rows, render_rows, table_rows

EDGE_TOLERANCE = 0.06  # left/right edges may differ by this fraction of the page width
BOTTOM, TOP = 0.72, 0.28  # a part "runs into the bottom" below BOTTOM and "starts at the top" above TOP


@dataclass
class TableEdge:
    page: int
    order: int
    html: str
    box: Optional[tuple[float, float, float, float]]  # as fractions of the page
    landscape: bool
    lead_caption: Optional[str] = None  # a caption just before the table at the top of its page


@dataclass
class PageEdges:
    page: int
    first: Optional[TableEdge] = None
    last: Optional[TableEdge] = None


def page_edges(page: PageResult) -> PageEdges:
    """The tables at the start and the end of a page's body, the only ones a page break can split."""
    edges = PageEdges(page=page.page)
    if not page.status.usable:
        return edges
    body = [c for c in page.cells if c.category not in FURNITURE]
    size = (page.geometry.width_px, page.geometry.height_px) if page.geometry else None
    if body and body[0].category is Category.TABLE:
        edges.first = _edge(page.page, body[0], size)
    elif len(body) > 1 and body[0].category is Category.CAPTION and body[1].category is Category.TABLE:
        edges.first = _edge(page.page, body[1], size, lead=body[0].text)
    if body and body[-1].category is Category.TABLE:
        edges.last = _edge(page.page, body[-1], size)
    return edges


def _edge(page: int, cell: Cell, size: Optional[tuple[int, int]], lead: Optional[str] = None) -> TableEdge:
    box = None
    if size and cell.bbox_px and size[0] > 0 and size[1] > 0:
        x1, y1, x2, y2 = cell.bbox_px
        box = (x1 / size[0], y1 / size[1], x2 / size[0], y2 / size[1])
    return TableEdge(page=page, order=cell.order, html=cell.text, box=box,
                     landscape=bool(size and size[0] > size[1] * 1.05), lead_caption=lead)


@dataclass
class _Group:
    parts: list[TablePart]
    head: list[Row] = field(default_factory=list)  # marked header rows (<thead>, all-<th>) of the first part
    body: list[Row] = field(default_factory=list)
    first: list[Row] = field(default_factory=list)  # the first row: an unmarked header repeats like a marked one
    last_rows: Optional[list[Row]] = None  # the rows of the latest part as the model gave them; None: not parsed
    reasons: list[str] = field(default_factory=list)
    dropped: int = 0
    joined: int = 0


@dataclass
class _Verdict:
    merge: bool
    reasons: list[str]
    drop: int = 0  # leading rows of the continuation that repeat the header
    join: bool = False


def judge(a: TableEdge, b: TableEdge, a_rows: list[Row], b_rows: list[Row], header: list[Row]) -> _Verdict:
    """Does table `b` (top of page b.page) continue `a` (bottom of page a.page)? With the reasons."""
    if b.page != a.page + 1:
        return _Verdict(False, [f"pages {a.page} and {b.page} are not consecutive"])
    cols_a, cols_b = column_count(a_rows), column_count(b_rows)
    if not cols_a or cols_a != cols_b:
        return _Verdict(False, [f"different columns ({cols_a} vs {cols_b})"])
    reasons = [f"page {a.page} ends and page {b.page} begins with a table", f"same column count ({cols_a})"]
    marker = None
    if b.lead_caption is not None:
        marker = continuation_marker(b.lead_caption)
        if marker is None:
            return _Verdict(False, [f"a new caption on page {b.page} ({b.lead_caption[:60]!r})"])
        reasons.append(f"caption on page {b.page} marks a continuation ({marker!r})")
    if a.box and b.box:
        if abs(a.box[0] - b.box[0]) > EDGE_TOLERANCE or abs(a.box[2] - b.box[2]) > EDGE_TOLERANCE:
            return _Verdict(False, reasons + ["different widths or positions"])
        reasons.append("same left and right edges")
    drop = 0
    if b_rows and b_rows[0].width == cols_a and len(b_rows[0].cells) == 1 and continuation_marker(b_rows[0].texts[0]):
        marker = marker or continuation_marker(b_rows[0].texts[0])
        reasons.append(f"first row of page {b.page} marks a continuation ({marker!r})")
        drop = 1
    repeated = _repeated_header(header, b_rows[drop:])
    if repeated:
        reasons.append(f"header row{'s' if repeated > 1 else ''} repeated on page {b.page} (dropped)")
    drop += repeated
    positioned = bool(a.box and b.box and a.box[3] >= BOTTOM and b.box[1] <= TOP)
    headless = header_count(b_rows) == 0 and not repeated
    if a.landscape or b.landscape:
        if marker is None:
            return _Verdict(False, reasons + ["landscape pages (slides) need an explicit continuation marker"])
    elif not (marker or repeated or (positioned and headless)):
        return _Verdict(False, reasons + ["no continuation marker, repeated header or page-filling run"])
    if positioned:
        reasons.append(f"runs into the bottom of page {a.page} and on from the top of page {b.page}")
    if headless:
        reasons.append(f"the part on page {b.page} has no header of its own")
    rest = b_rows[drop:]
    join = bool(rest) and _split_row(a_rows[-1] if a_rows else None, rest[0], cols_a)
    if join:
        reasons.append(f"a row split by the break joined (first cell empty at the top of page {b.page})")
    return _Verdict(True, reasons, drop, join)


def _repeated_header(header: list[Row], rows: list[Row]) -> int:
    """How many leading `rows` repeat the table's header rows (text compared, case and spaces aside)."""
    n = len(header) or 0
    if n and len(rows) > n and [r.key for r in rows[:n]] == [h.key for h in header] and any(any(k) for k in
                                                                                           (h.key for h in header)):
        return n
    return 0


def _split_row(upper: Optional[Row], lower: Row, columns: int) -> bool:
    if upper is None or len(upper.cells) != len(lower.cells) or lower.width != columns or upper.header:
        return False
    texts_up, texts_low = upper.texts, lower.texts
    return bool(texts_up[0]) and not texts_low[0] and any(texts_low[1:])


class TableMerger:
    """Fed page after page; keeps only the open chain (the table that ends the previous page)."""

    def __init__(self) -> None:
        self._open: Optional[tuple[TableEdge, _Group]] = None
        self.merged: list[MergedTable] = []

    def add(self, page: PageResult) -> None:
        edges = page_edges(page)
        previous, self._open = self._open, None
        linked = None
        if previous is not None:
            linked = self._link(previous, edges.first) if edges.first is not None else None
            if linked is None:
                self._close(previous[1])
        if edges.last is None:
            self._close(linked)
        elif linked is not None and linked.parts[-1] == TablePart(page=edges.last.page, order=edges.last.order):
            self._open = (edges.last, linked)  # one table fills the page: the chain may go on
        else:
            self._close(linked)
            self._open = (edges.last, _start(edges.last))

    def _link(self, previous: tuple[TableEdge, _Group], edge: TableEdge) -> Optional[_Group]:
        a, group = previous
        if group.last_rows is None:  # rows are parsed only for a table that something may continue
            _parse_first(group, a)
        b_rows = table_rows(edge.html)
        verdict = judge(a, edge, group.last_rows or [], b_rows, group.head or group.first)
        if not verdict.merge:
            return None
        rest = b_rows[verdict.drop:]
        if verdict.join and group.body:
            group.body[-1] = join_rows(group.body[-1], rest[0])
            rest = rest[1:]
            group.joined += 1
        group.body.extend(rest)
        group.last_rows = b_rows
        group.dropped += verdict.drop
        group.reasons.extend(verdict.reasons)
        group.parts.append(TablePart(page=edge.page, order=edge.order))
        return group

    def _close(self, group: Optional[_Group]) -> None:
        if group is None or len(group.parts) < 2:
            return
        html, _ = clean_table_html(render_rows(group.head, group.body))
        self.merged.append(MergedTable(parts=group.parts, html=html, reasons=_unique(group.reasons),
                                       header_rows_dropped=group.dropped, rows_joined=group.joined))

    def finish(self) -> list[MergedTable]:
        if self._open is not None:
            self._close(self._open[1])
            self._open = None
        return self.merged


def _start(edge: TableEdge) -> _Group:
    return _Group(parts=[TablePart(page=edge.page, order=edge.order)])


def _parse_first(group: _Group, edge: TableEdge) -> None:
    rows = table_rows(edge.html)
    n = header_count(rows)
    group.head, group.body, group.first, group.last_rows = rows[:n], rows[n:], rows[:1], rows


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
