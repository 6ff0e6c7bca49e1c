"""What the Markdown writer emits itself (math blocks, comments) is escaped for Markdown."""

import markdown
from markdown_it import MarkdownIt

from dotsparse.model import Category, Cell, CellFormat, PageResult, PageStatus
from dotsparse.writers.markdown import cell_markdown, comment, page_markdown

MD = MarkdownIt()


def formula(text: str) -> Cell:
    return Cell(order=0, category=Category.FORMULA, bbox_px=None, bbox_pt=None, text=text, format=CellFormat.LATEX)


def test_formula_latex_cannot_become_html_or_a_link():
    hostile = "a<b</script><script>alert(1)</script>\n\n![x](http://e/x.png)\n[r]: http://e/y.png"
    written = cell_markdown(formula(hostile))
    assert written.startswith("$$\na\\lt b") and "\n\n" not in written.strip()
    for rendered in (MD.render(written), markdown.markdown(written)):
        assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered


def test_formula_with_its_own_delimiters_is_not_wrapped_again():
    assert cell_markdown(formula("$x$, $y$")) == "$x$, $y$"
    assert cell_markdown(formula("x^2")) == "$$\nx^2\n$$"


def test_failed_page_comment_cannot_be_closed_by_its_error():
    page = PageResult(page=3, status=PageStatus.FAILED,
                      error="bad --> <script>alert(1)</script> in /data/x--!>y.pdf\n\nnext")
    written = page_markdown(page)
    assert written.startswith("<!-- page 3 failed: ") and written.endswith(" -->")
    assert written.count("--") == 2 and "<script" not in written
    for rendered in (MD.render(written), markdown.markdown(written)):
        assert rendered.strip() == written


def test_comment_text_is_kept_readably():
    assert comment("page 1 failed: HTTP 500") == "<!-- page 1 failed: HTTP 500 -->"
