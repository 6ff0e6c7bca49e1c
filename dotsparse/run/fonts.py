"""Font sizes of heading cells from the PDF's text layer: evidence for document-wide heading levels."""

from __future__ import annotations

from collections import Counter
from typing import Optional

import pymupdf

from ..model import Category, PageResult

HEADINGS = (Category.TITLE, Category.SECTION_HEADER)
SLACK_PT = 2.0  # a span counts when its centre lies within the cell's box grown by this much


def wants_fonts(result: PageResult) -> bool:
    return result.status.usable and any(c.category in HEADINGS and c.bbox_pt for c in result.cells)


def with_heading_fonts(result: PageResult, page: Optional[pymupdf.Page]) -> PageResult:
    """`result` with `font_size` on heading cells the text layer covers; scans and rotated pages unchanged."""
    if page is None or page.rotation:  # cell boxes are in the rendered page's frame; text is unrotated
        return result
    x0, y0 = page.rect.x0, page.rect.y0
    boxes = [c.bbox_pt for c in result.cells if c.category in HEADINGS and c.bbox_pt]
    clip = pymupdf.Rect(min(b[0] for b in boxes) + x0 - SLACK_PT, min(b[1] for b in boxes) + y0 - SLACK_PT,
                        max(b[2] for b in boxes) + x0 + SLACK_PT, max(b[3] for b in boxes) + y0 + SLACK_PT)
    # flags=0: no images, no ligature or whitespace work — ~8x cheaper than the default, on the render thread
    spans = [(s["bbox"], s["size"], len(s["text"].strip())) for b in page.get_text("dict", flags=0, clip=clip)["blocks"]
             for line in b.get("lines", ()) for s in line.get("spans", ()) if s["text"].strip()]
    if not spans:
        return result
    cells = []
    for cell in result.cells:
        size = _size_in(cell.bbox_pt, spans, x0, y0) if cell.category in HEADINGS and cell.bbox_pt else None
        cells.append(cell.model_copy(update={"font_size": size}) if size else cell)
    return result.model_copy(update={"cells": cells})


def _size_in(box: list[float], spans, x0: float, y0: float) -> Optional[float]:
    """The font size most characters inside `box` are set in."""
    sizes: Counter = Counter()
    for (sx1, sy1, sx2, sy2), size, chars in spans:
        cx, cy = (sx1 + sx2) / 2 - x0, (sy1 + sy2) / 2 - y0
        if box[0] - SLACK_PT <= cx <= box[2] + SLACK_PT and box[1] - SLACK_PT <= cy <= box[3] + SLACK_PT:
            sizes[round(size, 1)] += chars
    return sizes.most_common(1)[0][0] if sizes else None
