"""Markdown: every page in order, each introduced by its page marker, furniture optional."""

from __future__ import annotations

from typing import IO

from ..model import FURNITURE, Category, Cell, CellFormat, Mode, PageResult
from ..parse.html import clean_inline_html

# Modes whose cells have boxes but no text: their Markdown lists the blocks instead.
BLOCK_LIST_MODES = (Mode.DETECT, Mode.ORDER)


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


def block_table(cells: list[Cell]) -> str:
    """The blocks as a table: `order`, category, box in page pixels, and the crop where there is one."""
    rows = ["| order | category | box (page px) | crop |", "|---:|---|---|---|"]
    for cell in cells:
        box = ", ".join(f"{v:.0f}" for v in cell.bbox_px) if cell.bbox_px else "(no box)"
        crop = f"![{cell.category.value}]({cell.asset})" if cell.asset else ""
        rows.append(f"| {cell.order} | {cell.category.value} | {box} | {crop} |")
    return "\n".join(rows) if cells else ""


def page_markdown(page: PageResult, furniture: bool = True, mode: Mode = Mode.LAYOUT) -> str:
    if not page.status.usable:
        return f"<!-- page {page.page} {page.status.value}: {page.error or 'no answer'} -->"
    cells = [c for c in page.cells if furniture or c.category not in FURNITURE]
    if mode in BLOCK_LIST_MODES:
        return block_table(cells)
    parts = [cell_markdown(c) for c in cells]
    return "\n\n".join(p for p in parts if p)


class MarkdownStream:
    """Writes pages one at a time to an open file; every page, the first too, starts with `<!-- page N -->`."""

    def __init__(self, fh: IO[str], furniture: bool = True, mode: Mode = Mode.LAYOUT):
        self.fh = fh
        self.furniture = furniture
        self.mode = mode
        self._first = True

    def add(self, page: PageResult) -> None:
        self.fh.write(("" if self._first else "\n\n") + f"<!-- page {page.page} -->\n\n")
        self._first = False
        self.fh.write(page_markdown(page, self.furniture, self.mode))

    def finish(self) -> None:
        self.fh.write("\n")
