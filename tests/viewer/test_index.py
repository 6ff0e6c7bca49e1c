"""index.html from run.json and the documents' entries: every value escaped, failures listed."""

from __future__ import annotations

from pathlib import Path

from dotsparse.viewer.entry import DocEntry
from dotsparse.viewer.index import write_index


def test_index_lists_documents_pages_and_the_run_summary_escaped(tmp_path):
    entry = DocEntry(name="<b>doc</b>", html_path=tmp_path / "doc" / "doc.html", source="a<script>.pdf", engine="openai",
                     mode="layout", page_count=3, statuses=[(1, "ok"), (2, "failed"), (3, "repaired")],
                     error=None)
    run = {"engine": "openai", "model": "dots.ocr", "mode": "layout", "documents": 2, "pages": 3,
           "pages_by_status": {"ok": 1, "failed": 1, "repaired": 1}, "retries": 4, "fallbacks": {"rescale": 1},
           "prompt_tokens": 1200, "completion_tokens": 3400, "wall_s": 12.5, "pages_per_s": 0.24,
           "stage_s": {"render": 0.5, "engine": 11.0}, "stopped_early": "failure ratio exceeded",
           "failed_files": [{"source": "bad<img src=x onerror=1>.pdf", "error": "not a readable PDF"}]}
    html = write_index(tmp_path, [entry], run).read_text()
    assert "<b>doc</b>" not in html and "&lt;b&gt;doc&lt;/b&gt;" in html
    assert "<script>" not in html and "<img" not in html
    assert 'href="./doc/doc.html#p2" title="page 2: failed"' in html and 'class="st-failed"' in html
    for fact in ("1,200 / 3,400", "4</b><span>retries; fallbacks: rescale 1", "12.5 s", "engine</th>",
                 "11.00 s", "Stopped early: failure ratio exceeded", "not a readable PDF"):
        assert fact in html, fact
    assert "default-src 'none'" in __import__("html").unescape(html)


def test_index_without_a_run_json_still_lists_documents(tmp_path):
    entry = DocEntry(name="doc", html_path=tmp_path / "doc" / "doc.html", source="a.pdf", engine="embedded",
                     mode="detect", page_count=1, statuses=[(1, "ok")], error="one page unreadable")
    html = write_index(tmp_path, [entry]).read_text()
    assert "1 document(s)" in html and "one page unreadable" in html and "<h2>Run</h2>" not in html
    assert write_index(tmp_path, []).read_text().count("No parsed document here yet") == 1
    assert Path(tmp_path / "index.html").is_file()
