import json

import pytest

from dotsparse.model import Category, Cell, CellFormat, DocumentInfo, Mode, PageResult, PageStatus
from dotsparse.writers.document import write_document


def _info() -> DocumentInfo:
    return DocumentInfo(source="d.pdf", sha256="0" * 64, kind="pdf", page_count=3, pages_selected=[1, 2, 3],
                        dpi=200, engine="openai", model="model", mode=Mode.LAYOUT, dotsparse_version="0")


def _page(n: int) -> PageResult:
    cells = [Cell(order=0, category=Category.PAGE_HEADER, bbox_px=None, bbox_pt=None, text=f"Header {n}",
                  format=CellFormat.MARKDOWN),
             Cell(order=1, category=Category.TEXT, bbox_px=None, bbox_pt=None, text=f"Body of page {n}.",
                  format=CellFormat.MARKDOWN)]
    return PageResult(page=n, status=PageStatus.OK, cells=cells)


def _paths(tmp_path):
    return tmp_path / "d.md", tmp_path / "d_nohf.md", tmp_path / "d.json"


def test_one_pass_over_the_pages_writes_all_three_files(tmp_path, validate):
    md, nohf, js = _paths(tmp_path)
    pages = (_page(n) for n in (1, 2, 3))  # a generator: a second pass would see no pages
    write_document(md, nohf, js, _info(), pages)
    assert md.read_text().count("Body of page") == 3 and "Header 2" in md.read_text()
    assert "<!-- page 3 -->" in md.read_text()
    assert nohf.read_text().count("Body of page") == 3 and "Header" not in nohf.read_text()
    assert [p["page"] for p in validate(js)["pages"]] == [1, 2, 3]


def test_a_failure_midway_leaves_no_file_that_looks_complete(tmp_path):
    md, nohf, js = _paths(tmp_path)

    def pages():
        yield _page(1)
        raise FileNotFoundError("page 2 result missing")

    with pytest.raises(FileNotFoundError):
        write_document(md, nohf, js, _info(), pages())
    assert list(tmp_path.iterdir()) == []


def test_json_is_valid_with_no_pages(tmp_path):
    md, nohf, js = _paths(tmp_path)
    write_document(md, nohf, js, _info(), [])
    assert json.loads(js.read_text())["pages"] == []
