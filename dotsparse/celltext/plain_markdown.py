"""Safe Markdown (parse.safe_markdown) → the text a reader of the rendered Markdown sees.

Rendered by markdown-it-py configured as the viewer's renderer (CommonMark, inline HTML, tables,
strikethrough), then read from the token stream: markup and tags dropped, entities and escapes decoded,
code kept as its characters. One line per block (paragraph, heading, list item, table row, code block);
soft and hard line breaks stay newlines. Ordered list items keep the number a reader sees, bullets go.
Math spans (found as the viewer finds them) are kept as written, delimiters included, so Markdown never
reads `\\(` as an escape or `*` inside a formula as emphasis.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from .mathspans import mask_math

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CACHED_UP_TO = 8192  # characters: a cell is dumped several times (page store, <doc>.json, -o -)
# One line of prose Markdown reads as itself: no character inline rules act on, no block marker in front.
_INERT = re.compile(r"[^\n\r\0\x0b\x0c\x1c-\x1f\x85\u2028\u2029\\`*_<>&\[\]~$]*")
_BLOCK_START = re.compile(r"[ \t]|[-+=>#]|\d{1,9}[.)]")


def markdown_plain(text: str) -> str:
    if not text.strip():
        return ""
    if _INERT.fullmatch(text) and not _BLOCK_START.match(text):
        return text.strip()  # most cells: markdown-it would only strip them (tests/celltext checks it agrees)
    return _cached(text) if len(text) <= _CACHED_UP_TO else _plain(text)


@lru_cache(maxsize=1024)
def _cached(text: str) -> str:
    return _plain(text)


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    from markdown_it import MarkdownIt  # on first use: every stage imports the data model, few need this

    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(["table", "strikethrough"])


def _plain(text: str) -> str:
    masked = mask_math(text, lambda span: html.unescape(text[span.start:span.end]))
    return masked.restore(_blocks(_renderer().parse(masked.text)))


def _blocks(tokens: Sequence[Token]) -> str:
    lines: list[str] = []
    numbers: list[int | None] = []  # per open list: the next item's number, None for bullets
    prefix = ""  # the open list items' numbers, written before their first line
    row: list[str] | None = None
    for tok in tokens:
        kind = tok.type
        if kind == "bullet_list_open":
            numbers.append(None)
        elif kind == "ordered_list_open":
            start = tok.attrs.get("start", 1)
            numbers.append(start if isinstance(start, int) else 1)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif kind == "list_item_open" and numbers and numbers[-1] is not None:
            number = numbers[-1]
            prefix += f"{number}. "
            numbers[-1] = number + 1
        elif kind == "list_item_close":
            prefix = ""
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append("\t".join(row))
            row = None
        elif kind == "inline":
            content = _inline(tok.children or [])
            if row is not None:
                row.append(" ".join(content.split()))
            else:
                lines.append(prefix + content)
                prefix = ""
        elif kind in ("fence", "code_block"):
            lines.append(prefix + tok.content.rstrip("\n"))
            prefix = ""
        elif kind == "html_block":
            lines.append(prefix + _html_block(tok.content))
            prefix = ""
    return "\n".join(line for line in lines if line.strip())


def _inline(children: Sequence[Token]) -> str:
    out: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "text_special", "code_inline"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "html_inline" and _BR.fullmatch(child.content):
            out.append("\n")
        elif kind == "image":  # its alt text; safe_markdown leaves no image, but a reader would see this
            out.append(_inline(child.children or []))
    return "".join(out)


def _html_block(content: str) -> str:
    """Raw HTML as the browser shows its text: our `<pre><code>` verbatim, other blocks line by line."""
    if content.lstrip()[:4].lower() == "<pre":
        return html.unescape(_TAG.sub("", content)).strip("\n")
    text = html.unescape(_TAG.sub("", _BR.sub("\n", content)))
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
