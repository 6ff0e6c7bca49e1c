"""OCR with RapidOCR's bundled PP-OCR models (no download), page orientation included.

Orientation: a low-resolution pass with the per-line angle classifier off tells which of the
four page rotations reads best (upside-down or sideways text scores low without it). The page
is then read upright, so reading order and layout work as for any upright page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ...errors import EngineUnavailable
from .regions import Word

_engine = None  # one per worker process: loading the models costs ~0.5 s


def _rapidocr():
    global _engine
    if _engine is None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - core dependency
            raise EngineUnavailable("RapidOCR is not installed", hint="pip install rapidocr onnxruntime") from exc
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        _engine = RapidOCR(params={"Global.log_level": "critical"})
    return _engine


@dataclass(frozen=True)
class OcrLine:
    bbox: tuple[float, float, float, float]  # pixels of the image it was read from
    text: str
    score: float


def read(image: np.ndarray, use_cls: bool = True) -> list[OcrLine]:
    out = _rapidocr()(image, use_cls=use_cls)
    if out.boxes is None or out.txts is None:
        return []
    lines = []
    for poly, text, score in zip(out.boxes, out.txts, out.scores):
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        if text.strip():
            lines.append(OcrLine((float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))), text.strip(), float(score)))
    return lines


def best_rotation(small: np.ndarray) -> int:
    """Clockwise quarter turns (0-3) that make the page upright, judged on a small rendering."""
    def quality(turns: int) -> float:
        lines = read(np.ascontiguousarray(np.rot90(small, -turns)), use_cls=False)
        return sum(ln.score * len(ln.text) for ln in lines if ln.score > 0.5)

    upright = read(small, use_cls=False)
    tall = sum(1 for ln in upright if (ln.bbox[3] - ln.bbox[1]) > 1.5 * (ln.bbox[2] - ln.bbox[0]))
    wide = sum(1 for ln in upright if (ln.bbox[2] - ln.bbox[0]) > 1.5 * (ln.bbox[3] - ln.bbox[1]))
    candidates = (1, 3) if tall > wide else (0, 2)
    scores = {t: quality(t) for t in candidates}
    return max(scores, key=lambda t: scores[t])


def lines_to_words(lines: list[OcrLine], scale: float) -> list[Word]:
    """Words with boxes estimated from character positions; `scale` maps image pixels to points."""
    words = []
    for i, ln in enumerate(lines):
        x0, y0, x1, y1 = (v * scale for v in ln.bbox)
        per_char = (x1 - x0) / max(1, len(ln.text))
        pos = 0
        for j, token in enumerate(ln.text.split(" ")):
            if token:
                words.append(Word((x0 + pos * per_char, y0, x0 + (pos + len(token)) * per_char, y1), token, (10_000 + i, 0)))
            pos += len(token) + 1
    return words
