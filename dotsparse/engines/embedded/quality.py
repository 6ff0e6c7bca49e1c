"""Per-page decision: is the text layer the page's text, or must the page be OCR'd?

OCR when the page shows images but has (almost) no visible text, when most of its text is
invisible (render mode 3: an old OCR layer or hidden text), or when the text is garbage
(replacement characters, private-use glyphs, control characters, no word-like tokens, or
words scrambled into accented letters and symbols) — the typical output of fonts without a
usable ToUnicode map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymupdf

from .regions import Word

_WORDLIKE = re.compile(r"^[^\W\d_]{2,}$", re.UNICODE)
_HIGH_LATIN = re.compile(r"[\u00a0-\u00ff\u2000-\u22ff]")  # Latin-1 letters and signs, punctuation, maths
_SIGN = re.compile(r"[\u00a1-\u00bf\u00d7\u00f7\u2000-\u22ff]")
_SCRAMBLED_SHARE = 0.1


@dataclass(frozen=True)
class TextVerdict:
    needs_ocr: bool
    reason: str
    hidden_layer: bool = False  # most of the text is invisible: an OCR layer over a scan, or hidden text


def judge(page: pymupdf.Page, words: list[Word], hidden_chars: int, total_chars: int) -> TextVerdict:
    visible = "".join(w.text for w in words)
    if total_chars and hidden_chars / total_chars > 0.5:
        return TextVerdict(True, "text layer is mostly invisible", hidden_layer=True)
    if len(visible) < 20:
        # Text drawn as vector outlines also needs OCR; a blank page does not.
        drawn = len(page.get_cdrawings()) > 100
        return TextVerdict(_image_cover(page) > 0.1 or drawn, "no text layer")
    if sum(1 for ch in visible if _unmapped(ch)) / len(visible) > 0.1:
        return TextVerdict(True, "text layer has unmapped glyphs")
    if _scrambled(words):
        return TextVerdict(True, "text layer is scrambled by a font's encoding")
    tokens = [w.text.strip(".,;:()[]\"'!?") for w in words]
    tokens = [t for t in tokens if t]
    if len(tokens) >= 20:
        wordlike = sum(1 for t in tokens if _WORDLIKE.match(t) or t.isdigit())
        if wordlike / len(tokens) < 0.25:
            return TextVerdict(True, "text layer looks like garbage")
    return TextVerdict(False, "text layer")


def _unmapped(ch: str) -> bool:
    """Replacement character, private-use glyph or control code."""
    code = ord(ch)
    return ch == "\ufffd" or 0xE000 <= code <= 0xF8FF or code < 32 or 0x7F <= code < 0xA0


def _scrambled(words: list[Word]) -> bool:
    """Many words made mostly of accented Latin letters mixed with signs ("°ê£ë†£ûÜüéê"): a font
    whose codes were mapped to the wrong characters. Real accented words keep mostly plain letters."""
    texts = [w.text for w in words if len(w.text) >= 2]
    odd = [t for t in texts if len(_HIGH_LATIN.findall(t)) > 0.5 * len(t)]
    signed = sum(1 for t in odd if _SIGN.search(t))
    return len(odd) > _SCRAMBLED_SHARE * len(texts) and signed > 0.5 * len(odd)


def _image_cover(page: pymupdf.Page) -> float:
    """Share of the page covered by images (a scan is one image over the whole page)."""
    page_area = abs(page.rect) or 1.0
    covered = 0.0
    for info in page.get_image_info():
        covered += abs(pymupdf.Rect(info["bbox"]) & page.rect)
    return min(1.0, covered / page_area)
