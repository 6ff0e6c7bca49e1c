"""Cell text → viewer HTML, without a browser: sanitized, math kept for KaTeX, JSON inert in a script block."""

from __future__ import annotations

import json

from dotsparse.model import Category, CellFormat
from dotsparse.viewer.data import safe_asset, safe_json
from dotsparse.viewer.render import cell_html, markdown_html
from tests.viewer.conftest import cell


def test_markdown_renders_and_keeps_only_allowed_markup():
    out = markdown_html("## Head\n\n**bold** <sup>2</sup> <script>x()</script> [a](javascript:x()) [b](https://e.org)")
    assert "<h2>Head</h2>" in out and "<strong>bold</strong>" in out and "<sup>2</sup>" in out
    assert "<script" not in out and "x()</" not in out and 'href="javascript' not in out
    assert 'href="https://e.org"' in out and 'rel="noopener noreferrer"' in out


def test_math_is_cut_out_before_markdown_and_escaped():
    out = markdown_html(r"where $x_i * y_i$ and $$\sum_i a_i$$ cost $5 and $10, \(a<b\)")
    assert '<span class="math">x_i * y_i</span>' in out
    assert '<span class="math display">\\sum_i a_i</span>' in out
    assert "$5 and $10" in out, "currency is not math"
    assert '<span class="math">a&lt;b</span>' in out


def test_formats_each_take_their_own_path():
    table = cell(0, Category.TABLE, None, "<table><tr><td onclick='x()'>1</td></tr></table><script>x</script>",
                 CellFormat.HTML)
    assert cell_html(table) == "<table><tbody><tr><td>1</td></tr></tbody></table>"
    latex = cell(1, Category.FORMULA, None, r"a < b \\ </script>", CellFormat.LATEX)
    assert cell_html(latex) == '<span class="math display">a &lt; b \\\\ &lt;/script&gt;</span>'
    plain = cell(2, Category.FORMULA, None, "a <b> c", CellFormat.TEXT)
    assert cell_html(plain) == '<p class="plain">a &lt;b&gt; c</p>'
    escaped = cell(3, Category.FORMULA, None, "x &lt; y &amp; z", CellFormat.TEXT)  # as the Markdown pass leaves it
    assert cell_html(escaped) == '<p class="plain">x &lt; y &amp; z</p>'  # shown as x < y & z, not as &lt;
    assert cell_html(cell(3, Category.PICTURE, None, "", CellFormat.NONE)) == ""


def test_embedded_json_cannot_close_its_script_block():
    text = safe_json({"t": "</script><script>alert(1)</script><!-- \u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text)["t"].startswith("</script>")


def test_assets_must_be_plain_files_inside_the_document_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "p.png").write_bytes(b"x")
    (tmp_path.parent / "outside.png").write_bytes(b"x")
    assert safe_asset(tmp_path, "images/p.png") == "images/p.png"
    for bad in ("../outside.png", "/etc/passwd", "javascript:alert(1)", "http://e.org/p.png", "images/none.png",
                "images/../../outside.png", None, ""):
        assert safe_asset(tmp_path, bad) is None, bad


def test_unclosed_delimiters_stay_text():
    # One pass over the text: these took 2-30 s each with the regex scanning that came before.
    for bad in ["\\[ " * 20000, "$ " * 30000, "<code " * 20000]:
        assert 'class="math' not in markdown_html(bad)
    assert markdown_html("$$ x " * 10000).count('class="math display"') == 5000


def test_escaped_dollars_and_prices_are_not_math():
    assert markdown_html(r"price \$5 and $x$") == '<p>price $5 and <span class="math">x</span></p>\n'
    assert markdown_html("a$b$ $ c $ $d$1") == "<p>a$b$ $ c $ $d$1</p>\n"


def test_code_stays_literal_and_math_in_a_link_cannot_break_out():
    assert markdown_html("`$a$` and <code>$b$</code>") == "<p><code>$a$</code> and <code>$b$</code></p>\n"
    import lxml.html

    tree = lxml.html.fragment_fromstring(markdown_html('[x](http://e.org/$a" onclick="b$)'), create_parent="div")
    assert [a for el in tree.iter() for a in el.attrib if a not in ("href", "rel", "class")] == []


def test_document_urls_cannot_become_schemes(tmp_path):
    from dotsparse.viewer.document import relative_url

    assert relative_url(tmp_path / "javascript:x" / "y.html", tmp_path) == "./javascript%3Ax/y.html"
    assert relative_url(tmp_path / "_viewer", tmp_path / "a" / "b") == "../../_viewer"


def test_every_static_file_is_package_data_and_katex_ships_whole():
    """A wheel carries what pyproject's package-data names: every file the viewer copies must match it."""
    import fnmatch
    import tomllib
    from pathlib import Path

    import dotsparse.viewer

    root = Path(dotsparse.viewer.__file__).parent
    patterns = tomllib.loads((root.parents[1] / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = patterns["dotsparse.viewer"]
    files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"
             and p.suffix != ".py" and "__pycache__" not in p.parts]
    assert files and all(any(fnmatch.fnmatch(f, pat) and f.count("/") == pat.count("/") for pat in shipped)
                         for f in files), files
    katex = root / "static" / "katex"
    assert (katex / "katex.min.js").is_file() and (katex / "LICENSE").is_file()
    fonts = {f.name for f in (katex / "fonts").glob("*.woff2")}
    css = (katex / "katex.min.css").read_text()
    import re

    assert set(re.findall(r"fonts/([\w-]+\.woff2)", css)) == fonts, "every font the CSS names ships, and no other"
    assert ".ttf" not in css and ".woff)" not in css
