"""`<doc>.md`: every page in order, a page marker between pages, furniture optional."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..fileio import atomic_open
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


def write_markdown(path: Path, pages: Iterable[PageResult], furniture: bool = True) -> None:
    with atomic_open(path) as fh:
        first = True
        for page in pages:
            if not first:
                fh.write(f"\n\n<!-- page {page.page} -->\n\n")
            first = False
            fh.write(page_markdown(page, furniture))
        fh.write("\n")
