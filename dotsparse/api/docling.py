"""`Document.to_docling()`: the same content as a docling-core DoclingDocument (extra `docling`).

Cells map to docling items in reading order with their provenance (page, box in PDF points, top-left
origin); page headers and footers go to docling's furniture layer; HTML tables become TableData with
their spans; failed pages appear as pages with no items. Docling's exporters and chunkers then apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ..errors import UsageError
from ..model import FURNITURE, Category, Cell, CellFormat

if TYPE_CHECKING:
    from docling_core.types.doc import DoclingDocument, TableData

    from .document import Document


def to_docling(doc: "Document") -> "DoclingDocument":
    try:
        from docling_core.types.doc import DoclingDocument, Size
    except ImportError:
        raise UsageError("to_docling() needs docling-core", hint="pip install 'dotsparse[docling]'") from None
    from pathlib import PurePath

    out = DoclingDocument(name=PurePath(doc.document.source).stem or "document")
    for page in doc.pages:
        g = page.geometry
        out.add_page(page_no=page.page, size=Size(width=g.width_pt if g else 0.0, height=g.height_pt if g else 0.0))
        if page.status.usable:
            for cell in page.cells:
                _add_cell(out, page.page, cell)
    return out


def _add_cell(out: "DoclingDocument", page_no: int, cell: Cell) -> None:
    from docling_core.types.doc import ContentLayer, DocItemLabel

    prov = _provenance(page_no, cell)
    text = cell.text.strip()
    layer = ContentLayer.FURNITURE if cell.category in FURNITURE else None
    category = cell.category
    if category is Category.TITLE:
        out.add_title(text=text.lstrip("#").strip(), prov=prov)
    elif category is Category.SECTION_HEADER:
        out.add_heading(text=text.lstrip("#").strip(), level=int(getattr(cell, "level", None) or 1), prov=prov)
    elif category is Category.LIST_ITEM:
        out.add_list_item(text=text.lstrip("-*• ").strip(), prov=prov)
    elif category is Category.TABLE:
        out.add_table(data=_table_data(text if cell.format is CellFormat.HTML else ""), prov=prov)
    elif category is Category.PICTURE:
        out.add_picture(prov=prov)
    elif category is Category.FORMULA:
        out.add_formula(text=text, prov=prov)
    else:
        label = {Category.CAPTION: DocItemLabel.CAPTION, Category.FOOTNOTE: DocItemLabel.FOOTNOTE,
                 Category.PAGE_HEADER: DocItemLabel.PAGE_HEADER, Category.PAGE_FOOTER: DocItemLabel.PAGE_FOOTER
                 }.get(category, DocItemLabel.TEXT)
        out.add_text(label=label, text=text, prov=prov, content_layer=layer)


def _provenance(page_no: int, cell: Cell) -> Optional[Any]:
    from docling_core.types.doc import BoundingBox, CoordOrigin, ProvenanceItem

    if cell.bbox_pt is None:
        return None
    x1, y1, x2, y2 = cell.bbox_pt
    return ProvenanceItem(page_no=page_no, bbox=BoundingBox(l=x1, t=y1, r=x2, b=y2, coord_origin=CoordOrigin.TOPLEFT),
                          charspan=(0, len(cell.text)))


def _table_data(table_html: str) -> "TableData":
    """Sanitized table HTML → docling's grid of cells, row and column spans kept."""
    from docling_core.types.doc import TableCell, TableData

    if not table_html.strip():
        return TableData(num_rows=0, num_cols=0, table_cells=[])
    import lxml.html

    taken: set[tuple[int, int]] = set()
    cells: list[TableCell] = []
    for r, row in enumerate(lxml.html.fromstring(table_html).iter("tr")):
        c = 0
        for td in row:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rows, cols = _span(td.get("rowspan")), _span(td.get("colspan"))
            taken.update((r + i, c + j) for i in range(rows) for j in range(cols))
            cells.append(TableCell(text=td.text_content().strip(), row_span=rows, col_span=cols,
                                   start_row_offset_idx=r, end_row_offset_idx=r + rows,
                                   start_col_offset_idx=c, end_col_offset_idx=c + cols,
                                   column_header=td.tag == "th"))
            c += cols
    num_rows = max((r for r, _ in taken), default=-1) + 1
    num_cols = max((c for _, c in taken), default=-1) + 1
    return TableData(num_rows=num_rows, num_cols=num_cols, table_cells=cells)


def _span(value: Optional[str]) -> int:
    try:
        return max(1, min(1000, int(value or 1)))
    except ValueError:
        return 1
