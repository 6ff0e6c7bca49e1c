"""Words of a page's text layer, and how lines of words become text."""

from __future__ import annotations

import re

import pymupdf

from .regions import Word

_VISIBLE = 16 | 8  # FZ_STEXT_FILLED | FZ_STEXT_STROKED: anything else is render mode 3 (invisible)
_HYPHEN_END = re.compile(r"[A-Za-zÀ-ÿ][-\u00ad\u2010]$")


def invisible_spans(page: pymupdf.Page) -> tuple[list[tuple], int, int]:
    """Boxes of invisible spans, and counts of invisible and all non-space characters."""
    boxes, hidden, total = [], 0, 0
    for block in page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                n = len(span["text"].strip())
                total += n
                if not (span.get("char_flags", 16) & _VISIBLE) or span.get("alpha", 255) == 0:
                    hidden += n
                    boxes.append(tuple(span["bbox"]))
    return boxes, hidden, total


_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


def page_words(page: pymupdf.Page, hidden: list[tuple]) -> list[Word]:
    """Visible words with their line identity; invisible ones are left out (they are not on the page)."""
    words = []
    for x0, y0, x1, y1, text, block, line, _ in page.get_text("words", flags=pymupdf.TEXTFLAGS_WORDS):
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if hidden and any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in hidden):
            continue
        words.append(Word((x0, y0, x1, y1), text.translate(_LIGATURES), (block, line)))
    return words


def group_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into visual lines, top to bottom, each left to right.

    Text-layer line ids are kept apart unless they sit on the same baseline band, which also
    merges the fragments some producers write one word at a time.
    """
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.bbox[0])):
        for line in reversed(lines[-6:]):  # sorted by height: only the latest lines can share a band
            ref = line[-1]
            h = min(w.bbox[3] - w.bbox[1], ref.bbox[3] - ref.bbox[1]) or 1.0
            same_band = abs(w.cy - ref.cy) < 0.5 * h
            apart = all(w.bbox[0] >= x.bbox[2] - 1 or w.bbox[2] <= x.bbox[0] + 1 for x in line)
            if same_band and (w.line == ref.line or apart):
                line.append(w)
                break
        else:
            lines.append([w])
    for line in lines:
        line.sort(key=lambda w: w.bbox[0])
    lines.sort(key=lambda ln: (min(w.bbox[1] for w in ln), ln[0].bbox[0]))
    return lines


def line_text(line: list[Word]) -> str:
    return " ".join(w.text for w in line)


def join_lines(texts: list[str]) -> str:
    """One paragraph from its lines; a word hyphenated across a line break is joined again."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if not out:
            out = t
        elif _HYPHEN_END.search(out) and t[0].islower():
            out = out[:-1] + t
        elif out.endswith("\u00ad"):
            out = out[:-1] + t
        else:
            out += " " + t
    return out.replace("\u00ad", "")
