"""Text drawn as vector outlines (no text layer: logos, headings and slides exported "as curves").

Glyph outlines are small filled paths of curves and lines, set side by side in rows. Rows of at
least a few such paths, with no text-layer word on them, are rendered and read by OCR; the words
read are marked as drawn, so they stay text even where the layout model calls the area a picture.
"""

from __future__ import annotations

import numpy as np
import pymupdf

from .ocr import lines_to_words, read_all
from .regions import Rect, Word, has_centre, union

_MAX_GLYPH = 72.0  # points: taller filled paths are shapes, not letters
_MIN_GLYPH = 3.0
_MIN_GLYPHS = 4  # paths in a row for it to be a word or more
_DPI = 300  # outline text is often small; the clip is small, so this costs little
_MAX_BOXES = 12  # rows of outlines OCR'd per page at most
_MIN_SCORE = 0.75  # stricter than for scans: shapes in a row (an illustration) must not become words


def outline_rows(drawings: list[dict], words: list[Word]) -> list[Rect]:
    glyphs = []
    for d in drawings:
        items = d.get("items", ())
        rect = tuple(d["rect"])
        h, w = rect[3] - rect[1], rect[2] - rect[0]
        if "f" not in d.get("type", "") or len(items) < 3 or not _MIN_GLYPH <= h <= _MAX_GLYPH or w > 2.5 * h:
            continue
        if any(has_centre(rect, wd) for wd in words):
            continue
        glyphs.append(rect)
    rows: list[list[Rect]] = []
    for g in sorted(glyphs, key=lambda r: r[0]):
        for row in rows:
            box = union(row)
            h = max(box[3] - box[1], g[3] - g[1])
            v = min(box[3], g[3]) - max(box[1], g[1])
            if v > 0.5 * min(box[3] - box[1], g[3] - g[1]) and -0.2 * h < g[0] - box[2] < 1.2 * h:
                row.append(g)
                break
        else:
            rows.append([g])
    boxes = _merge([union(r) for r in rows if len(r) >= _MIN_GLYPHS])
    return sorted(boxes, key=lambda b: -(b[2] - b[0]))[:_MAX_BOXES]


def _merge(boxes: list[Rect]) -> list[Rect]:
    """Boxes that overlap are one row (letters with and without descenders, accents)."""
    out: list[Rect] = []
    for b in boxes:
        while True:
            hit = next((o for o in out if min(o[2], b[2]) > max(o[0], b[0]) and min(o[3], b[3]) > max(o[1], b[1])), None)
            if hit is None:
                break
            out.remove(hit)
            b = union([hit, b])
        out.append(b)
    return out


def outline_words(page: pymupdf.Page, drawings: list[dict], words: list[Word]) -> list[Word]:
    out: list[Word] = []
    zoom = _DPI / 72
    for i, box in enumerate(outline_rows(drawings, words)):
        pad = 0.3 * (box[3] - box[1])
        clip = pymupdf.Rect(box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad) & page.rect
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=clip, colorspace=pymupdf.csRGB, alpha=False)
        img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)
        lines = [ln for ln in read_all(img) if ln.score >= _MIN_SCORE]
        for w in lines_to_words(lines, 1 / zoom):
            b = w.bbox
            out.append(Word((b[0] + clip.x0, b[1] + clip.y0, b[2] + clip.x0, b[3] + clip.y0), w.text,
                            (30_000 + i, w.line[0]), drawn=True))
    return out
