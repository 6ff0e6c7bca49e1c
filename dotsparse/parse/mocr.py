"""dots.mocr's own answers: `--mode svg` (one SVG for the image) and `--mode scene` (spotted text).

`--mode web` answers with layout elements like a document page and goes through the layout parser.
"""

from __future__ import annotations

from typing import Optional

from ..model import Box, Category, Cell, CellFormat, Mode, PageGeometry, PageStatus, RawBlock, Repair
from .cells import build_cells
from .repair import recover_elements
from .svg import sanitize_svg


def mocr_answer(text: Optional[str], blocks: Optional[list[RawBlock]], geometry: PageGeometry, mode: Mode):
    from .answer import Interpretation, _plain_text

    out = Interpretation()
    if mode is Mode.SVG:
        svg = sanitize_svg(text or "")
        if svg is None:
            out.status = PageStatus.FAILED
            out.error = "the answer is empty" if not (text or "").strip() else "the answer holds no <svg>"
            return out
        if svg != (text or "").strip():
            out.repairs.append(Repair(kind="svg_sanitized", detail="kept the allowed SVG elements and attributes"))
        whole = Box(x1=0, y1=0, x2=geometry.width_px, y2=geometry.height_px)
        out.cells = [Cell(order=0, category=Category.PICTURE, text=svg, format=CellFormat.SVG,
                          bbox_px=whole.as_list(), bbox_pt=geometry.px_to_pt(whole).as_list())]
        return out
    # scene text: a JSON list of boxes with text when the model gives one, else plain text
    recovered = recover_elements(text or "") if blocks is None and (text or "").lstrip().startswith("[") else None
    if recovered is not None and recovered.parsed and recovered.elements:
        raw = [RawBlock(bbox=e.get("bbox") if isinstance(e.get("bbox"), list) else None,
                        category=e.get("category") if isinstance(e.get("category"), str) else "Text",
                        text=e.get("text") if isinstance(e.get("text"), str) else None)
               for e in recovered.elements if isinstance(e, dict)]
        out.cells, notes = build_cells(raw, geometry)
        out.repairs.extend(recovered.repairs + notes)
        return out
    return _plain_text(text, blocks, geometry, None)
