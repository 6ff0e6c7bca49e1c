"""Turn an engine's elements into validated Cells: categories, boxes, coordinates, text formats."""

from __future__ import annotations

import math
import re
from typing import Iterable, Optional

from ..model import Box, Category, Cell, CellFormat, PageGeometry, RawBlock, Repair
from .html import clean_table_html, is_table_html
from .latex import restore_inline_latex_escapes, restore_latex_escapes, strip_math_delimiters
from .safe_markdown import safe_markdown

_CATEGORY_BY_KEY = {re.sub(r"[^a-z]", "", c.value.lower()): c for c in Category}
_ALIASES = {"figure": Category.PICTURE, "image": Category.PICTURE, "header": Category.PAGE_HEADER,
            "footer": Category.PAGE_FOOTER, "equation": Category.FORMULA, "list": Category.LIST_ITEM,
            "heading": Category.SECTION_HEADER, "sectionheading": Category.SECTION_HEADER,
            "paragraph": Category.TEXT, "plaintext": Category.TEXT}
_HEADING = re.compile(r"^\s*(#{1,6})?\s*")
_DEFAULT_FORMAT = {Category.TABLE: CellFormat.HTML, Category.FORMULA: CellFormat.LATEX,
                   Category.PICTURE: CellFormat.NONE}


def parse_category(name: object) -> tuple[Category, Optional[Repair]]:
    if isinstance(name, str):
        key = re.sub(r"[^a-z]", "", name.lower())
        if key in _CATEGORY_BY_KEY:
            cat = _CATEGORY_BY_KEY[key]
            return cat, None if name == cat.value else Repair(kind="category_normalized", detail=f"{name!r}")
        if key in _ALIASES:
            return _ALIASES[key], Repair(kind="category_alias", detail=f"{name!r} -> {_ALIASES[key].value}")
    return Category.TEXT, Repair(kind="category_unknown", detail=f"{name!r} -> Text")


def parse_bbox(raw: object, width: int, height: int) -> tuple[Optional[Box], list[Repair]]:
    """Validate a box in sent-image pixels: 4 numbers, ordered corners, inside the image."""
    repairs: list[Repair] = []
    if not isinstance(raw, (list, tuple)):
        return None, [Repair(kind="bbox_missing", detail=repr(raw)[:40])]
    try:
        nums = [float(v) for v in raw]
    except (TypeError, ValueError):
        return None, [Repair(kind="bbox_not_numeric", detail=repr(raw)[:60])]
    if any(math.isnan(v) or math.isinf(v) for v in nums):
        return None, [Repair(kind="bbox_not_numeric", detail=repr(raw)[:60])]
    if len(nums) > 4:
        repairs.append(Repair(kind="bbox_extra_numbers", detail=f"{len(nums)} numbers, kept the first 4"))
        nums = nums[:4]
    elif len(nums) < 4:
        return None, [Repair(kind="bbox_too_few_numbers", detail=f"{len(nums)} numbers; box dropped, text kept")]
    x1, y1, x2, y2 = nums
    if x1 > x2 or y1 > y2:
        repairs.append(Repair(kind="bbox_inverted", detail=f"{raw}"))
        x1, x2 = sorted((x1, x2))
        y1, y2 = sorted((y1, y2))
    cx1, cy1, cx2, cy2 = (min(max(x1, 0), width), min(max(y1, 0), height),
                          min(max(x2, 0), width), min(max(y2, 0), height))
    if (cx1, cy1, cx2, cy2) != (x1, y1, x2, y2):
        repairs.append(Repair(kind="bbox_clamped", detail=f"{raw} outside {width}x{height}"))
    if cx2 - cx1 < 1 or cy2 - cy1 < 1:
        return None, repairs + [Repair(kind="bbox_empty", detail=f"{raw}; box dropped, text kept")]
    return Box(x1=cx1, y1=cy1, x2=cx2, y2=cy2), repairs


def normalize_heading(text: str, category: Category) -> str:
    """One line, one `#` run and a space: `# Title`, `## Section` (the model's own level kept)."""
    match = _HEADING.match(text)
    hashes = match.group(1) if match and match.group(1) else ("#" if category is Category.TITLE else "##")
    body = " ".join(text[match.end():].split()) if match else " ".join(text.split())
    return f"{hashes} {body}" if body else ""


def build_cells(blocks: Iterable[RawBlock], geometry: PageGeometry, *, with_text: bool = True
                ) -> tuple[list[Cell], list[Repair]]:
    cells: list[Cell] = []
    repairs: list[Repair] = []
    for block in blocks:
        category, note = parse_category(block.category)
        if note:
            repairs.append(note)
        box, box_notes = parse_bbox(block.bbox, geometry.sent_width, geometry.sent_height)
        repairs.extend(box_notes)
        text, fmt, text_notes = _cell_text(block, category, with_text)
        repairs.extend(text_notes)
        if box is None and not text:
            repairs.append(Repair(kind="cell_dropped", detail=f"{category.value} with no usable box and no text"))
            continue
        px = geometry.sent_to_px(box) if box else None
        cells.append(Cell(order=len(cells), category=category, text=text, format=fmt,
                          bbox_px=px.as_list() if px else None,
                          bbox_pt=geometry.px_to_pt(px).as_list() if px else None,
                          truncated=block.truncated))
    return cells, repairs


def _cell_text(block: RawBlock, category: Category, with_text: bool) -> tuple[str, CellFormat, list[Repair]]:
    """The cell's text, made safe here once: `<doc>.json`, `.md` and every `.html` carry this same text."""
    if not with_text or category is Category.PICTURE and not block.text:
        return "", CellFormat.NONE, []
    text = block.text if isinstance(block.text, str) else ("" if block.text is None else str(block.text))
    fmt = block.format or _DEFAULT_FORMAT.get(category, CellFormat.MARKDOWN)
    notes: list[Repair] = []
    if fmt is CellFormat.LATEX:
        text, restored = restore_latex_escapes(text)  # first: strip() would eat a decoded "\f"
        return strip_math_delimiters(text), fmt, _restored(restored)
    text, restored = restore_inline_latex_escapes(text)
    notes.extend(_restored(restored))
    if fmt is CellFormat.HTML and not is_table_html(text):
        fmt = CellFormat.MARKDOWN  # a table answered as Markdown or plain text is kept as such
        notes.append(Repair(kind="table_not_html", detail="kept as Markdown text"))
    if fmt is CellFormat.HTML:
        text, changed = clean_table_html(text)
        if changed:
            notes.append(Repair(kind="table_html_repaired"))
        return text, fmt, notes
    if category in (Category.TITLE, Category.SECTION_HEADER):
        text = normalize_heading(text, category)
    if fmt in (CellFormat.MARKDOWN, CellFormat.TEXT):
        text = safe_markdown(text)  # encoding, not a repair: the page status does not change
    return text, fmt, notes


def _restored(escapes: list[str]) -> list[Repair]:
    return [Repair(kind="latex_escape_restored", detail=", ".join(escapes))] if escapes else []
