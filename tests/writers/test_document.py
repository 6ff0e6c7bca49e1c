import json

import pytest

from dotsparse.model import Category, Cell, CellFormat, DocumentInfo, Mode, PageResult, PageStatus
from dotsparse.writers.document import write_document
from dotsparse.writers.paths import DocPaths
from dotsparse.writers.registry import DocumentTarget


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


def write(tmp_path, pages, **outputs):
    target = DocumentTarget(paths=DocPaths(root=tmp_path, name="d"), info=_info(),
                            outputs={"page_furniture": True, **outputs})
    write_document(target, pages)


def test_one_pass_over_the_pages_writes_all_three_files(tmp_path, validate):
    md, nohf, js = _paths(tmp_path)
    pages = (_page(n) for n in (1, 2, 3))  # a generator: a second pass would see no pages
    write(tmp_path, pages)
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
        write(tmp_path, pages())
    assert list(tmp_path.iterdir()) == []


def test_json_is_valid_with_no_pages(tmp_path):
    md, nohf, js = _paths(tmp_path)
    write(tmp_path, [])
    assert json.loads(js.read_text())["pages"] == []


def test_without_page_furniture_only_the_main_markdown_changes(tmp_path):
    md, nohf, js = _paths(tmp_path)
    write(tmp_path, [_page(1)], page_furniture=False)
    assert "Header 1" not in md.read_text() and md.read_text() == nohf.read_text()


def test_a_registered_format_is_written_beside_the_others(tmp_path, monkeypatch):
    from dotsparse.fileio import atomic_open
    from dotsparse.writers import registry

    class Count:
        def __init__(self, target, stack):
            self.fh = stack.enter_context(atomic_open(target.paths.file(".count.txt")))
            self.n = 0

        def add(self, page):
            self.n += 1

        def finish(self):
            self.fh.write(f"{self.n} pages\n")

    fmt = registry.DocumentFormat("count", Count, enabled=lambda o: bool(o.get("count")))
    monkeypatch.setattr(registry, "FORMATS", registry.FORMATS + (fmt,))
    write(tmp_path, [_page(1), _page(2)])
    assert not (tmp_path / "d.count.txt").exists()  # disabled by its option
    write(tmp_path, [_page(1), _page(2)], count=True)
    assert (tmp_path / "d.count.txt").read_text() == "2 pages\n"
