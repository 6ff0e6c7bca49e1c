"""Pages read by OCR: render, turn upright, OCR, then lay out on an upright scratch page.

The layout model works from a page's text lines, so the OCR lines are written onto a scratch
PDF page over the upright image; regions found there are mapped back into the original page's
coordinate space, while their text (already in reading order) is taken in the upright space.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pymupdf

from .furniture import mark_furniture
from .layout import detect_regions
from .ocr import _MIN_SCORE, OcrLine, lines_to_words, read_upright
from .reading_order import order_regions
from .regions import Rect, Region, Word

_DPI = 200  # at least: a scan of lower resolution is read from a 200-dpi rendering
_MAX_PIXELS = 9_000_000  # cap: beyond it (A4 at ~360 dpi) OCR gains nothing and detection time grows
_ORIENT_DPI = 60
_LAYOUT_DPI = 100  # of the image under the OCR words on the page the layout model reads
_LOW_CONFIDENCE = 0.75  # mean recognition score of a page's lines below which its text is suspect
_UNREAD_SHARE = 0.4  # share of detected lines read below RapidOCR's threshold: a script it does not read
_LOST_LINES = 2  # lines of text lost that make part of a page unread (one short one may be a stamp or a smudge)
_LOST_SHARE = 0.05  # ... and their share of the page's detected lines
_LONG = 8  # width over height of a detection that is a line of text (checkbox rows and signatures are 4-8)
_SPARSE = 0.25  # characters per unit of height below which a line's read is too short to be its text (text: > 1.3)
_SURE_READ = 0.9  # a sparse read this confident is the line's text (a title in spaced capitals)
OCR_MODEL = "RapidOCR PP-OCRv6 (Chinese and English)"


@dataclass
class ScannedPage:
    regions: list[Region]  # bbox in the original page space; words inside stay upright (text is assembled from them)
    words: list[Word]  # original page space
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail): why the text may be wrong


def _render(page: pymupdf.Page, dpi: float) -> np.ndarray:
    # A zoom matrix, not dpi=: PyMuPDF stores dpi= as the pixmap's integer resolution and raises on a float.
    pix = page.get_pixmap(matrix=pymupdf.Matrix(dpi / 72, dpi / 72), colorspace=pymupdf.csRGB, alpha=False)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)


def native_dpi(page: pymupdf.Page) -> float:
    """Resolution of the largest image on the page (a scan's own), 0 when there is none."""
    best, dpi = 0.0, 0.0
    for info in page.get_image_info():
        box = pymupdf.Rect(info["bbox"]) & page.rect
        if box.is_empty or not info.get("width"):
            continue
        if abs(box) > best:
            bbox = pymupdf.Rect(info["bbox"])
            best = abs(box)
            dpi = max(info["width"] / max(bbox.width, 1e-6), info["height"] / max(bbox.height, 1e-6)) * 72
    return dpi


def ocr_dpi(page: pymupdf.Page) -> float:
    """The scan's own resolution (at least 200 dpi), within the pixel cap."""
    rect = page.rect
    cap = 72 * (_MAX_PIXELS / max(1.0, rect.width * rect.height)) ** 0.5
    return min(max(_DPI, native_dpi(page)), cap)


def scan_page(page: pymupdf.Page) -> ScannedPage:
    dpi = ocr_dpi(page)
    full = _render(page, dpi)
    turns, every = read_upright(full, max(1, round(dpi / _ORIENT_DPI)))
    upright = np.ascontiguousarray(np.rot90(full, -turns))
    scale = 72 / dpi
    lines = [ln for ln in every if ln.score >= _MIN_SCORE]
    words = lines_to_words(lines, scale)
    height_px, width_px = upright.shape[:2]
    scratch = pymupdf.open()
    sp = scratch.new_page(width=width_px * scale, height=height_px * scale)
    # The layout model sees the page at 72 dpi: a lighter copy of the image does (the text layer
    # extraction inside it decodes and re-encodes whatever image the page holds).
    step = max(1, int(dpi // _LAYOUT_DPI))
    light = np.ascontiguousarray(upright[::step, ::step])
    sp.insert_image(sp.rect, pixmap=pymupdf.Pixmap(pymupdf.csRGB, light.shape[1], light.shape[0], light.tobytes(), False))
    _write_words(sp, words)
    regions = detect_regions(sp, words)
    mark_furniture(regions, tuple(sp.rect), [])
    regions = order_regions(regions)
    back = _unrotate(turns, sp.rect.width, sp.rect.height)
    for r in regions:
        r.bbox = back(r.bbox)
    return ScannedPage(regions, [Word(back(w.bbox), w.text, w.line) for w in words], judge_ocr(every, lines))


def judge_ocr(every: list[OcrLine], kept: list[OcrLine]) -> list[tuple[str, str]]:
    """Why a page's OCR text is not to be trusted, if it is not: lines the model could not read
    (a script it was not trained on: Korean, Arabic, Hebrew, Devanagari...), on the whole page or
    in part of it (an Arabic paragraph in an English letter), or low confidence."""
    if not every:
        return []
    unread = len(every) - len(kept)
    if unread >= 3 and unread > _UNREAD_SHARE * len(every):
        return [("ocr_unsupported_script", f"{unread} of {len(every)} detected text lines could not be read: "
                 f"likely a script {OCR_MODEL} does not read; the page's text is missing or wrong")]
    notes = []
    lost = [ln for ln in every if _lost(ln)]
    if (len(lost) >= _LOST_LINES and len(lost) >= _LOST_SHARE * len(every)) or any(_long(ln) for ln in lost):
        notes.append(("ocr_unread_lines", f"{len(lost)} of {len(every)} detected text lines could not be read: text "
                      f"{OCR_MODEL} does not read (another script, handwriting); it is missing or wrong on the page"))
    if kept:
        mean = sum(ln.score for ln in kept) / len(kept)
        if mean < _LOW_CONFIDENCE:
            notes.append(("ocr_low_confidence", f"mean OCR confidence {mean:.2f} over {len(kept)} lines ({OCR_MODEL}): "
                          "the text may be wrong, or in a script the model does not read"))
    return notes


def _lost(line: OcrLine) -> bool:
    """A detected line whose text did not come through: read as nothing (when it is a line, not a
    speck), read below RapidOCR's threshold (when it is long: a row of checkboxes scores low too), or
    read as a few characters with little confidence where a long line stands (Devanagari as "市市")."""
    aspect = _aspect(line)
    if not line.text:
        return aspect >= 2
    if line.score < _MIN_SCORE:
        return aspect >= _LONG
    return aspect >= _LONG and line.score < _SURE_READ and len(line.text) < _SPARSE * aspect


def _long(line: OcrLine) -> bool:
    """A long line read as nothing or as a few characters: on its own, text left unread."""
    aspect = _aspect(line)
    return aspect >= _LONG and (not line.text or len(line.text) < _SPARSE * aspect)


def _aspect(line: OcrLine) -> float:
    x0, y0, x1, y1 = line.bbox
    return (x1 - x0) / max(1e-6, y1 - y0)


def _write_words(page: pymupdf.Page, words: list[Word]) -> None:
    """The OCR words as a text layer of the scratch page (the layout model reads text lines), one write."""
    writer = pymupdf.TextWriter(page.rect)
    font = pymupdf.Font("helv")
    for w in words:
        h, width = w.bbox[3] - w.bbox[1], w.bbox[2] - w.bbox[0]
        size = max(1.0, 0.8 * h)
        length = font.text_length(w.text, fontsize=size) or 1.0
        size = max(1.0, min(h, size * width / length))  # the word's width on the image, as far as its height allows
        writer.append(pymupdf.Point(w.bbox[0], w.bbox[3] - 0.2 * h), w.text, font=font, fontsize=size)
    writer.write_text(page)


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
