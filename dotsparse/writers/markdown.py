"""Markdown: every page in order, a page marker between pages, furniture optional."""

from __future__ import annotations

from typing import IO

from ..model import FURNITURE, Category, Cell, CellFormat, PageResult
from ..parse.html import clean_inline_html


def cell_markdown(cell: Cell) -> str:
    text = cell.text.strip()
    if cell.category is Category.PICTURE:
        return f"![Picture]({cell.asset})" if cell.asset else ""
    if cell.format is CellFormat.HTML:
        return text
    if cell.format is CellFormat.LATEX:
        return f"$$\n{text}\n$$" if text else ""
    if cell.category is Category.FORMULA and cell.asset:
        return f"{text}\n\n![Formula]({cell.asset})" if text else f"![Formula]({cell.asset})"
    return clean_inline_html(text)


def page_markdown(page: PageResult, furniture: bool = True) -> str:
    if not page.status.usable:
        return f"<!-- page {page.page} {page.status.value}: {page.error or 'no answer'} -->"
    parts = [cell_markdown(c) for c in page.cells if furniture or c.category not in FURNITURE]
    return "\n\n".join(p for p in parts if p)


class MarkdownStream:
    """Writes pages one at a time to an open file, a page marker between pages."""

    def __init__(self, fh: IO[str], furniture: bool = True):
        self.fh = fh
        self.furniture = furniture
        self._first = True

    def add(self, page: PageResult) -> None:
        if not self._first:
            self.fh.write(f"\n\n<!-- page {page.page} -->\n\n")
        self._first = False
        self.fh.write(page_markdown(page, self.furniture))

    def finish(self) -> None:
        self.fh.write("\n")
