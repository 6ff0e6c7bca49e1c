"""Pages read by OCR: render, turn upright, OCR, then lay out on an upright scratch page.

The layout model works from a page's text lines, so the OCR lines are written onto a scratch
PDF page over the upright image; regions found there are mapped back into the original page's
coordinate space, while their text (already in reading order) is taken in the upright space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymupdf

from .furniture import mark_furniture
from .layout import detect_regions
from .ocr import best_rotation, lines_to_words, read
from .reading_order import order_regions
from .regions import Rect, Region, Word

_DPI = 200
_MAX_PIXELS = 12_000_000  # cap for huge pages: beyond this OCR gains nothing and memory grows
_ORIENT_DPI = 60


@dataclass
class ScannedPage:
    regions: list[Region]  # bbox in the original page space; words inside stay upright (text is assembled from them)
    words: list[Word]  # original page space


def _render(page: pymupdf.Page, dpi: float) -> np.ndarray:
    # A zoom matrix, not dpi=: PyMuPDF stores dpi= as the pixmap's integer resolution and raises on a float.
    pix = page.get_pixmap(matrix=pymupdf.Matrix(dpi / 72, dpi / 72), colorspace=pymupdf.csRGB, alpha=False)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)


def scan_page(page: pymupdf.Page) -> ScannedPage:
    rect = page.rect
    dpi = min(_DPI, 72 * (_MAX_PIXELS / max(1.0, rect.width * rect.height)) ** 0.5)
    turns = best_rotation(_render(page, min(dpi, _ORIENT_DPI)))
    upright = np.ascontiguousarray(np.rot90(_render(page, dpi), -turns))
    scale = 72 / dpi
    words = lines_to_words(read(upright), scale)
    height_px, width_px = upright.shape[:2]
    scratch = pymupdf.open()
    sp = scratch.new_page(width=width_px * scale, height=height_px * scale)
    sp.insert_image(sp.rect, pixmap=pymupdf.Pixmap(pymupdf.csRGB, width_px, height_px, upright.tobytes(), False))
    _write_words(sp, words)
    regions = detect_regions(sp, words)
    mark_furniture(regions, tuple(sp.rect), [])
    regions = order_regions(regions)
    back = _unrotate(turns, sp.rect.width, sp.rect.height)
    for r in regions:
        r.bbox = back(r.bbox)
    return ScannedPage(regions, [Word(back(w.bbox), w.text, w.line) for w in words])


def _write_words(page: pymupdf.Page, words: list[Word]) -> None:
    for w in words:
        h = w.bbox[3] - w.bbox[1]
        size = max(1.0, 0.8 * h)
        length = pymupdf.get_text_length(w.text, fontname="helv", fontsize=size) or 1.0
        origin = pymupdf.Point(w.bbox[0], w.bbox[3] - 0.2 * h)
        stretch = pymupdf.Matrix((w.bbox[2] - w.bbox[0]) / length, 1)
        page.insert_text(origin, w.text, fontsize=size, fontname="helv", morph=(origin, stretch))


def _unrotate(turns: int, width: float, height: float):
    """Map a box from the upright image (width x height) back to the page it was turned from."""
    def point(u: float, v: float) -> tuple[float, float]:
        if turns == 1:  # upright = page turned clockwise
            return v, width - u
        if turns == 2:
            return width - u, height - v
        if turns == 3:
            return height - v, u
        return u, v

    def box(b: Rect) -> Rect:
        (ax, ay), (bx, by) = point(b[0], b[1]), point(b[2], b[3])
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    return box
