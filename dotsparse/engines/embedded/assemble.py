"""Regions to dots.ocr-shaped blocks: Markdown text per category, boxes in the sent image."""

from __future__ import annotations

import re
import unicodedata
from statistics import median
from typing import Callable

from ...model import CellFormat, Category, RawBlock
from .regions import Rect, Region
from .tables import table_html
from .textlayer import group_lines, join_lines, line_text

_BULLET = re.compile(r"^\s*([•◦▪▫●○■□‣⁃∙·\-–—*»>✓✔➢➤►])\s*")
_CHECKBOX = re.compile(r"^\s*([☐❑❒☑☒✅])\s*")  # a form's box: a Markdown task-list item
_NUMBERED = re.compile(r"^\s*(\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])\s+")
_MD_SPECIAL = re.compile(r"^(#{1,6}(\s|$)|[-+*](\s|$)|>|([-_*=])(\s*\4){2,}\s*$)")  # a backslash before it disarms it
_MD_ORDERED = re.compile(r"^(\d{1,9})([.)])(\s|$)")  # "2024. A year": the backslash goes before the "." (`\2` shows)
# Markup a renderer would find in a text layer's literal characters: every `\` and backtick, and `&`
# starting what reads as an entity (a printed "&amp;" stays "&amp;"); runs of `*` and `_`: see `_flanks`.
_ESCAPED = re.compile(r"[\\`]|&(?=#?\w+;)")
_RUN = re.compile(r"\*+|_+")


def region_text(region: Region) -> str:
    if region.category == Category.PICTURE:
        return ""
    if region.category == Category.TABLE:
        return table_html(region)
    if region.code:
        return _code_block(region)
    lines = [line_text(ln) for ln in group_lines(region.words)]
    if region.category == Category.FORMULA:
        return " ".join(lines)
    text = join_lines(lines)
    if region.category == Category.LIST_ITEM:
        return _list_item(text)
    text = _literal(text)
    if region.category == Category.TITLE:
        return "# " + text
    if region.category == Category.SECTION_HEADER:
        return "## " + text
    return _not_syntax(text)


def _literal(text: str) -> str:
    """The text layer's characters as Markdown that shows them: `*stars*` stays stars, not emphasis."""
    text = _ESCAPED.sub(lambda m: "\\" + m.group(0), text)
    runs = list(_RUN.finditer(text))
    armed: set[int] = set()
    for char in "*_":
        mine = [(m, _flanks(m, text)) for m in runs if m.group(0)[0] == char]
        opener = next((k for k, (_, (opens, _closes)) in enumerate(mine) if opens), None)
        if opener is not None and any(closes for _, (_opens, closes) in mine[opener + 1:]):
            armed.update(m.start() for m, (opens, closes) in mine if opens or closes)
    return _RUN.sub(lambda m: "".join("\\" + c for c in m.group(0)) if m.start() in armed else m.group(0), text)


def _flanks(run: re.Match[str], text: str) -> tuple[bool, bool]:
    """Whether a run of `*` or `_` can open and can close emphasis, by CommonMark's flanking rules.
    Emphasis needs an opener and a later closer: without both ("*ALLOBJ or *USE", a footnote's "Kim*",
    "5 * 3", a form's "Name: ______") every run stays as printed; snake_case's `_` neither opens nor closes."""
    start, end = run.start(), run.end()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    left = not after.isspace() and (not _punct(after) or before.isspace() or _punct(before))
    right = not before.isspace() and (not _punct(before) or after.isspace() or _punct(after))
    if run.group(0)[0] == "*":
        return left, right
    return left and (not right or _punct(before)), right and (not left or _punct(after))


def _punct(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _not_syntax(text: str) -> str:
    """Text that merely starts like Markdown syntax (a heading, a list, a quote, a rule) stays text."""
    ordered = _MD_ORDERED.match(text)
    if ordered:
        return ordered.group(1) + "\\" + text[ordered.end(1):]
    return "\\" + text if _MD_SPECIAL.match(text) else text


def _code_block(region: Region) -> str:
    """A fenced block keeping the listing's lines, indentation and spacing (fixed pitch: gaps count characters)."""
    words = [w for w in region.words if w.text]
    pitch = median((w.bbox[2] - w.bbox[0]) / len(w.text) for w in words) or 1.0
    left = min(w.bbox[0] for w in words)
    out: list[str] = []
    above = None
    for line in group_lines(words):
        height = max(w.bbox[3] - w.bbox[1] for w in line)
        if above is not None and line[0].bbox[1] - above > 0.8 * height:
            out.append("")  # an empty line of the listing
        text, prev = " " * round((line[0].bbox[0] - left) / pitch), None
        for w in line:
            if prev is not None:
                text += " " * max(1, round((w.bbox[0] - prev.bbox[2]) / pitch))
            text, prev = text + w.text, w
        out.append(text.rstrip())
        above = max(w.bbox[3] for w in line)
    body = "\n".join(out)
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}\n{body}\n{fence}"


def _list_item(text: str) -> str:
    if _NUMBERED.match(text):
        return _literal(text)
    box = _CHECKBOX.match(text)
    if box:
        return ("- [x] " if box.group(1) in "☑☒✅" else "- [ ] ") + _not_syntax(_literal(text[box.end():]))
    return "- " + _not_syntax(_literal(_BULLET.sub("", text, count=1)))


def block_format(category: Category, with_text: bool) -> CellFormat:
    if not with_text or category == Category.PICTURE:
        return CellFormat.NONE
    return {Category.TABLE: CellFormat.HTML, Category.FORMULA: CellFormat.TEXT}.get(category, CellFormat.MARKDOWN)


def to_blocks(regions: list[Region], to_sent: Callable[[Rect], list[int]], with_text: bool) -> list[RawBlock]:
    blocks = []
    for r in regions:
        text = region_text(r) if with_text else None
        blocks.append(RawBlock(bbox=to_sent(r.bbox), category=r.category.value,
                               text=text if text else None, format=block_format(r.category, with_text)))
    return blocks


def page_text(regions: list[Region]) -> str:
    """Plain page text as the `ocr` prompt gives it: body only, blocks separated by blank lines."""
    parts = [region_text(r) for r in regions if r.category not in (Category.PAGE_HEADER, Category.PAGE_FOOTER)]
    return "\n\n".join(p for p in parts if p)
