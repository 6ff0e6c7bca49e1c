"""Arabic lam-alef ligatures, which MuPDF hands out reversed.

A lam-alef is one glyph whose Unicode is two letters, lam then alef. On right-to-left text MuPDF
emits the pair reversed (alef, then lam), so "المشكلات" reads "المشكالت" in every word. The
reversed alef betrays itself: it has no width of its own (it shares the lam's glyph), while a
real alef before a lam (the article "ال") has one.
"""

from __future__ import annotations

import re

import pymupdf

_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ALEFS = "\u0627\u0623\u0625\u0622"
_LAM = "\u0644"


def fix_lam_alef(page: pymupdf.Page, raw_words: list[tuple], textpage: pymupdf.TextPage) -> list[tuple]:
    """`raw_words` as `get_text("words")` gives them; the same words with lam-alef pairs in logical order."""
    if not any(_ARABIC.search(w[4]) for w in raw_words):
        return raw_words
    chars: dict[tuple[int, int], list[tuple[str, float]]] = {}
    for block in page.get_text("rawdict", textpage=textpage)["blocks"]:
        for n, line in enumerate(block.get("lines", ())):
            chars[(block["number"], n)] = [(ch["c"], ch["bbox"][2] - ch["bbox"][0])
                                           for span in line["spans"] for ch in span["chars"] if not ch["c"].isspace()]
    taken: dict[tuple[int, int], int] = {}
    out = []
    for w in raw_words:
        text, key = w[4], (w[5], w[6])
        start = taken.get(key, 0)
        mine = chars.get(key, [])[start:start + len(text)]
        taken[key] = start + len(text)
        if _LAM in text and "".join(c for c, _ in mine) == text:
            text = _swap(mine)
        out.append((*w[:4], text, *w[5:]))
    return out


def _swap(chars: list[tuple[str, float]]) -> str:
    letters = [c for c, _ in chars]
    i = 0
    while i < len(chars) - 1:
        if letters[i] in _ALEFS and chars[i][1] < 0.01 and letters[i + 1] == _LAM:
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
            i += 2
        else:
            i += 1
    return "".join(letters)
