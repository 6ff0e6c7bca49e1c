"""Table HTML → one line per row, cells separated by a tab, a spanning cell once."""

from __future__ import annotations

import pytest

from dotsparse.celltext.plain_table import table_plain
from dotsparse.parse.html import clean_table_html

CASES = [
    ("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>", "a\tb\n1\t2"),
    ('<table><tr><th rowspan="2">name</th><th colspan="2">size &amp; weight</th></tr>'
     "<tr><td>cm</td><td>kg</td></tr><tr><td>x</td><td>1</td><td>2</td></tr></table>",
     "name\tsize & weight\ncm\tkg\nx\t1\t2"),
    ("<table><caption>Table 1: R&amp;D</caption><thead><tr><th>k</th></tr></thead>"
     "<tbody><tr><td>v</td></tr></tbody></table>", "Table 1: R&D\nk\nv"),
    ("<table><tr><td>a &lt; b</td><td>x<br>y</td><td><p>p1</p><p>p2</p></td></tr></table>", "a < b\tx y\tp1 p2"),
    ("<table><tr><td>**not** `markdown`</td><td><b>bold</b><sup>2</sup></td></tr></table>",
     "**not** `markdown`\tbold2"),
    ("<table><tr><td>a\tb\n c</td></tr></table>", "a b c"),
    ("<table><tr><td>1</td><td></td><td>3</td></tr><tr><td></td><td> </td></tr></table>", "1\t\t3"),
    ("<table><tr><td><ul><li>one</li><li>two</li></ul></td></tr></table>", "one two"),
    ("<div>before <table><tr><td>c</td></tr></table> after</div>", "before\nc\nafter"),
    ("", ""),
]


@pytest.mark.parametrize("markup,seen", CASES)
def test_table_text_one_line_per_row(markup, seen):
    assert table_plain(markup) == seen


@pytest.mark.parametrize("answer,seen", [
    # the sanitizer keeps a tag it does not allow as text: a reader sees it, so the plain text has it
    ("<table><tr><td>a<script>alert(1)</script></td><td onclick=x>R&D <b</td></tr>", "a<script>alert(1)</script>\tR&D <b"),
    ("<tr><td>1 < 2</td></tr>", "1 < 2"),
    ("<table><tr><td>x</td></tr></table><script>alert(1)</script> tail", "x\n<script>alert(1)</script> tail"),
])
def test_model_tables_after_sanitizing(answer, seen):
    html, _ = clean_table_html(answer)
    assert table_plain(html) == seen


def test_a_nested_table_is_text_of_its_cell():
    markup = "<table><tr><td>outer</td><td><table><tr><td>in1</td><td>in2</td></tr></table></td></tr></table>"
    assert table_plain(markup) == "outer\tin1 in2"


def test_junk_gives_text_not_an_error():
    assert table_plain("<<<>>>&amp;") in ("<<<>>>&", "&", "")
    assert table_plain("\x00<table>") in ("", "\ufffd")
