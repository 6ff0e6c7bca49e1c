"""Safe Markdown → what a reader sees: entities decoded, markup gone, code and math kept as written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from dotsparse.celltext import plain_markdown
from dotsparse.celltext.plain_markdown import markdown_plain
from dotsparse.parse.safe_markdown import safe_markdown

CASES = [
    # (what the model wrote, what a reader sees); the cell's text is safe_markdown of the first
    ("If a < b and R&D wins: x<y", "If a < b and R&D wins: x<y"),
    ("Use <script>alert(1)</script> & *stars*", "Use <script>alert(1)</script> & stars"),
    ("&amp; &lt;b&gt; &#169; &copy;", "& <b> © ©"),
    ("a **bold** _it_ ~~gone~~ word", "a bold it gone word"),
    ("x<sup>2</sup> H<sub>2</sub>O <b>b</b> <span>s</span>", "x2 H2O b s"),
    ("one<br>two<br/>three", "one\ntwo\nthree"),
    ("call `f(*a, **k) < 1 && x` now", "call f(*a, **k) < 1 && x now"),
    ("``a ` b``", "a ` b"),
    ("```python\nif a < b and c > d:\n    print(*x, '&amp;')\n```", "if a < b and c > d:\n    print(*x, '&amp;')"),
    ("~~~\n<script>x()</script>\n~~~", "<script>x()</script>"),
    ("before\n\n```\ncode\n```\n\nafter", "before\ncode\nafter"),
    ("see [the docs](javascript:alert(1)) and ![img](http://e/x.png)",
     "see [the docs](javascript:alert(1)) and ![img](http://e/x.png)"),
    ("[ref]: http://evil.example/\n\n[ref]", "[ref]: http://evil.example/\n[ref]"),
    ("<http://example.com> <a@b.c>", "<http://example.com> <a@b.c>"),
    ("*b*{onclick=x} {: .c}", "b{onclick=x} {: .c}"),
    ("a stray ` tick, \\* and \\_", "a stray ` tick, * and _"),
    ("# Title *here*", "Title here"),
    ("## Section 2.1 &amp; more", "Section 2.1 & more"),
    ("Setext\n===", "Setext"),
    ("- first\n- second *b*\n  - nested", "first\nsecond b\nnested"),
    ("1. one\n1. two\n1. three", "1. one\n2. two\n3. three"),
    ("3) three\n4) four", "3. three\n4. four"),
    ("1. - inner", "1. inner"),
    ("> quoted *text*\n> more", "quoted text\nmore"),
    ("para one\nline two\n\npara two", "para one\nline two\npara two"),
    ("hard  \nbreak", "hard\nbreak"),
    ("above\n\n---\n\nbelow", "above\nbelow"),
    ("| a | b |\n|---|---|\n| 1 &lt; 2 | *x* |", "a\tb\n1 < 2\tx"),
    ("energy $E = mc^2$ and $a*b*c$ inline", "energy $E = mc^2$ and $a*b*c$ inline"),
    (r"as \(x_{i} \cdot \{y\}\) shows", r"as \(x_{i} \cdot \{y\}\) shows"),
    ("$$\\sum_{i<n} x_i$$", "$$\\sum_{i<n} x_i$$"),
    ("price $5 and $6", "price $5 and $6"),
    ("   indented three", "indented three"),
    ("", ""),
    ("  \n\t ", ""),
]


@pytest.mark.parametrize("written,seen", CASES)
def test_a_reader_sees_the_text_without_markup(written, seen):
    assert markdown_plain(safe_markdown(written)) == seen


def test_unsanitized_markdown_still_gives_text():
    """Cells built from Python need not come through safe_markdown: raw HTML reads as its text."""
    assert markdown_plain("<div>\n<b>bold</b> &amp; plain\n</div>") == "bold & plain"
    assert markdown_plain("<script>alert(1)</script>") == "alert(1)"
    assert markdown_plain("[a link](http://example.com) <http://x.y>") == "a link http://x.y"


def test_long_text_is_rendered_the_same_without_the_cache():
    paragraph = "A *word* &amp; `code` here. " * 1000
    assert len(paragraph) > plain_markdown._CACHED_UP_TO
    assert markdown_plain(paragraph) == plain_markdown._plain(paragraph)
    assert markdown_plain(paragraph).startswith("A word & code here. A word")


_PROSE = st.lists(st.sampled_from(list("ab é1.)-+=>#|!{}(): \t\u00a0\u3000\x1f\x0b\u2028") + ["\n", "*", "&amp;", "<"]),
                  max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_PROSE)
def test_the_fast_path_agrees_with_markdown_it(text):
    """Text that skips the renderer (most cells) must read exactly as the renderer would read it."""
    assert markdown_plain(text) == plain_markdown._plain(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_model_text_gives_plain_text(text):
    plain = markdown_plain(safe_markdown(text))
    assert "&lt;" not in plain or "&lt;" in text or "&amp;" in text or "&#" in text  # never our own entity
