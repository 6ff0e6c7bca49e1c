"""An invisible text layer over a scan (Acrobat, ABBYY, ocrmypdf): is it the page's text?

The layer is trusted when it agrees with the page image: the lines OCR's detector finds on a
low-resolution rendering are covered by the layer's words, and the layer's words lie on those
lines. A layer that misses text, or sits where nothing is printed, is not used; the page is OCR'd.
"""

from __future__ import annotations

import numpy as np
import pymupdf

from .ocr import detect_lines
from .regions import Rect, Word, area, overlap

_DPI = 100
_COVERED = 0.3  # share of a detected line's box under layer words for the line to count as covered
_AGREE = 0.75  # share of detected lines covered, and of layer words on a detected line, to trust the layer


def layer_agrees(page: pymupdf.Page, words: list[Word]) -> bool:
    if not words:
        return False
    zoom = _DPI / 72
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)
    lines: list[Rect] = [(b[0] / zoom + page.rect.x0, b[1] / zoom + page.rect.y0,
                          b[2] / zoom + page.rect.x0, b[3] / zoom + page.rect.y0) for b in detect_lines(img)]
    if not lines:
        return False
    covered = sum(1 for ln in lines if sum(overlap(ln, w.bbox) for w in words) >= _COVERED * area(ln))
    placed = sum(1 for w in words if any(ln[0] - 2 <= w.cx <= ln[2] + 2 and ln[1] - 2 <= w.cy <= ln[3] + 2
                                         for ln in lines))
    return covered >= _AGREE * len(lines) and placed >= _AGREE * len(words)
