"""Properties over generated, mutated and hostile answers.

1. Nothing the repaired JSON holds is lost on the way to Markdown: every word of every non-Picture
   cell appears in the text of the page's `.md` rendered by markdown-it-py (CommonMark).
2. Complete elements are never lost to a neighbour's damage.
3. Whatever the answer, the rendered `.md` holds no element or attribute we did not allow.
"""

from __future__ import annotations

import html
import json
import re

import lxml.html
import markdown
from hypothesis import HealthCheck, given, settings, strategies as st
from markdown_it import MarkdownIt

from dotsparse.model import Category, CellFormat, Mode, PageGeometry, PageResult
from dotsparse.parse.answer import interpret
from dotsparse.parse.html import TABLE_ATTRS, TABLE_TAGS
from dotsparse.parse.safe_markdown import INLINE_TAGS
from dotsparse.writers.markdown import page_markdown

GEOM = PageGeometry(width_pt=612, height_pt=792, dpi=200, width_px=1700, height_px=2200, sent_width=1708,
                    sent_height=2212)
MD = MarkdownIt()
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "ratio <LLN with", "`<think>x</think>`",
           "```x`y\n<script>a()</script>\n```", "\u2028```\n<svg onload=b()>", "\x85~~~\n<b>c</b>", "<!-- -->",
           "-->", "[a](javascript:c())", "![i](http://e/x.png)", "[r]: http://e/y.png", "<http://e/>", "\\<a>",
           "$\\frac{a}{b}$", "\\beta", "<sup>2</sup>", "<b>open", "</i>", "<table><tr><td>1", "&lt;x&gt;", "&amp;",
           "    indented <b>", "- item\n- item", "1. first", "# head", "a\n\n\nb", "\t\x0crac", "{\"bbox\"", "}{"]
ALPHABET = st.sampled_from(list("abcxyzAB019 <>/`~[]()!*_#&;:=\"'\\$-{}\n") + ["\u2028", "\x85", "é", "中"])
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(ALPHABET, max_size=40),
                 st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(ALPHABET, max_size=12)), max_size=5)
                 .map("".join))
CATEGORIES = ["Text", "Title", "Section-header", "List-item", "Caption", "Footnote", "Formula", "Table",
              "Page-header", "Page-footer", "Picture"]
WORD = re.compile(r"[^\W_]+")
LIST_MARKER = re.compile(r"^[ \t]*(?:\d{1,9}[.)]|[-*+])(?=[ \t]|$)", re.MULTILINE)


@st.composite
def elements(draw, min_size=1, max_size=8):
    count = draw(st.integers(min_size, max_size))
    out = []
    for i in range(count):  # boxes far apart: distinct elements, never one loop
        el = {"bbox": [20, 20 + 200 * i, 900, 150 + 200 * i], "category": draw(st.sampled_from(CATEGORIES))}
        if el["category"] != "Picture":
            el["text"] = f"w{i}x " + draw(TEXT)  # a word of its own, to find the element again
        out.append(el)
    return out


def rendered_text(page: PageResult) -> str:
    tree = lxml.html.fragment_fromstring(MD.render(page_markdown(page)) or "<p></p>", create_parent="div")
    return tree.text_content()


def cell_words(text: str, fmt: CellFormat) -> set[str]:
    if fmt is CellFormat.LATEX:
        return set(WORD.findall(text))
    text = re.sub(r"<[^>]*>", "", text)  # our own tags: markup, not words (escaped text stays &lt;...)
    if fmt is not CellFormat.HTML:
        text = LIST_MARKER.sub("", text)
    return set(WORD.findall(html.unescape(text)))


def page_for(answer: str, finish: str = "stop") -> PageResult:
    found = interpret(answer, None, finish, GEOM, Mode.LAYOUT)
    return PageResult(page=1, status=found.status, error=found.error, cells=found.cells, repairs=found.repairs)


def assert_nothing_lost(page: PageResult) -> None:
    seen = rendered_text(page)
    for cell in page.cells:
        if cell.category is not Category.PICTURE:
            missing = {w for w in cell_words(cell.text, cell.format) if w not in seen}
            assert not missing, (cell.text, missing)


ACTIVE_ATTRS = {"style", "href", "src", "srcset", "id", "class", "name", "action", "formaction", "srcdoc", "data",
                "background", "poster", "xlink:href", "autofocus", "tabindex", "contenteditable", "popover"}
RENDERERS = (MD.render, markdown.markdown, lambda text: markdown.markdown(text, extensions=["extra"]))


def assert_no_foreign_markup(page: PageResult) -> None:
    """In markdown-it-py and Python-Markdown (plain and "extra": it reads Markdown where CommonMark does not)."""
    allowed = set(INLINE_TAGS) | TABLE_TAGS | {"div", "p", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6",
                                               "ul", "ol", "li", "em", "strong", "blockquote", "hr", "br",
                                               "dl", "dt", "dd"}  # extra's definition lists: no attributes
    md = page_markdown(page)
    for render in RENDERERS:
        tree = lxml.html.fragment_fromstring(render(md) or "<p></p>", create_parent="div")
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue  # comments: only our page comment, escaped
            assert el.tag in allowed, (el.tag, md)
            # attr_list turns a bare word after emphasis in LaTeX (`*b*{x}`) into an attribute named after it,
            # valued with the word itself: inert unless the name is a handler or one that loads or styles.
            named = {k for k in el.attrib if k.lower().startswith("on") or k.lower() in ACTIVE_ATTRS} | \
                {k for k in el.attrib if k in TABLE_ATTRS.get(el.tag, set())}
            assert named <= TABLE_ATTRS.get(el.tag, set()) | ({"start"} if el.tag == "ol" else set()), md


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(elements())
def test_every_word_of_a_clean_answer_reaches_the_markdown(els):
    page = page_for(json.dumps(els))
    assert len(page.cells) == len(els)
    assert_nothing_lost(page)
    assert_no_foreign_markup(page)


@SETTINGS
@given(elements(min_size=2), st.data())
def test_one_damaged_element_costs_at_most_itself(els, data):
    k = data.draw(st.integers(0, len(els) - 1))
    parts = [json.dumps(e) for e in els]
    damage = data.draw(st.sampled_from(["no_brace", "no_quote", "junk_after", "no_comma", "unescaped_latex"]))
    if damage == "no_brace":
        parts[k] = parts[k][:-1]
    elif damage == "no_quote" and "text" in els[k]:
        parts[k] = parts[k][:-2] + "}"  # the text's closing quote gone
    elif damage == "junk_after":
        parts[k] += " <|endoftext|> ]]"
    elif damage == "no_comma":
        parts[k] += "\n"
    elif damage == "unescaped_latex":
        parts[k] = parts[k].replace("\\\\", "\\")
    answer = "[" + ", ".join(parts) + "]"
    if damage == "no_comma":
        answer = answer.replace("\n, ", "")
    page = page_for(answer)
    texts = [c.text for c in page.cells]
    for j, el in enumerate(els):
        if j != k and "text" in el:
            assert any(f"w{j}x" in t for t in texts), (damage, k, j, answer)
    assert_nothing_lost(page)
    assert_no_foreign_markup(page)


@SETTINGS
@given(elements(), st.data())
def test_truncated_and_looping_answers_keep_what_they_hold(els, data):
    answer = json.dumps(els)
    if data.draw(st.booleans()):
        answer = answer[: data.draw(st.integers(1, len(answer)))]
    else:
        answer = answer[:-1] + ", " + ", ".join(json.dumps(dict(els[-1], bbox=[20, 5 + i % 4, 900, 150]))
                                                 for i in range(data.draw(st.integers(4, 30))))
    page = page_for(answer, "length")
    assert_nothing_lost(page)
    assert_no_foreign_markup(page)
