"""OCR with RapidOCR's bundled PP-OCR models (no download), page orientation included.

Orientation: the page is read as it is, and most pages are upright, so that read is usually the
answer: its widest lines reading with high confidence settle it at no extra cost. Otherwise the
widest lines are read upside down too; lines mostly running up or down (a sideways page) are
probed on a low-resolution pass. A turned page is read again upright, so reading order and
layout work as for any upright page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
        # Detection on at most 1280 px a side (it finds lines as well as on the full scan, at a third of
        # the cost); lines are still cut from the full-resolution image for recognition. Lines are
        # recognised one at a time: a batch is padded to its widest line, and on CPU batching saves
        # nothing to pay for that padding (7% less CPU on real pages, the same text).
        _engine = RapidOCR(params={"Global.log_level": "critical", "Det.limit_type": "max",
                                   "Det.limit_side_len": _DET_SIDE, "Rec.rec_batch_num": 1})
    return _engine


@dataclass(frozen=True)
class OcrLine:
    bbox: tuple[float, float, float, float]  # pixels of the image it was read from
    text: str
    score: float


_MIN_SCORE = 0.5  # RapidOCR's own threshold: lines below it are misreadings
_PROBES = 6  # lines read both ways up to tell an upright page from an upside-down one
_SURE = 0.9  # mean score per character of the probes read as they are: the page is upright, no need to flip
_DET_SIDE = 1280
_NOTHING = "\x00"  # stands in for a line read as nothing, so that RapidOCR keeps its box


def read_all(image: np.ndarray, use_cls: bool = False) -> list[OcrLine]:
    """Every line the detector found with its recognition score, low scores included, and lines read
    as nothing (a script the model does not read) with no text and score 0.

    RapidOCR's own call drops the lines read as nothing, so a page in an unknown script would look
    merely short; these are its steps, with those lines marked before its filter instead."""
    engine = _rapidocr()
    engine.update_params(use_det=True, use_cls=use_cls, use_rec=True, text_score=0.0)
    original = engine.load_img(image)
    img, record = engine.preprocess_img(original)
    det, cls, rec, crops = engine.run_ocr_steps(img, record)
    if rec.txts is not None:
        rec.txts = tuple(t if t.strip() else _NOTHING for t in rec.txts)
    out = engine.build_final_output(original, det, cls, rec, crops, record)
    if getattr(out, "boxes", None) is None or getattr(out, "txts", None) is None:
        return []
    lines = []
    for poly, text, score in zip(out.boxes, out.txts, out.scores):
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        box = (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))
        lines.append(OcrLine(box, "", 0.0) if text == _NOTHING else OcrLine(box, text.strip(), float(score)))
    return lines


def read(image: np.ndarray, use_cls: bool = False) -> list[OcrLine]:
    return [ln for ln in read_all(image, use_cls) if ln.score >= _MIN_SCORE]


def detect_lines(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    out = _rapidocr()(image, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(out, "boxes", None)
    if boxes is None:
        return []
    return [(int(min(p[0] for p in b)), int(min(p[1] for p in b)), int(max(p[0] for p in b)) + 1,
             int(max(p[1] for p in b)) + 1) for b in boxes]


def _rec_score(crops: list[np.ndarray]) -> tuple[float, int]:
    """Recognition score summed over characters, and the characters read."""
    total, chars = 0.0, 0
    for crop in crops:
        out = _rapidocr()(crop, use_det=False, use_cls=False, use_rec=True)
        for text, score in zip(out.txts or (), out.scores or ()):
            total += score * len(text.strip())
            chars += len(text.strip())
    return total, chars


def best_rotation(small: np.ndarray, full: np.ndarray) -> int:
    """Clockwise quarter turns (0-3) that make the page upright.

    One detection pass on a small rendering tells lines running across from lines running up or
    down; the widest lines, cut from the full rendering, are then read both ways up."""
    boxes = detect_lines(small)
    if not boxes:
        return 0
    first = 1 if _sideways(boxes) else 0
    k = full.shape[0] / small.shape[0]
    probes = sorted(boxes, key=lambda b: -max(b[2] - b[0], b[3] - b[1]))[:_PROBES]
    crops = [np.ascontiguousarray(np.rot90(full[int(b[1] * k):int(b[3] * k) + 1, int(b[0] * k):int(b[2] * k) + 1], -first))
             for b in probes]
    crops = [c for c in crops if c.size]
    upright, chars = _rec_score(crops)
    if chars and upright / chars >= _SURE:
        return first
    flipped, _ = _rec_score([np.ascontiguousarray(np.rot90(c, 2)) for c in crops])
    return first if upright >= flipped else first + 2


def _sideways(boxes: Sequence[tuple[float, float, float, float]]) -> bool:
    tall = sum(1 for b in boxes if (b[3] - b[1]) > 1.5 * (b[2] - b[0]))
    wide = sum(1 for b in boxes if (b[2] - b[0]) > 1.5 * (b[3] - b[1]))
    return tall > wide


def read_upright(full: np.ndarray, orient_step: int) -> tuple[int, list[OcrLine]]:
    """Every line of the page read upright, and the clockwise quarter turns that made it upright.

    Low scores and lines read as nothing are kept (see `read_all`): text the model could not read
    shows as such, even where the Latin and digits around it read well. Orientation is judged on
    the lines that read as something. `orient_step` subsamples `full` for the sideways probe."""
    lines = read_all(full)
    read = [ln for ln in lines if ln.text]
    turns = 0
    if read and _sideways([ln.bbox for ln in read]):
        turns = best_rotation(np.ascontiguousarray(full[::orient_step, ::orient_step]), full)
    elif not _sure(read) and not _reads_upright(full, read):
        turns = 2
    if turns:
        full = np.ascontiguousarray(np.rot90(full, -turns))
        lines = read_all(full)
    return turns, lines


def _probes(lines: list[OcrLine]) -> list[OcrLine]:
    return sorted(lines, key=lambda ln: -(ln.bbox[2] - ln.bbox[0]))[:_PROBES]


def _sure(lines: list[OcrLine]) -> bool:
    """The widest lines read with high confidence: the page is upright and legible."""
    probes = _probes(lines)
    chars = sum(len(ln.text) for ln in probes)
    return chars > 0 and sum(ln.score * len(ln.text) for ln in probes) >= _SURE * chars


def _reads_upright(full: np.ndarray, lines: list[OcrLine]) -> bool:
    """The widest lines, already read as they stand, against the same lines read upside down."""
    probes = _probes(lines)
    upright = sum(ln.score * len(ln.text) for ln in probes)
    crops = [full[int(ln.bbox[1]):int(ln.bbox[3]) + 1, int(ln.bbox[0]):int(ln.bbox[2]) + 1] for ln in probes]
    flipped, _ = _rec_score([np.ascontiguousarray(np.rot90(c, 2)) for c in crops if c.size])
    return upright >= flipped


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
