"""Markdown: every page in order, a page marker between pages, furniture optional."""

from __future__ import annotations

from typing import IO, Optional

from ..document.plan import DocumentPlan
from ..model import FURNITURE, Category, Cell, CellFormat, PageResult
from ..parse.html import clean_inline_html
from .pictures import picture_markdown


def cell_markdown(cell: Cell) -> str:
    text = cell.text.strip()
    if cell.category is Category.PICTURE:
        return picture_markdown(cell)
    if cell.level and cell.category in (Category.TITLE, Category.SECTION_HEADER):
        body = clean_inline_html(text.lstrip("#").strip())
        return "#" * cell.level + " " + body if body else ""
    if cell.format is CellFormat.HTML:
        return text
    if cell.format is CellFormat.LATEX:
        return f"$$\n{text}\n$$" if text else ""
    if cell.category is Category.FORMULA and cell.asset:
        return f"{text}\n\n![Formula]({cell.asset})" if text else f"![Formula]({cell.asset})"
    return clean_inline_html(text)


def page_markdown(page: PageResult, furniture: bool = True, plan: Optional[DocumentPlan] = None) -> str:
    if not page.status.usable:
        return f"<!-- page {page.page} {page.status.value}: {page.error or 'no answer'} -->"
    parts = [_planned(page, c, plan) for c in page.cells if furniture or c.category not in FURNITURE]
    return "\n\n".join(p for p in parts if p)


def _planned(page: PageResult, cell: Cell, plan: Optional[DocumentPlan]) -> str:
    """A table merged across pages shows once, whole, where it starts."""
    merged = plan.table_part(page.page, cell.order) if plan is not None else None
    if merged is None:
        return cell_markdown(cell)
    index, table = merged
    if index == 0:
        return table.html
    first = table.parts[0]
    return f"<!-- table continued from page {first.page}: merged into it -->"


class MarkdownStream:
    """Writes pages one at a time to an open file, a page marker between pages."""

    def __init__(self, fh: IO[str], furniture: bool = True, plan: Optional[DocumentPlan] = None):
        self.fh = fh
        self.furniture = furniture
        self.plan = plan
        self._first = True

    def add(self, page: PageResult) -> None:
        if not self._first:
            self.fh.write(f"\n\n<!-- page {page.page} -->\n\n")
        self._first = False
        self.fh.write(page_markdown(page, self.furniture, self.plan))

    def finish(self) -> None:
        self.fh.write("\n")
