"""Model-written table HTML is untrusted: escape what is not a table tag, repair with lxml, sanitize with nh3."""

from __future__ import annotations

import re
from html import escape as html_escape

import lxml.html
import nh3

TABLE_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col",
              "b", "strong", "i", "em", "u", "sup", "sub", "br", "p", "span", "div", "ul", "ol", "li"}
TABLE_ATTRS = {"td": {"rowspan", "colspan", "align"}, "th": {"rowspan", "colspan", "align", "scope"},
               "col": {"span"}, "colgroup": {"span"}}
# A `<` that does not open or close one of our tags is text ("p <LLN", "a<b"): escaped, so no parser eats it.
_ATTRIBUTED = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "colgroup", "col")
_NOT_OUR_TAG = re.compile(r"<(?!/?(?:" + "|".join(_ATTRIBUTED) + r")[\s/>]|/?(?:"
                          + "|".join(sorted(TABLE_TAGS - set(_ATTRIBUTED), key=len, reverse=True)) + r")\s*/?>)",
                          re.IGNORECASE)
_ROW_TAG = re.compile(r"<\s*(?:tr|td|th|thead|tbody)[\s>]", re.IGNORECASE)


def is_table_html(text: str) -> bool:
    """Whether a Table cell's text is HTML at all (the model sometimes answers a Markdown or plain table)."""
    return "<table" in text.lower() or bool(_ROW_TAG.search(text))


def clean_table_html(html: str) -> tuple[str, bool]:
    """Return (safe well-formed `<table>` HTML on one line, was_repaired). Unclosed tags are closed.

    One line: the `.md` embeds the table as an HTML block, which a blank line would end, letting
    Markdown act on the rest. Newlines inside cells render as spaces in HTML anyway."""
    source = html.strip()
    if not source:
        return "", False
    escaped = _NOT_OUR_TAG.sub("&lt;", source)
    if "<table" not in escaped.lower():
        escaped = f"<table>{escaped}</table>"
    try:
        fragments = lxml.html.fragments_fromstring(escaped)
        # Everything is kept, text around the table included: sanitizing decides what is markup.
        rebuilt = "".join(html_escape(f, quote=False) if isinstance(f, str) else lxml.html.tostring(f, encoding="unicode")
                          for f in fragments)
    except Exception:  # lxml raises a family of parser errors on junk; sanitizing alone still makes it safe
        rebuilt = escaped
    safe = nh3.clean(rebuilt, tags=TABLE_TAGS, attributes=TABLE_ATTRS, url_schemes=set(),
                     strip_comments=True, link_rel=None)
    safe = re.sub(r"\s*\n\s*", " ", safe).strip()
    if safe and not _one_table(safe):
        # Text or inline tags beside the table: a line starting `<span>` is no HTML block, and Python-Markdown
        # reads Markdown after `</table>` on its line. Inside one `<div>`, every renderer leaves it all as HTML.
        safe = f"<div>{safe}</div>"
    return safe, _squash(safe) != _squash(source)


def _one_table(safe: str) -> bool:
    if not (safe.startswith("<table") and safe.endswith("</table>")):
        return False
    fragments = lxml.html.fragments_fromstring(safe)
    return len(fragments) == 1 and not isinstance(fragments[0], str) and fragments[0].tag == "table"


def _squash(html: str) -> str:
    """Compare modulo whitespace, case and the `<tbody>` lxml adds."""
    return re.sub(r"\s+|</?tbody>", "", html.lower())
