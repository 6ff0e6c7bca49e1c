"""The data the viewer's script reads: a small per-document summary and one record per page.

Everything here comes from the data model (`<doc>.json`). Text meant for the DOM as HTML is sanitized in
render.py; everything else is shown with `textContent`. JSON is escaped so no `</script>` or `<!--` can
end the block it sits in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Optional

from ..model import FURNITURE, Cell, DocumentInfo, PageResult
from .render import cell_html, markdown_html, search_text, table_html

_SCRIPT_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                "\u2028": "\\u2028", "\u2029": "\\u2029"})
_ASSET = re.compile(r"^[\w][\w.\- /]*$")


def safe_json(value: object) -> str:
    """JSON that is inert inside `<script type="application/json">` and valid as a JS expression."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_UNSAFE)


def safe_asset(doc_dir: Path, asset: Optional[str]) -> Optional[str]:
    """A cell's file as a relative URL, only if it is a plain relative path to a file inside the document."""
    if not asset or not _ASSET.match(asset) or ".." in PurePosixPath(asset).parts:
        return None
    path = doc_dir / asset
    try:
        return asset if path.is_file() and path.resolve().is_relative_to(doc_dir.resolve()) else None
    except OSError:
        return None


def cell_record(cell: Cell, doc_dir: Path) -> dict:
    record: dict = {"o": cell.order, "c": cell.category.value, "f": cell.format.value, "b": cell.bbox_px,
                    "h": cell_html(cell), "s": search_text(cell)}
    if cell.category in FURNITURE:
        record["furniture"] = True
    if cell.truncated:
        record["truncated"] = True
    asset = safe_asset(doc_dir, cell.asset)
    if asset:
        record["a"] = asset
        record["img"] = asset.lower().endswith((".png", ".jpg", ".jpeg", ".webp"))
    described = _description(cell)
    if described:
        record["d"] = described
    return record


def _description(cell: Cell) -> Optional[dict]:
    """A picture's description (`--describe-pictures`), when the data model carries one."""
    found = getattr(cell, "description", None)  # a field of newer data models; older JSON has none
    if found is None:
        return None
    status = getattr(found.status, "value", str(found.status))
    text, data = getattr(found, "text", None), getattr(found, "data", None)
    return {"status": status, "h": markdown_html(text) if text else "", "data": table_html(data) if data else "",
            "error": getattr(found, "error", None)}


def page_record(page: PageResult, doc_dir: Path) -> dict:
    """Everything the page's pane shows, loaded when the page scrolls into view."""
    record: dict = {"page": page.page, "cells": [cell_record(c, doc_dir) for c in page.cells]}
    if page.raw_answer:
        record["raw"] = page.raw_answer[:20000]
    return record


def page_summary(page: PageResult, image: Optional[str], data: str, image_note: Optional[str]) -> dict:
    """What the document page needs up front for every page: size, status, badges, where its files are."""
    g = page.geometry
    summary: dict = {"page": page.page, "status": page.status.value, "cells": len(page.cells),
                     "w": g.width_px if g else None, "h": g.height_px if g else None, "data": data}
    if image:
        summary["image"] = image
    if image_note:
        summary["image_note"] = image_note
    if page.error:
        summary["error"] = page.error
    if page.repairs:
        summary["repairs"] = [[r.kind, r.detail] for r in page.repairs]
    if page.fallbacks:
        summary["fallbacks"] = list(page.fallbacks)
    if any(c.truncated for c in page.cells):
        summary["truncated_cells"] = sum(c.truncated for c in page.cells)
    return summary


def document_summary(name: str, info: DocumentInfo, pages: list[dict], assets: str, index: Optional[str]) -> dict:
    return {"name": name, "source": info.source, "engine": info.engine, "model": info.model,
            "mode": info.mode.value, "dpi": info.dpi, "page_count": info.page_count, "error": info.error,
            "version": info.dotsparse_version, "assets": assets, "index": index, "pages": pages}
