"""dots.mocr's own answers: `--mode svg` (one SVG for the image) and `--mode scene` (spotted text).

`--mode web` answers with layout elements like a document page and goes through the layout parser.
"""

from __future__ import annotations

from typing import Optional

from ..model import Box, Category, Cell, CellFormat, PageGeometry, RawBlock, Repair
from .cells import build_cells
from .repair import recover_elements
from .svg import sanitize_svg


def svg_cells(text: Optional[str], geometry: PageGeometry) -> tuple[list[Cell], list[Repair], Optional[str]]:
    """(one Picture cell holding the sanitized SVG, repairs, None) or ([], [], why there is none)."""
    svg = sanitize_svg(text or "")
    if svg is None:
        return [], [], "the answer is empty" if not (text or "").strip() else "the answer holds no <svg>"
    repairs = [] if svg == (text or "").strip() else [
        Repair(kind="svg_sanitized", detail="kept the allowed SVG elements and attributes")]
    whole = Box(x1=0, y1=0, x2=geometry.width_px, y2=geometry.height_px)
    return [Cell(order=0, category=Category.PICTURE, text=svg, format=CellFormat.SVG, bbox_px=whole.as_list(),
                 bbox_pt=geometry.px_to_pt(whole).as_list())], repairs, None


def scene_cells(text: Optional[str], geometry: PageGeometry) -> Optional[tuple[list[Cell], list[Repair]]]:
    """Text cells from a JSON list of boxes with text; None when the answer is plain text."""
    if not (text or "").lstrip().startswith("["):
        return None
    recovered = recover_elements(text or "")
    if not recovered.parsed or not recovered.elements:
        return None
    raw = [RawBlock(bbox=e.get("bbox") if isinstance(e.get("bbox"), list) else None,
                    category=e.get("category") if isinstance(e.get("category"), str) else "Text",
                    text=e.get("text") if isinstance(e.get("text"), str) else None)
           for e in recovered.elements if isinstance(e, dict)]
    cells, notes = build_cells(raw, geometry)
    return cells, recovered.repairs + notes
