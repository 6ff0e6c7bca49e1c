from dotsparse.parse.html import clean_inline_html, clean_table_html

HOSTILE = ('<table><tr><td onclick="steal()" style="x">a<script>alert(1)</script></td>'
           '<td colspan="2"><a href="javascript:alert(1)">b</a><img src=x onerror="y()"></td></tr>'
           '<tr><td><iframe src="http://x"></iframe><svg onload="z()"></svg>c</td></tr></table>')


def test_table_sanitizer_removes_every_active_thing():
    safe, repaired = clean_table_html(HOSTILE)
    lowered = safe.lower()
    for bad in ("script", "onclick", "onerror", "onload", "javascript:", "iframe", "<img", "<svg", "style="):
        assert bad not in lowered
    assert 'colspan="2"' in safe and repaired


def test_truncated_table_is_closed():
    safe, repaired = clean_table_html("<table><tr><td>1</td><td>2")
    assert safe == "<table><tbody><tr><td>1</td><td>2</td></tr></tbody></table>" and repaired


def test_well_formed_table_is_not_reported_repaired():
    assert clean_table_html("<table><tr><td rowspan=\"2\">1</td></tr></table>")[1] is False


def test_inline_html_in_markdown():
    assert clean_inline_html("E = mc<sup>2</sup><script>x()</script>") == "E = mc<sup>2</sup>"
    assert clean_inline_html("a < b & c") == "a < b & c"


def test_fenced_code_is_kept_literally_and_the_prose_around_it_is_still_cleaned():
    text = ('see <script>x()</script>below\n```js\nif (a < b) { s = "<b>" + t; }\n```\n'
            'after <img src=x onerror=alert(1)> <sup>2</sup>')
    assert clean_inline_html(text) == ('see below\n```js\nif (a < b) { s = "<b>" + t; }\n```\n'
                                       'after  <sup>2</sup>')
    # A fence that is never closed runs to the end, as Markdown reads it: shown as code, never as HTML.
    assert clean_inline_html("<i>x</i><iframe></iframe>\n~~~\n<b>code</b>") == "<i>x</i>\n~~~\n<b>code</b>"
    # A closing fence must be the opening's character, at least as long, alone on its line.
    assert clean_inline_html("````\n```\n<b>still code</b>\n````\n<script>y</script>z") == \
        "````\n```\n<b>still code</b>\n````\nz"
