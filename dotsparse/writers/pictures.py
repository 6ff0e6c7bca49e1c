"""A Picture in Markdown: the crop (or SVG), its description as alt text and under it, a chart's data."""

from __future__ import annotations

import re

from ..model import Cell, DescriptionStatus
from ..parse.html import clean_table_html
from ..parse.safe_markdown import safe_markdown

ALT_MAX = 300
_ALT_SPECIAL = re.compile(r"([\\`*_\[\]<>!])")


def alt_text(text: str) -> str:
    """One line, Markdown's own punctuation backslash-escaped, so a description cannot close `![...]`."""
    line = " ".join(text.split())
    if len(line) > ALT_MAX:
        line = line[:ALT_MAX - 1].rstrip() + "…"
    return _ALT_SPECIAL.sub(r"\\\1", line)


def picture_markdown(cell: Cell) -> str:
    described = cell.description if cell.description and cell.description.status is DescriptionStatus.OK else None
    if not cell.asset:
        return ""
    alt = alt_text(described.text) if described and described.text else "Picture"
    parts = [f"![{alt}]({cell.asset})"]
    if described and described.text:
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in
                           safe_markdown(described.text.strip()).splitlines())
        parts.append(quoted)
    if described and described.data:
        parts.append(clean_table_html(described.data)[0])
    return "\n\n".join(p for p in parts if p)
