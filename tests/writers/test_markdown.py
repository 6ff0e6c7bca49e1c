"""Markdown: one page-marker rule for every page; detect/order pages list their blocks; what the writer
emits itself (math blocks, comments) is escaped for Markdown."""

import re

import markdown
from markdown_it import MarkdownIt

from dotsparse.model import Category, Cell, CellFormat, DocumentInfo, Mode, PageResult, PageStatus
from dotsparse.writers.document import write_document
from dotsparse.writers.markdown import cell_markdown, comment, page_markdown
from dotsparse.writers.paths import DocPaths
from dotsparse.writers.registry import DocumentTarget


def _info(mode: Mode = Mode.LAYOUT, pages: list[int] = [1, 2, 3]) -> DocumentInfo:
    return DocumentInfo(source="d.pdf", sha256="0" * 64, kind="pdf", page_count=9, pages_selected=pages,
                        dpi=200, engine="openai", model="model", mode=mode, dotsparse_version="0")


def _page(n: int, text: bool = True) -> PageResult:
    fmt = CellFormat.MARKDOWN if text else CellFormat.NONE
    cells = [Cell(order=0, category=Category.PAGE_HEADER, bbox_px=[10, 5, 500, 20], bbox_pt=None,
                  text=f"Header {n}" if text else "", format=fmt),
             Cell(order=1, category=Category.TEXT, bbox_px=[10.4, 40, 500, 300.6], bbox_pt=None,
                  text=f"Body of page {n}." if text else "", format=fmt)]
    return PageResult(page=n, status=PageStatus.OK, cells=cells)


def _write(tmp_path, info, pages):
    paths = DocPaths(root=tmp_path, name="d")
    write_document(DocumentTarget(paths=paths, info=info, outputs={"page_furniture": True}), pages)
    return paths.markdown.read_text(), paths.markdown_nohf.read_text()


def test_every_page_starts_with_its_marker_the_first_too(tmp_path):
    failed = PageResult(page=7, status=PageStatus.FAILED, error="no layout JSON")
    for text in _write(tmp_path, _info(pages=[3, 5, 7]), [_page(3), _page(5), failed]):
        assert text.startswith("<!-- page 3 -->\n\n")
        assert re.findall(r"<!-- page (\d+) -->", text) == ["3", "5", "7"]
        for n in (3, 5):  # each body follows its own marker
            assert text.index(f"<!-- page {n} -->") < text.index(f"Body of page {n}.")
        assert "<!-- page 7 -->\n\n<!-- page 7 failed: no layout JSON -->\n" in text


def test_detect_and_order_pages_list_blocks_with_order_category_and_box(tmp_path):
    for mode in (Mode.DETECT, Mode.ORDER):
        md, nohf = _write(tmp_path, _info(mode, [1]), [_page(1, text=False)])
        assert md == ("<!-- page 1 -->\n\n| order | category | box (page px) | crop |\n|---:|---|---|---|\n"
                      "| 0 | Page-header | 10, 5, 500, 20 |  |\n| 1 | Text | 10, 40, 500, 301 |  |\n")
        assert "Page-header" not in nohf and "| 1 | Text | 10, 40, 500, 301 |" in nohf


def test_layout_pages_keep_their_text_not_a_block_table(tmp_path):
    md, _ = _write(tmp_path, _info(Mode.LAYOUT, [1]), [_page(1)])
    assert md == "<!-- page 1 -->\n\nHeader 1\n\nBody of page 1.\n"

MD = MarkdownIt()


def formula(text: str) -> Cell:
    return Cell(order=0, category=Category.FORMULA, bbox_px=None, bbox_pt=None, text=text, format=CellFormat.LATEX)


def test_formula_latex_cannot_become_html_or_a_link():
    hostile = "a<b</script><script>alert(1)</script>\n\n![x](http://e/x.png)\n[r]: http://e/y.png"
    written = cell_markdown(formula(hostile))
    assert written.startswith("$$\na\\lt b") and "\n\n" not in written.strip()
    for rendered in (MD.render(written), markdown.markdown(written)):
        assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered


def test_formula_latex_gets_no_attributes_from_python_markdown_extra():
    # attr_list reads `{...=...}` after emphasis and a last line `{...}`: onclick and style=url() came through.
    for hostile in ("a *b*{onclick=alert(1)} c", "_a_{style=background:url(http://e/x)}",
                    "$x$\n{onclick=alert(1)}"):
        rendered = markdown.markdown(cell_markdown(formula(hostile)), extensions=["extra"])
        assert "alert(1)" in rendered or "http://e/x" in rendered
        assert "onclick=" not in rendered.replace("{onclick=", "") and "style=" not in rendered.replace("{style=", "")
    assert cell_markdown(formula("\\sum_{i=1}^{n} x_{i}")) == "$$\n\\sum_ {i=1}^{n} x_{i}\n$$"


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
