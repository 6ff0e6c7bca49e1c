"""`parse --html` and `dotsparse view` end to end, against the local fake dots.ocr server."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

from typer.testing import CliRunner

from dotsparse.cli import app
from dotsparse.viewer.assets import SCRIPTS

runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


def invoke(args: list[str]):
    """The CLI on its own thread: Playwright's sync API keeps an event loop running on this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(runner.invoke, app, args, catch_exceptions=False).result()


def test_parse_html_writes_each_documents_viewer_and_the_index(tmp_path, server, make_doc, open_page):
    a, _ = make_doc(doc_id=1, pages=2)
    b, _ = make_doc(doc_id=2, pages=1)
    out = tmp_path / "out"
    result = invoke(["parse", str(a), str(b), "-o", str(out), "--server", server.url, "--html", "-q"])
    assert result.exit_code == 0, result.output
    for name, pages in (("doc1", 2), ("doc2", 1)):
        assert (out / name / f"{name}.html").is_file()
        assert sorted(p.name for p in (out / name / "view").glob("p*.jpg")) == [f"p000{n}.jpg" for n in
                                                                              range(1, pages + 1)]
    assert (out / "_viewer" / "katex" / "katex.min.js").is_file()
    run = json.loads((out / "run.json").read_text())
    assert "view" in run["stage_s"]
    opened = open_page(out / "index.html", wait=False)
    page = opened.page
    assert page.locator("tr a[href='./doc1/doc1.html']").count() == 1
    assert page.locator(".strip a").count() == 3
    assert page.locator(".strip a[href='./doc1/doc1.html#p2']").get_attribute("title") == "page 2: ok"
    assert "time per stage" in page.locator(".facts").inner_text()
    page.locator("tr a[href='./doc2/doc2.html']").click()
    page.wait_for_selector("#p1 .cell")
    data = json.loads((out / "doc2" / "doc2.json").read_text())
    assert page.locator("#p1 .box").count() == sum(1 for c in data["pages"][0]["cells"] if c["bbox_px"])
    assert all(u.startswith("file://") for u in opened.requests)


def test_a_rerun_with_html_builds_the_viewer_of_documents_already_done(tmp_path, server, make_doc):
    a, _ = make_doc(doc_id=1, pages=1)
    out = tmp_path / "out"
    assert invoke(["parse", str(a), "-o", str(out), "--server", server.url, "-q"]).exit_code == 0
    assert not (out / "doc1" / "doc1.html").exists()
    result = invoke(["parse", str(a), "-o", str(out), "--server", server.url, "--html", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "doc1" / "doc1.html").is_file() and (out / "index.html").is_file()
    before = (out / "doc1" / "view" / "p0001.js").stat().st_mtime_ns
    result = invoke(["parse", str(a), "-o", str(out), "--server", server.url, "--force", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "doc1" / "view" / "p0001.js").stat().st_mtime_ns > before, "a viewer is never left stale"


def test_view_builds_from_outputs_and_says_when_the_source_is_gone(tmp_path, server, make_doc, open_page):
    a, _ = make_doc(doc_id=1, pages=2)
    out = tmp_path / "out"
    assert invoke(["parse", str(a), "-o", str(out), "--server", server.url, "-q"]).exit_code == 0
    moved = tmp_path / "elsewhere"
    shutil.copytree(out, moved)
    a.unlink()
    result = invoke(["view", str(moved)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("index.html")
    assert not list((moved / "doc1" / "view").glob("*.jpg"))
    opened = open_page(moved / "doc1" / "doc1.html")
    opened.page.wait_for_selector("#p2 .cell")
    assert "source not found" in opened.page.locator("#p1 .image-note").inner_text()
    assert opened.page.locator("#p1 .box").count() > 0
    # one document folder alone is a viewer root too
    result = invoke(["view", str(moved / "doc1")])
    assert result.exit_code == 0 and all((moved / "doc1" / "_viewer" / name).is_file() for name in SCRIPTS)
    assert 'href="./_viewer/viewer.css"' in (moved / "doc1" / "doc1.html").read_text()


def test_view_and_html_usage_errors(tmp_path):
    assert invoke(["view", str(tmp_path / "none")]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(["view", str(empty)])
    assert result.exit_code == 2 and "no <doc>/<doc>.json" in flat(result.output)
    result = invoke(["parse", str(tmp_path / "x.pdf"), "-o", "-", "--html"])
    assert result.exit_code == 2 and "--html writes files" in flat(result.output)


def test_view_reports_an_unreadable_document_json_and_builds_the_rest(tmp_path, server, make_doc):
    a, _ = make_doc(doc_id=1, pages=1)
    out = tmp_path / "out"
    assert invoke(["parse", str(a), "-o", str(out), "--server", server.url, "-q"]).exit_code == 0
    (out / "broken").mkdir()
    (out / "broken" / "broken.json").write_text("{not json")
    result = invoke(["view", str(out)])
    assert result.exit_code == 1 and "broken.json: cannot read" in flat(result.output)
    assert (out / "doc1" / "doc1.html").is_file()
