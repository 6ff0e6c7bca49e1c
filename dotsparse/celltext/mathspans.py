"""Find the math in cell text in one pass: `$$…$$`, `\\[…\\]`, `\\(…\\)` and `$…$` in Pandoc's sense
(no space just inside the dollars, no digit after the closing one), outside code. Linear in the text
(plus a binary search per delimiter), so an answer full of unclosed delimiters costs no more than any
other of its size."""

from __future__ import annotations

import re
import secrets
from bisect import bisect_right
from typing import Callable, NamedTuple

MAX_MATH = 4000  # characters; a longer "formula" is prose between two stray delimiters
_TOKEN = re.compile(r"\\[$\\]|\\\[|\\\]|\\\(|\\\)|\$\$|\$|`+|<code[\s>]|</code>|<pre[\s>]|</pre>")
_CLOSER = {"\\[": "\\]", "\\(": "\\)", "$$": "$$", "<code": "</code>", "<pre": "</pre>"}


class MathSpan(NamedTuple):
    start: int
    end: int
    tex: str
    display: bool


def find_math(text: str) -> list[MathSpan]:
    tokens = [(m.start(), m.end(), _kind(m.group())) for m in _TOKEN.finditer(text)]
    where: dict[str, list[int]] = {}
    for i, (_, _, kind) in enumerate(tokens):
        where.setdefault(kind, []).append(i)

    def next_of(kind: str, after: int) -> int:
        found = where.get(kind, [])
        k = bisect_right(found, after)
        return found[k] if k < len(found) else -1

    spans: list[MathSpan] = []
    i = 0
    while i < len(tokens):
        start, end, kind = tokens[i]
        if kind.startswith("`") or kind in ("<code", "<pre"):  # code: skip to its end, or stay literal
            j = next_of(kind if kind.startswith("`") else _CLOSER[kind], i)
            i = j + 1 if j != -1 else i + 1
            continue
        if kind in ("\\[", "\\(", "$$"):
            j = next_of(_CLOSER[kind], i)
            if j != -1 and 0 < tokens[j][0] - end <= MAX_MATH and text[end:tokens[j][0]].strip():
                spans.append(MathSpan(start, tokens[j][1], text[end:tokens[j][0]], kind != "\\("))
                i = j + 1
                continue
        elif kind == "$":
            j = next_of("$", i)
            if j != -1 and _inline_ok(text, start, end, tokens[j][0]):
                spans.append(MathSpan(start, tokens[j][1], text[end:tokens[j][0]], False))
                i = j + 1
                continue
        i += 1
    return spans


def _kind(token: str) -> str:
    return token[:-1] if token.startswith(("<code", "<pre")) else token  # "<code>" and "<code " alike


def _inline_ok(text: str, start: int, end: int, close: int) -> bool:
    inner = text[end:close]
    return (bool(inner) and len(inner) <= MAX_MATH and "\n" not in inner
            and not inner[0].isspace() and not inner[-1].isspace() and inner[-1] != "\\"
            and not (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"))
            and not (close + 1 < len(text) and text[close + 1].isdigit()))


class MaskedMath(NamedTuple):
    """Text with each math span replaced by a placeholder no text can contain, and what each stands for."""

    text: str
    spans: list[str]
    nonce: str

    def restore(self, rendered: str) -> str:
        """`rendered` (the masked text after Markdown rendering) with the placeholders put back."""
        if not self.spans:
            return rendered
        return re.sub(rf"dsmath{self.nonce}x(\d+)x", lambda m: self.spans[int(m.group(1))], rendered)


def mask_math(text: str, render: Callable[[MathSpan], str]) -> MaskedMath:
    """Math kept out of the Markdown renderer's way: each span becomes a placeholder; `render` gives what
    it is restored as."""
    nonce = secrets.token_hex(4)
    spans: list[str] = []
    parts: list[str] = []
    at = 0
    for span in find_math(text):
        spans.append(render(span))
        parts += [text[at:span.start], f"dsmath{nonce}x{len(spans) - 1}x"]
        at = span.end
    return MaskedMath("".join(parts) + text[at:], spans, nonce)
