"""Model-written HTML is untrusted: repair its structure with lxml, then sanitize with nh3."""

from __future__ import annotations

import re

import lxml.html
import nh3

TABLE_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col",
              "b", "strong", "i", "em", "u", "sup", "sub", "br", "p", "span", "div", "ul", "ol", "li"}
TABLE_ATTRS = {"td": {"rowspan", "colspan", "align"}, "th": {"rowspan", "colspan", "align", "scope"},
               "col": {"span"}, "colgroup": {"span"}}
INLINE_TAGS = {"b", "strong", "i", "em", "u", "sup", "sub", "br", "span", "code", "s", "del", "mark"}
_TAG_LIKE = re.compile(r"<[a-zA-Z!/]")


def clean_table_html(html: str) -> tuple[str, bool]:
    """Return (safe well-formed `<table>` HTML, was_repaired). Unclosed tags from truncation are closed."""
    source = html.strip()
    if not source:
        return "", False
    try:
        fragments = lxml.html.fragments_fromstring(source)
        tables = [f for f in fragments if not isinstance(f, str) and f.tag == "table"]
        if not tables:
            tables = [t for f in fragments if not isinstance(f, str) for t in f.iter("table")]
        rebuilt = "".join(lxml.html.tostring(t, encoding="unicode") for t in tables) if tables else source
    except Exception:  # lxml raises a family of parser errors on junk; sanitizing alone still makes it safe
        rebuilt = source
    safe = nh3.clean(rebuilt, tags=TABLE_TAGS, attributes=TABLE_ATTRS, url_schemes=set(),
                     strip_comments=True, link_rel=None)
    return safe, _squash(safe) != _squash(source)


def clean_inline_html(text: str) -> str:
    """Markdown text may carry inline HTML (`<sup>`); anything else is dropped. Plain text is untouched,
    and so are fenced code blocks: Markdown shows their content literally, so `a < b` stays as written."""
    if not _TAG_LIKE.search(text):
        return text
    parts = _fenced_split(text)
    return "".join(part if i % 2 else _clean_inline(part) for i, part in enumerate(parts))


def _clean_inline(text: str) -> str:
    if not _TAG_LIKE.search(text):
        return text
    return nh3.clean(text, tags=INLINE_TAGS, attributes={}, url_schemes=set(), strip_comments=True,
                     link_rel=None)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _fenced_split(text: str) -> list[str]:
    """Text split into alternating prose and fenced code blocks (prose first); an unclosed fence runs to
    the end, as CommonMark reads it."""
    parts: list[str] = []
    current: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if not fence and m:
            parts.append("".join(current))
            current, fence = [line], m.group(1)
        elif fence and m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line[m.end():].strip():
            current.append(line)
            parts.append("".join(current))
            current, fence = [], ""
        else:
            current.append(line)
    parts.append("".join(current))
    return parts


def _squash(html: str) -> str:
    """Compare modulo whitespace, case and the `<tbody>` lxml adds."""
    return re.sub(r"\s+|</?tbody>", "", html.lower())
