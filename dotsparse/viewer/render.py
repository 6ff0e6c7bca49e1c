"""Cell text → the HTML the viewer inserts: rendered in Python, sanitized with nh3, math left for KaTeX.

The browser never parses model text as HTML unless it came out of `nh3.clean` here. Math spans are cut
out before Markdown sees them (so `$x_i$` keeps its underscores) and come back as escaped TeX inside
`<span class="math">`, which the viewer typesets with KaTeX's DOM renderer.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

from ..model import Category, Cell, CellFormat
from ..parse.html import TABLE_ATTRS, TABLE_TAGS
from ..celltext.mathspans import mask_math

MARKDOWN_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del",
                 "sup", "sub", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span", "mark",
                 "table", "thead", "tbody", "tr", "th", "td"}
MARKDOWN_ATTRS = {"a": {"href", "title"}, "ol": {"start"}, "td": {"align", "colspan", "rowspan"},
                  "th": {"align", "colspan", "rowspan"}}
LINK_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(["table", "strikethrough"])
MATH_CLASSES = {"span": {"math", "display"}}


def math_span(tex: str, display: bool) -> str:
    return f'<span class="math{" display" if display else ""}">{html.escape(tex.strip())}</span>'


def markdown_html(text: str) -> str:
    """Markdown (with inline math and a little inline HTML) → sanitized HTML."""
    masked = mask_math(text, lambda span: math_span(span.tex, span.display))
    safe = _clean(_md.render(masked.text))
    if masked.spans:  # a placeholder may have landed in an attribute (a link's URL): the result is cleaned again
        safe = _clean(masked.restore(safe), math=True)
    return safe


def _clean(markup: str, math: bool = False) -> str:
    return nh3.clean(markup, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRS, url_schemes=LINK_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True,
                     allowed_classes=MATH_CLASSES if math else None)


def search_text(cell: Cell) -> str:
    """What search matches: the text a reader sees (`Cell.plain`: no Markdown escapes or markup, a
    table's cell text), so `__init__` or `C:\\Users` is found as printed."""
    return cell.plain[:20000]


def table_html(text: str) -> str:
    """Table HTML was sanitized when the cell was built; sanitized again here with the same allowlist."""
    return nh3.clean(text, tags=TABLE_TAGS, attributes=TABLE_ATTRS, url_schemes=set(), strip_comments=True,
                     link_rel=None)


def text_html(text: str) -> str:
    return f'<p class="plain">{html.escape(text, quote=False)}</p>' if text.strip() else ""


def cell_html(cell: Cell) -> str:
    """The cell's content as safe HTML; pictures add their crop separately (see data.py)."""
    text = cell.text
    if not text.strip():
        return ""
    if cell.format is CellFormat.HTML:
        return table_html(text)
    if cell.format is CellFormat.LATEX:
        return math_span(text, display=True)
    if cell.format is CellFormat.TEXT or cell.category is Category.FORMULA:
        return text_html(html.unescape(text))  # the characters: `&lt;` from the Markdown pass shows as `<`
    return markdown_html(text)
