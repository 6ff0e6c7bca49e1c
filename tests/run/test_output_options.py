"""Output-only options (page furniture, overlays) and the page selection never redo a page but are always
re-applied: a re-run with any of them changed rewrites the document from the stored results."""

from __future__ import annotations

from tests.run.conftest import load_doc, load_run, parse


def test_no_page_furniture_on_a_rerun_rewrites_the_markdown_without_redoing_pages(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=1, pages=2)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    md = out / "doc1" / "doc1.md"
    assert "running header" in md.read_text()
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--no-page-furniture").exit_code == 0
    assert server.requests == [] and load_run(out)["pages_reused"] == 2
    assert "running header" not in md.read_text() and "Results on page 2" in md.read_text()
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0  # and back
    assert server.requests == [] and "running header" in md.read_text()


def test_overlay_on_a_rerun_writes_the_overlays_without_redoing_pages(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=2, pages=2)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    assert not (out / "doc2" / "overlay").exists()
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--overlay").exit_code == 0
    assert server.requests == [] and load_run(out)["pages_reused"] == 2
    overlays = sorted(p.name for p in (out / "doc2" / "overlay").iterdir())
    assert overlays == ["p0001.png", "p0002.png"]


def test_a_smaller_then_larger_page_selection_rewrites_the_document(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=3, pages=3)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--pages", "2").exit_code == 0
    assert server.requests == []
    doc = load_doc(out, "doc3")
    assert doc["document"]["pages_selected"] == [2] and [p["page"] for p in doc["pages"]] == [2]
    md = (out / "doc3" / "doc3.md").read_text()
    assert "Results on page 2" in md and "Results on page 1" not in md
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0  # all pages again: all reused
    assert server.requests == [] and [p["page"] for p in load_doc(out, "doc3")["pages"]] == [1, 2, 3]


def test_a_registered_view_is_written_after_the_document_and_its_failure_loses_nothing(tmp_path, server, make_doc,
                                                                                     monkeypatch):
    from dotsparse.fileio import atomic_open
    from dotsparse.writers import registry

    class PageList:
        def __init__(self, target, stack):
            self.fh, self.pages = stack.enter_context(atomic_open(target.paths.file(".pages.txt"))), []

        def add(self, page):
            self.pages.append(str(page.page))

        def finish(self):
            self.fh.write(",".join(self.pages) + "\n")

    def broken(target, stack):
        raise RuntimeError("this view cannot be drawn")

    monkeypatch.setattr(registry, "FORMATS", registry.FORMATS + (
        registry.DocumentFormat("pages", PageList, optional=True),
        registry.DocumentFormat("broken", broken, optional=True)))
    path, _ = make_doc(doc_id=4, pages=2)
    out = tmp_path / "o"
    result = parse(path, "-o", out, "--server", server.url, quiet=False)
    assert result.exit_code == 0
    assert (out / "doc4" / "doc4.pages.txt").read_text() == "1,2\n" and (out / "doc4" / "doc4.md").is_file()
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "broken not written (RuntimeError: this view cannot be drawn)" in said


def test_the_viewer_is_a_registered_optional_format_and_the_index_a_run_format():
    from dotsparse.writers import registry

    view = {f.name: f for f in registry.FORMATS}["view"]
    assert view.optional and view.reads_source and view.enabled({"html": True}) and not view.enabled({})
    assert [f.name for f in registry.RUN_FORMATS] == ["index"]
    assert registry.RUN_FORMATS[0].enabled({"html": True}) and not registry.RUN_FORMATS[0].enabled({"html": False})


def test_html_on_a_rerun_writes_the_viewer_and_a_deleted_viewer_comes_back_without_redoing_pages(
        tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=5, pages=2)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--html").exit_code == 0
    viewer = out / "doc5" / "doc5.html"
    assert server.requests == [] and viewer.is_file() and (out / "index.html").is_file()
    assert sorted(p.name for p in (out / "doc5" / "view").glob("p*.jpg")) == ["p0001.jpg", "p0002.jpg"]
    viewer.unlink()
    assert parse(path, "-o", out, "--server", server.url, "--html").exit_code == 0  # same options: reused whole
    assert server.requests == [] and load_run(out)["documents_reused"] == 1 and viewer.is_file()
    assert "view" in load_run(out)["stage_s"]
