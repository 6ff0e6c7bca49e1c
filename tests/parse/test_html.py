import lxml.html
import markdown
import pytest
from markdown_it import MarkdownIt

from dotsparse.parse.html import TABLE_ATTRS, TABLE_TAGS, clean_table_html, is_table_html

HOSTILE = ('<table><tr><td onclick="steal()" style="x">a<script>alert(1)</script></td>'
           '<td colspan="2"><a href="javascript:alert(1)">b</a><img src=x onerror="y()"></td></tr>'
           '<tr><td><iframe src="http://x"></iframe><svg onload="z()"></svg>c</td></tr></table>')


def test_table_sanitizer_leaves_no_active_thing_and_keeps_the_text():
    safe, repaired = clean_table_html(HOSTILE)
    for el in lxml.html.fragment_fromstring(safe, create_parent="div").iter():
        assert el.tag == "div" or el.tag in TABLE_TAGS
        assert set(el.attrib) <= TABLE_ATTRS.get(el.tag, set())
    # What is not a table tag is text: escaped, never dropped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in safe and "&lt;img src=x" in safe
    assert 'colspan="2"' in safe and repaired


def test_text_that_looks_like_a_tag_stays_in_the_table():
    safe, _ = clean_table_html("<table><tr><td>ratio <LLN with FEV1</td><td>a<b & c <b>x</b></td></tr></table>")
    assert "ratio &lt;LLN with FEV1" in safe and "a&lt;b &amp; c <b>x</b>" in safe


def test_truncated_table_is_closed():
    safe, repaired = clean_table_html("<table><tr><td>1</td><td>2")
    assert safe == "<table><tbody><tr><td>1</td><td>2</td></tr></tbody></table>" and repaired


def test_well_formed_table_is_not_reported_repaired():
    assert clean_table_html("<table><tr><td rowspan=\"2\">1</td></tr></table>")[1] is False


def test_table_html_is_one_line_so_markdown_never_reads_inside_it():
    safe, _ = clean_table_html("<table><tr><td>a\n\n![x](http://e/x.png)</td></tr>\n\n<tr><td>b</td></tr></table>")
    assert "\n" not in safe and "![x](http://e/x.png)" in safe


def test_rows_without_a_table_element_are_wrapped_and_plain_tables_are_not_html():
    assert clean_table_html("<tr><td>a</td></tr>")[0] == "<table><tbody><tr><td>a</td></tr></tbody></table>"
    assert is_table_html("<TABLE><tr>") and not is_table_html("a | b\n--|--\n1 | 2")


@pytest.mark.parametrize("answer", [
    "<table><tr><td>a</td></tr></table>[x](javascript:alert(1)) ![i](http://e/x.png)",
    "<span>s</span><table><tr><td>[x](javascript:alert(1)) ![i](http://e/x.png)</td></tr></table>",
    "<b>b</b><table><tr><td>[x](javascript:alert(1))</td></tr></table>",
    "<br><table><tr><td>[x](javascript:alert(1))</td></tr></table>",
    "<td>a</td><span>[x](javascript:alert(1))</span>",
    "<p></p>[x](javascript:alert(1))<table><tr><td>a</td></tr></table>",
])
def test_text_beside_the_table_is_inside_one_html_block_in_every_renderer(answer):
    # Python-Markdown reads Markdown after `</table>` on the same line, and a line starting with an
    # inline tag (`<span>`, `<b>`) is no HTML block anywhere: the table must be one block element.
    safe, _ = clean_table_html(answer)
    for rendered in (MarkdownIt().render(safe), markdown.markdown(safe), markdown.markdown(safe, extensions=["extra"])):
        tree = lxml.html.fragment_fromstring(rendered, create_parent="div")
        assert not [el for el in tree.iter() if el.tag in ("a", "img")], rendered
        assert "javascript:alert(1)" in rendered
