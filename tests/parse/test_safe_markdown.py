"""Markdown cell text made safe by construction: nothing is markup except what we emit, nothing is lost."""

import re
import time

import lxml.html
import markdown
import pytest
from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from dotsparse.parse.safe_markdown import safe_markdown

MD = MarkdownIt()


def both(text: str) -> list[str]:
    safe = safe_markdown(text)
    return [MD.render(safe), markdown.markdown(safe), markdown.markdown(safe, extensions=["extra"])]


def test_text_that_looks_like_a_tag_is_escaped_not_dropped():
    # Defect 1, seen on real pages: nh3 read "<LLN ..." as a tag and deleted the rest of the sentence.
    assert safe_markdown("ratio <LLN with an FEV1 as (50.7)% of predicted") == \
        "ratio &lt;LLN with an FEV1 as (50.7)% of predicted"
    for rendered in both("ratio <LLN with an FEV1 as (50.7)% of predicted"):
        assert "ratio &lt;LLN with an FEV1 as (50.7)% of predicted" in rendered


def test_inline_code_keeps_its_tags_as_text():
    assert safe_markdown("use `<think>...</think>` here") == "use <code>&lt;think&gt;...&lt;/think&gt;</code> here"
    for rendered in both("use `<think>...</think>` and `a*b*`"):
        assert "<code>&lt;think&gt;...&lt;/think&gt;</code>" in rendered and "<code>a*b*</code>" in rendered


def test_allowed_formatting_tags_stay_attribute_less_and_balanced():
    assert safe_markdown("E = mc<SUP>2</sup> <b>bold <i>x</b> </em>") == "E = mc<sup>2</sup> <b>bold <i>x</i></b> "
    assert safe_markdown('<b onclick="x()">a</b>') == '&lt;b onclick="x()">a'
    assert safe_markdown("a<br/>b<br >c") == "a<br>b<br>c"


@pytest.mark.parametrize("text", [
    "```x`y\n<script>alert(1)</script>\n```",  # not a fence in CommonMark: info strings hold no backtick
    "a\u2028```\n<img src=x onerror=alert(1)>\n```",  # U+2028 is no line break in Markdown
    "a\x85```\n<img src=x onerror=alert(1)>",
    "<b>x</b>\n```\n<script>alert(1)</script>\n```",  # a tag line right before a fence
    "~~~x~\n<script>alert(1)</script>",
    "    <script>alert(1)</script>",  # would be an indented code block
    "- ```\n  <script>alert(1)</script>\n  ```",
    "see [a](javascript:alert(1)) ![i](http://e/x.png) <http://e/> [r]: http://e/y.png\n\n![r]",
    "<!-- x --><script>alert(1)</script>",
    "\\<script>alert(1)\\</script>",
    "# H {: onclick=alert(1) }\n\na *b*{onmouseover=alert(1)}",
    "# H {#alert(1) .x}\n\na *b*{.alert(1)}\n\nalert(1)\n{#x}",  # attr_list ids, classes, bare names
])
def test_no_raw_html_and_no_link_survives_in_either_renderer(text):
    for rendered in both(text):
        for el in lxml.html.fragment_fromstring(rendered, create_parent="div").iter():
            assert el.tag in ("div", "p", "pre", "code", "h1", "ul", "li", "b", "em"), el.tag
            assert not el.attrib, el.attrib
        assert "alert(1)" in rendered or "http://e/" in rendered


def test_fenced_code_becomes_our_own_pre_block_with_every_line_kept():
    text = "see:\n```js\nif (a < b) { s = \"<b>\"; }\n\n  return s\n```\nafter <sup>2</sup>"
    assert safe_markdown(text) == ('see:\n\n<pre><code>if (a &lt; b) { s = "&lt;b&gt;"; }\n\n  return s\n'
                                   '</code></pre>\n\nafter <sup>2</sup>')
    for rendered in both(text):
        assert '<pre><code>if (a &lt; b) { s = "&lt;b&gt;"; }\n\n  return s\n</code></pre>' in rendered
    # A closing fence must be the opening's character, at least as long, alone on its line.
    assert safe_markdown("````\n```\n<b>x</b>\n````\nz") == "<pre><code>```\n&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n\nz"


def test_plain_text_is_untouched():
    for text in ("A plain sentence, with (parentheses) and 50% & more.", "- item\n- item two", "# Title"):
        assert safe_markdown(text) == text


ANY_TEXT = st.text(st.sampled_from(list("ab <>/`~[]()!*_#&;:={}\"'\\-|\n\t\u2028\x85\r")), max_size=80)


@settings(max_examples=200, deadline=None)
@given(st.one_of(ANY_TEXT, st.lists(st.sampled_from(["<b>", "</b>", "<sup>", "`", "```", "~~~", "\n", "](", "[x]",
                                                     "<img src=x onerror=y()>", "{: onclick=y() }", "&#60;",
                                                     "    ", "- ", "> ", "<!--", "-->", "\\"]), max_size=12)
                 .map("".join)))
def test_whatever_the_text_no_renderer_finds_markup_we_did_not_allow(text):
    allowed = {"div", "p", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "em", "strong",
               "blockquote", "hr", "br", "b", "i", "u", "sup", "sub", "s", "del", "mark", "span", "dl", "dt", "dd",
               "table", "thead", "tbody", "tr", "th", "td"}  # Python-Markdown extra's pipe tables
    for rendered in both(text):
        for el in lxml.html.fragment_fromstring(rendered or "<p></p>", create_parent="div").iter():
            assert isinstance(el.tag, str) and el.tag in allowed, (text, rendered)
            attrs = dict(el.attrib)
            if el.tag in ("td", "th") and re.fullmatch(r"text-align: (left|right|center);", attrs.get("style", "")):
                attrs.pop("style")
            assert set(attrs) <= ({"start"} if el.tag == "ol" else set()), (text, rendered)


@pytest.mark.parametrize("unit", ["{a=", "`a` ", "a`` `"])
def test_a_huge_answer_is_made_safe_in_linear_time(unit):
    # Every `{` used to rescan its line for `=`, every backtick copied the rest of the text: 300k
    # characters of "{a=" took minutes. Linear, it takes a fraction of a second even on a loaded machine.
    text = unit * (300_000 // len(unit))
    started = time.perf_counter()
    safe_markdown(text)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("text", ["~~~ not a fence ~~~ and ~~double~~", "a\n``` see below", "~~~~ tildes"])
def test_an_empty_unclosed_fence_line_is_kept_as_text(text):
    # It opened a fence with no body, so renderers showed nothing; the cell's JSON text was empty too.
    words = set(re.findall(r"\w+", text))
    for rendered in both(text):
        seen = lxml.html.fragment_fromstring(rendered or "<p></p>", create_parent="div").text_content()
        assert words <= set(re.findall(r"\w+", seen)), rendered
        assert "~~~" in seen or "```" in seen
