"""Sanitized table HTML (parse.html) → its text: one line per row, cells separated by a tab.

A cell spanning rows or columns is written once, where it starts; whitespace inside a cell (line
breaks, paragraphs, tabs) becomes one space, so a row stays one line. A caption, and text beside the
table, are lines of their own. Rows with no text are left out.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

_TAG = re.compile(r"<[^>]*>")
_SPACED = ("br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "caption", "table")
_CACHED_UP_TO = 32768  # characters


def table_plain(markup: str) -> str:
    if not markup.strip():
        return ""
    return _cached(markup) if len(markup) <= _CACHED_UP_TO else _plain(markup)


@lru_cache(maxsize=512)
def _cached(markup: str) -> str:
    return _plain(markup)


def _plain(markup: str) -> str:
    import lxml.html  # on first use: every stage imports the data model, few need this

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # lxml's parser errors on junk: the text without its tags is still the text
        return " ".join(html.unescape(_TAG.sub(" ", markup)).split())
    for el in root.iter(*_SPACED):  # so "<p>a</p><p>b</p>" reads "a b", not "ab"
        el.tail = " " + (el.tail or "")
    lines: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        text = " ".join("".join(pending).split())
        if text:
            lines.append(text)
        pending.clear()

    def walk(el: Any) -> None:
        if el.tag == "table":
            flush()
            lines.extend(_table_lines(el))
            return
        pending.append(el.text or "")
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            pending.append(child.tail or "")

    walk(root)
    flush()
    return "\n".join(lines)


def _table_lines(table: Any) -> list[str]:
    lines: list[str] = []
    for caption in table.iterchildren("caption"):
        text = _flat(caption)
        if text:
            lines.append(text)
    for tr in table.iter("tr"):
        if next(tr.iterancestors("table"), None) is not table:
            continue  # a nested table's rows are text of the cell that holds it
        cells = [_flat(c) for c in tr if c.tag in ("td", "th")]
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _flat(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())
