"""Markdown: every page in order, each introduced by its page marker, furniture optional.

Cell text is already safe Markdown (parse.safe_markdown) or sanitized one-line table HTML
(parse.html); what this writer adds itself — LaTeX blocks and comments — it escapes for Markdown here.
"""

from __future__ import annotations

import re
from typing import IO, Optional

from ..document.plan import DocumentPlan
from ..model import FURNITURE, Category, Cell, CellFormat, Mode, PageResult
from ..parse.latex import has_math_delimiters
from .pictures import picture_markdown

_BLANK_LINES = re.compile(r"\n[ \t]*(?=\n)")
_LINK_OR_DEFINITION = re.compile(r"\](?=[(:])")
# A line starting like a Markdown block (fence, heading, list, quote, rule, link definition) would end the
# math paragraph; `{}` in front is nothing to LaTeX and makes it a plain continuation line.
# `{` too: a last line `{onclick=...}` is an attribute list to Python-Markdown's attr_list ("extra").
_BLOCK_START = re.compile(r"^([ \t]*)(?=[`~#>*+=|\[{-]|\d+[.)])", re.MULTILINE)
# attr_list also reads `{...=...}` right after emphasis (`*b*{onclick=x}`, `_b_{style=...}`): a space
# before such a `{` is nothing to LaTeX (`\sum_ {i=1}`) and ends the attribute list's chance.
_AFTER_EMPHASIS = re.compile(r"[*_]\{")
_GROUP_STOP = re.compile(r"[}\n=]")
_ID_OR_CLASS = re.compile(r":|[ \t]*[#.]")  # `{: ...}`, `{#id}`, `{.class}`; bare names are inert (name="name")
_ENTITY_LIKE = re.compile(r"&(?=#?[a-zA-Z0-9]+;)")

# Modes whose cells have boxes but no text: their Markdown lists the blocks instead.
BLOCK_LIST_MODES = (Mode.DETECT, Mode.ORDER)


def cell_markdown(cell: Cell) -> str:
    text = cell.text.strip()
    if cell.category is Category.PICTURE:
        return picture_markdown(cell)
    if cell.level and cell.category in (Category.TITLE, Category.SECTION_HEADER):
        body = text.lstrip("#").strip()  # already safe Markdown (parse.safe_markdown)
        return "#" * cell.level + " " + body if body else ""
    if cell.format is CellFormat.HTML:
        return text
    if cell.format is CellFormat.LATEX:
        if not text:
            return ""
        latex = latex_for_markdown(text)
        return latex if has_math_delimiters(text) else f"$$\n{latex}\n$$"
    if cell.category is Category.FORMULA and cell.asset:
        return f"{text}\n\n![Formula]({cell.asset})" if text else f"![Formula]({cell.asset})"
    return text


def latex_for_markdown(latex: str) -> str:
    """LaTeX that means the same to MathJax/KaTeX and holds nothing a Markdown renderer turns into markup:
    `<` as `\\lt` (no HTML can start), no blank line and no line that starts a Markdown block (the math
    paragraph cannot end early), `](`, `]:` and an entity-like `&amp;` split by an empty group `{}` (no
    link, image, link definition or character reference)."""
    latex = _ENTITY_LIKE.sub("&{}", latex.replace("<", "\\lt "))
    latex = _BLANK_LINES.sub("", latex.replace("\r\n", "\n").replace("\r", "\n"))
    latex = _LINK_OR_DEFINITION.sub("]{}", latex)
    return _BLOCK_START.sub(r"\1{}", _space_attribute_groups(latex))


def _space_attribute_groups(latex: str) -> str:
    """` {` for each `{` after `*`/`_` whose group sets a value, an id or a class (linear:
    the next stop character is looked up once per stretch, not once per brace)."""
    out: list[str] = []
    last, stop, stop_ch = 0, -1, ""
    for m in _AFTER_EMPHASIS.finditer(latex):
        brace = m.end() - 1
        if stop < brace:
            found = _GROUP_STOP.search(latex, brace + 1)
            stop, stop_ch = (found.start(), found.group()) if found else (len(latex), "")
        if stop_ch == "=" or (stop_ch == "}" and _ID_OR_CLASS.match(latex, brace + 1)):
            out.append(latex[last:brace] + " ")
            last = brace
    return "".join(out) + latex[last:]


def comment(text: str) -> str:
    """`<!-- text -->` that nothing in `text` (an error message, a file name) can end or break out of."""
    body = " ".join(text.split())
    while "--" in body:
        body = body.replace("--", "- -")
    body = body.replace("<", "&lt;").replace(">", "&gt;")
    return f"<!-- {body} -->"


def block_table(cells: list[Cell]) -> str:
    """The blocks as a table: `order`, category, box in page pixels, and the crop where there is one."""
    rows = ["| order | category | box (page px) | crop |", "|---:|---|---|---|"]
    for cell in cells:
        box = ", ".join(f"{v:.0f}" for v in cell.bbox_px) if cell.bbox_px else "(no box)"
        crop = f"![{cell.category.value}]({cell.asset})" if cell.asset else ""
        rows.append(f"| {cell.order} | {cell.category.value} | {box} | {crop} |")
    return "\n".join(rows) if cells else ""


def page_markdown(page: PageResult, furniture: bool = True, mode: Mode = Mode.LAYOUT,
                  plan: Optional[DocumentPlan] = None) -> str:
    if not page.status.usable:
        return comment(f"page {page.page} {page.status.value}: {page.error or 'no answer'}")
    cells = [c for c in page.cells if furniture or c.category not in FURNITURE]
    if mode in BLOCK_LIST_MODES:
        return block_table(cells)
    parts = [_planned(page, c, plan) for c in cells]
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
    return comment(f"table continued from page {first.page}: merged into it")


class MarkdownStream:
    """Writes pages one at a time to an open file; every page, the first too, starts with `<!-- page N -->`."""

    def __init__(self, fh: IO[str], furniture: bool = True, mode: Mode = Mode.LAYOUT,
                 plan: Optional[DocumentPlan] = None):
        self.fh = fh
        self.furniture = furniture
        self.mode = mode
        self.plan = plan
        self._first = True

    def add(self, page: PageResult) -> None:
        self.fh.write(("" if self._first else "\n\n") + f"<!-- page {page.page} -->\n\n")
        self._first = False
        self.fh.write(page_markdown(page, self.furniture, self.mode, self.plan))

    def finish(self) -> None:
        self.fh.write("\n")
