"""Per-cell files: standalone sanitized table HTML, formula `.tex`, picture crops (PNG)."""

from __future__ import annotations

import html
from pathlib import Path

from PIL import Image

from ..fileio import atomic_write_bytes, atomic_write_text
from ..model import Cell
from ..png import png_bytes

_TABLE_PAGE = """<!DOCTYPE html>
<html lang="und">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:2px 6px;vertical-align:top}}</style>
</head>
<body>
{table}
</body>
</html>
"""


def asset_name(page: int, cell: Cell, suffix: str) -> str:
    return f"p{page:04d}-{cell.order:03d}-{cell.category.value.lower()}{suffix}"


def write_table_html(path: Path, title: str, safe_table_html: str) -> None:
    """`safe_table_html` must already be sanitized (parse.html.clean_table_html)."""
    atomic_write_text(path, _TABLE_PAGE.format(title=html.escape(title), table=safe_table_html))


def write_formula_tex(path: Path, latex: str) -> None:
    atomic_write_text(path, latex.strip() + "\n")


def write_png(path: Path, image: Image.Image) -> None:
    atomic_write_bytes(path, png_bytes(image))


def svg_document(safe_svg: str) -> str:
    """`safe_svg` must already be sanitized (parse.svg.sanitize_svg)."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + safe_svg + "\n"


def write_svg(path: Path, safe_svg: str) -> None:
    atomic_write_text(path, svg_document(safe_svg))
