"""`Document.to_docling()`: the same content as a docling-core DoclingDocument (extra `docling`).

Cells map to docling items in reading order with their provenance (page, box in PDF points, top-left
origin); page headers and footers go to docling's furniture layer; HTML tables become TableData with
their spans; failed pages appear as pages with no items. A caption linked to its Picture or Table
(`caption_of`) becomes that item's caption, as docling's converters add it: a caption child referenced
from `captions`, so docling's exporters print it once, with the item. Docling links captions within a
page only (its page-wise exports pick items by their own page): a link to another page's item is left a
plain caption where it was read. A Picture whose crop the Document holds (`Document.images`) carries it
as a `data:` image, as docling's `generate_picture_images` gives it. Docling's exporters and chunkers
then apply.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from ..errors import UsageError
from ..model import FURNITURE, Category, Cell, CellFormat, PageResult

if TYPE_CHECKING:
    from docling_core.types.doc import DoclingDocument, ImageRef, TableData

    from .document import Document


_MARKER = re.compile(r"^([-*•·‣◦▪–]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxlc]{1,5}[.)])\s+")


def to_docling(doc: "Document") -> "DoclingDocument":
    try:
        from docling_core.types.doc import DoclingDocument, Size
    except ImportError:
        raise UsageError("to_docling() needs docling-core", hint="pip install 'dotsparse[docling]'") from None
    from pathlib import PurePath

    out = DoclingDocument(name=PurePath(doc.document.source).stem or "document")
    lists = _Lists()
    for page in doc.pages:
        g = page.geometry
        out.add_page(page_no=page.page, size=Size(width=g.width_pt if g else 0.0, height=g.height_pt if g else 0.0))
        if not page.status.usable:
            continue
        captions = _captions_by_target(page)
        linked = {c.order for found in captions.values() for c in found}
        for cell in page.cells:
            if cell.category is Category.CAPTION and cell.order in linked:  # added with its Picture or Table
                continue
            if cell.category is Category.LIST_ITEM:
                lists.add(out, page.page, cell)
                continue
            if cell.category not in FURNITURE:  # a header between two pages' items does not end a list
                lists.end()
            item = _add_cell(out, page.page, cell, _image_ref(doc.images, cell, doc.document.dpi))
            for caption in captions.get(cell.order, []):
                _add_caption(out, page.page, caption, item)
    return out


def _captions_by_target(page: PageResult) -> dict[int, list[Cell]]:
    """Picture/Table order -> the captions linked to it on this page, in reading order."""
    targets = {c.order: c.category for c in page.cells if c.category in (Category.PICTURE, Category.TABLE)}
    found: dict[int, list[Cell]] = {}
    for cell in page.cells:
        link = cell.caption_of
        if (cell.category is Category.CAPTION and link is not None and link.page == page.page
                and targets.get(link.order) is link.category):
            found.setdefault(link.order, []).append(cell)
    return found


def _add_caption(out: "DoclingDocument", page_no: int, cell: Cell, item: Any) -> None:
    """As docling's converters do: the caption is a child of its item, and the item refers to it."""
    from docling_core.types.doc import DocItemLabel

    caption = out.add_text(label=DocItemLabel.CAPTION, text=cell.plain.strip(), orig=cell.text.strip(),
                           prov=_provenance(page_no, cell), parent=item)
    item.captions.append(caption.get_ref())


class _Lists:
    """Consecutive list items share one docling list group, as docling's own converters build them."""

    def __init__(self) -> None:
        self.group: Any = None

    def end(self) -> None:
        self.group = None

    def add(self, out: "DoclingDocument", page_no: int, cell: Cell) -> None:
        text = cell.text.strip()
        found = _MARKER.match(text)
        marker = found.group(1) if found else None
        enumerated = bool(marker and marker[-1] in ".)")
        plain = cell.plain.strip()  # a reader's text: Markdown bullets gone, other markers and numbers kept
        own = _MARKER.match(plain)
        plain = plain[own.end():].strip() if own else plain
        if self.group is None:
            if hasattr(out, "add_list_group"):
                self.group = out.add_list_group()
            else:  # docling-core before list groups had their own method
                from docling_core.types.doc import GroupLabel

                self.group = out.add_group(label=GroupLabel.ORDERED_LIST if enumerated else GroupLabel.LIST)
        out.add_list_item(text=plain, enumerated=enumerated, marker=marker, orig=text,
                          prov=_provenance(page_no, cell), parent=self.group)


def _heading_level(cell: Cell, text: str) -> int:
    """docling's section levels start under its title (level 1 is `##`); ours count the title as 1."""
    ours = cell.level or (len(text) - len(text.lstrip("#"))) or 2
    return max(1, ours - 1)


def _image_ref(images: Mapping[str, bytes], cell: Cell, dpi: float) -> Optional["ImageRef"]:
    """A Picture's PNG crop as docling holds picture images: a `data:` URI with its size in pixels."""
    png = images.get(cell.asset) if cell.category is Category.PICTURE and cell.asset else None
    if png is None or not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) < 24:
        return None  # no crop, or an SVG redrawing: docling's picture images are raster
    from docling_core.types.doc import ImageRef, Size

    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    return ImageRef(mimetype="image/png", dpi=round(dpi), size=Size(width=width, height=height),
                    uri=f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}")


def _add_cell(out: "DoclingDocument", page_no: int, cell: Cell, image: Optional["ImageRef"] = None) -> Any:
    """The docling item for `cell`, added to `out`."""
    from docling_core.types.doc import ContentLayer, DocItemLabel

    prov = _provenance(page_no, cell)
    # docling's text is plain (its exporters escape it for Markdown); ours, the safe Markdown, is its orig
    text, plain = cell.text.strip(), cell.plain.strip()
    layer = ContentLayer.FURNITURE if cell.category in FURNITURE else None
    category = cell.category
    if category is Category.TITLE:
        return out.add_title(text=plain, orig=text, prov=prov)
    if category is Category.SECTION_HEADER:
        return out.add_heading(text=plain, orig=text, level=_heading_level(cell, text), prov=prov)
    if category is Category.TABLE:
        return out.add_table(data=_table_data(text if cell.format is CellFormat.HTML else ""), prov=prov)
    if category is Category.PICTURE:
        return out.add_picture(prov=prov, image=image)
    if category is Category.FORMULA:  # docling's exporters add the $$ themselves
        return out.add_formula(text=_bare_math(plain), orig=text, prov=prov)
    label = {Category.CAPTION: DocItemLabel.CAPTION, Category.FOOTNOTE: DocItemLabel.FOOTNOTE,
             Category.PAGE_HEADER: DocItemLabel.PAGE_HEADER, Category.PAGE_FOOTER: DocItemLabel.PAGE_FOOTER
             }.get(category, DocItemLabel.TEXT)
    return out.add_text(label=label, text=plain, orig=text, prov=prov, content_layer=layer)


def _bare_math(text: str) -> str:
    """`$$x$$` or `\\[x\\]` as one display formula → `x`; anything else as it is."""
    for opening, closing in (("$$", "$$"), ("\\[", "\\]")):
        inner = text[len(opening):-len(closing)]
        if len(text) >= 4 and text.startswith(opening) and text.endswith(closing) and opening not in inner:
            return inner.strip()
    return text


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
