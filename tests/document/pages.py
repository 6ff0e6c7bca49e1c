"""Build PageResults for the document-level tests: cells with boxes on an A4 page (1654 x 2339 px)."""

from __future__ import annotations

from dotsparse.model import Category, Cell, CellFormat, PageGeometry, PageResult, PageStatus

PORTRAIT = (1654, 2339)
LANDSCAPE = (2339, 1316)
_FORMAT = {Category.TABLE: CellFormat.HTML, Category.PICTURE: CellFormat.NONE}


def geometry(size=PORTRAIT) -> PageGeometry:
    w, h = size
    return PageGeometry(width_pt=w * 72 / 200, height_pt=h * 72 / 200, dpi=200, width_px=w, height_px=h,
                        sent_width=w, sent_height=h)


def page(n: int, *blocks, size=PORTRAIT, status=PageStatus.OK) -> PageResult:
    """`blocks`: (category, text, (x1, y1, x2, y2) as fractions of the page or None[, font_size])."""
    w, h = size
    cells = []
    for i, block in enumerate(blocks):
        category, text, box = block[:3]
        font = block[3] if len(block) > 3 else None
        px = [box[0] * w, box[1] * h, box[2] * w, box[3] * h] if box else None
        cells.append(Cell(order=i, category=Category(category), text=text, format=_FORMAT.get(Category(category),
                          CellFormat.MARKDOWN), bbox_px=px, bbox_pt=px, font_size=font))
    return PageResult(page=n, status=status, geometry=geometry(size), cells=cells)


def table(*rows, header: bool = True) -> str:
    out = []
    for i, row in enumerate(rows):
        tag = "th" if header and i == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in row) + "</tr>")
    return "<table>" + "".join(out) + "</table>"
