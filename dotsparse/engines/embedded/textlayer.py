"""Words of a page's text layer, and how lines of words become text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import pymupdf

from .ligatures import fix_lam_alef
from .regions import Rect, Word

_VISIBLE = 16 | 32  # FZ_STEXT_FILLED | FZ_STEXT_STROKED (8 is FZ_STEXT_BOLD): neither is render mode 3, invisible
_HYPHEN_END = re.compile(r"[^\W\d_][-\u2010]$")
_COMPOUND_END = re.compile(r"[^\W\d_]-[^\W\d_]+[-\u2010]$")  # "state-of-the-": a hyphen that stays
# Symbol fonts without a Unicode map yield control codes (checkboxes, dingbats): not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WORD_CHAR = re.compile(r"[^\W_]")
_TOUCH = 0.05  # of the line height: a narrower gap is no space (a space is about 0.2 of it)
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LTR = re.compile(r"[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")
# Han, kana and fullwidth forms: lines of such text join without a space (Hangul uses spaces).
_NO_SPACE_SCRIPT = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


_MONO_FLAG = 8  # PyMuPDF span flag: a fixed-pitch font
_MONO_FONT = re.compile(r"courier|mono|consol|menlo|inconsolata|typewriter|cmtt|lmtt|sfmt|lucidaconsole", re.I)
# TeX's math fonts and the OpenType math fonts of word processors.
_MATH_FONT = re.compile(r"cmmi|cmsy|cmex|msam|msbm|eufm|rsfs|stixmath|math|symbol", re.I)


@dataclass
class SpanSurvey:
    """What the text layer says beyond the words: invisible text, and where fixed-pitch and math fonts are."""

    hidden: list[Rect] = field(default_factory=list)  # boxes of invisible spans
    hidden_chars: int = 0
    total_chars: int = 0
    mono: list[tuple[Rect, int]] = field(default_factory=list)  # (box, non-space characters)
    math: list[tuple[Rect, int]] = field(default_factory=list)


def survey_spans(page: pymupdf.Page, textpage: Optional[pymupdf.TextPage] = None) -> SpanSurvey:
    survey = SpanSurvey()
    for block in page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT, textpage=textpage)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                n = len(span["text"].strip())
                survey.total_chars += n
                box = tuple(span["bbox"])
                if not (span.get("char_flags", 16) & _VISIBLE) or span.get("alpha", 255) == 0:
                    survey.hidden_chars += n
                    survey.hidden.append(box)
                elif n:
                    font = span.get("font", "")
                    if span.get("flags", 0) & _MONO_FLAG or _MONO_FONT.search(font):
                        survey.mono.append((box, n))
                    if _MATH_FONT.search(font):
                        survey.math.append((box, n))
    return survey


_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


def page_words(page: pymupdf.Page, hidden: list[tuple], textpage: Optional[pymupdf.TextPage] = None) -> list[Word]:
    """Visible words with their line identity; invisible ones are left out (they are not on the page)."""
    words = []
    # One text page for the words and, on Arabic pages, their characters (TEXTFLAGS_WORDS == TEXTFLAGS_TEXT).
    textpage = textpage or page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS)
    raw = fix_lam_alef(page, page.get_text("words", flags=pymupdf.TEXTFLAGS_WORDS, textpage=textpage), textpage)
    for x0, y0, x1, y1, text, block, line, _ in raw:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if hidden and any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in hidden):
            continue
        words.append(Word((x0, y0, x1, y1), text.translate(_LIGATURES), (block, line)))
    return words


def group_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into visual lines, top to bottom, each in reading order.

    Text-layer line ids are kept apart unless they sit on the same baseline band, which also
    merges the fragments some producers write one word at a time.
    """
    words, caps = _drop_caps(words)
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
    lines = [_reading_order(line) for line in lines]
    lines.sort(key=lambda ln: (min(w.bbox[1] for w in ln), min(w.bbox[0] for w in ln)))
    return _attach_caps(lines, caps) if caps else lines


_CAP_HEIGHT = 2.2  # of the median word height: a drop cap spans two lines or more


def _drop_caps(words: list[Word]) -> tuple[list[Word], list[Word]]:
    """A paragraph's enlarged first letter, spanning several of its lines, is set apart from them."""
    if len(words) < 6:
        return words, []
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words)
    median = heights[len(heights) // 2]
    caps = [w for w in words if len(w.text) <= 2 and w.text[:1].isalpha() and w.bbox[3] - w.bbox[1] >= _CAP_HEIGHT * median]
    return ([w for w in words if w not in caps], caps) if caps else (words, [])


def _attach_caps(lines: list[list[Word]], caps: list[Word]) -> list[list[Word]]:
    """Each drop cap joins the first word of the first line beside it at its top ("O" + "ver" = "Over")."""
    for cap in caps:
        for line in lines:
            first = line[0]
            h = first.bbox[3] - first.bbox[1]
            if first.bbox[0] >= cap.bbox[2] - 1 and cap.bbox[1] - h <= first.bbox[1] <= cap.bbox[1] + 1.5 * h:
                line[0] = Word((cap.bbox[0], min(cap.bbox[1], first.bbox[1]), first.bbox[2], first.bbox[3]),
                               cap.text + first.text, first.line)
                break
        else:
            lines.append([cap])
            lines.sort(key=lambda ln: (min(w.bbox[1] for w in ln), min(w.bbox[0] for w in ln)))
    return lines


def is_rtl(text: str) -> bool:
    """Mostly Arabic or Hebrew letters."""
    return len(_RTL.findall(text)) > len(_LTR.findall(text))


def _reading_order(line: list[Word]) -> list[Word]:
    """Left to right; a right-to-left line from right to left, keeping embedded Latin or number
    runs ("IBM DB2", "1403 / 09 / 19") left to right, as the bidi algorithm laid them out."""
    line = sorted(line, key=lambda w: w.bbox[0])
    if not is_rtl("".join(w.text for w in line)):
        return line
    out: list[Word] = []
    run: list[Word] = []  # a left-to-right run, collected from its right end
    for w in reversed(line):
        if not _RTL.search(w.text) and (run or _LTR.search(w.text)):
            run.insert(0, w)
            continue
        out += _settle(run) + [w]
        run = []
    return out + _settle(run)


def _settle(run: list[Word]) -> list[Word]:
    """A left-to-right run in its order; neutral words (a slash, a dash) at its left end are read after it."""
    k = next((i for i, w in enumerate(run) if _LTR.search(w.text)), len(run))
    return run[k:] + run[:k][::-1]


def line_text(line: list[Word]) -> str:
    """Words with spaces between them, except for punctuation touching a word of its text-layer
    line: the text layer splits a full stop from right-to-left text at the change of direction."""
    out, prev = "", None
    for w in line:
        t = _CONTROL.sub("", w.text).strip()
        if not t:
            continue
        out += t if prev is None or _touching(prev, w) else " " + t
        prev = w
    return out


def _touching(a: Word, b: Word) -> bool:
    if a.line != b.line or (_WORD_CHAR.search(a.text) and _WORD_CHAR.search(b.text)):
        return False
    gap = max(b.bbox[0] - a.bbox[2], a.bbox[0] - b.bbox[2])
    return gap < _TOUCH * min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])


def join_lines(texts: list[str]) -> str:
    """One paragraph from its lines; a word hyphenated across a line break is joined again."""
    out = ""
    for t in texts:
        t = t.strip()
        if t:
            out = _join(out, t) if out else t
    return out.replace("\u00ad", "")


def _join(before: str, after: str) -> str:
    if before.endswith("\u00ad"):
        return before[:-1] + after
    if _HYPHEN_END.search(before):
        if after[0].islower() and not _COMPOUND_END.search(before):
            return before[:-1] + after  # a word split by hyphenation
        return before + after  # "state-of-the-" "art", "Jean-" "Pierre", "COVID-" "19": the hyphen is the word's
    if _NO_SPACE_SCRIPT.match(before[-1]) and _NO_SPACE_SCRIPT.match(after[0]):
        return before + after
    return before + " " + after
