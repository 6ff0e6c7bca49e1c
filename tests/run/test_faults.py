"""Fault isolation: server errors, hangs, resets, broken answers and broken files fail alone."""

from __future__ import annotations

from pathlib import Path

import pymupdf as fitz
import pytest

from tests.run.conftest import load_doc, load_run, parse, statuses
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import Fault


@pytest.mark.parametrize("fault,n", [
    (Fault.status(500), 2),
    (Fault.status(429, retry_after="0"), 2),
    (Fault.reset(), 1),
    (Fault.hang(3), 1),  # past --timeout 1
])
def test_transport_faults_are_retried(tmp_path, server, make_doc, fault, n):
    path, _ = make_doc(doc_id=1, pages=2)
    server.fail_next(n, fault)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--timeout", 1, "-j", 1).exit_code == 0
    pages = load_doc(out, "doc1")["pages"]
    assert [p["status"] for p in pages] == ["ok", "ok"] and pages[0]["usage"]["attempts"] == n + 1
    assert load_run(out)["retries"] == n


def test_page_failing_after_retries_fails_alone_and_rerun_redoes_only_it(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=2, pages=3)
    server.set_fault_for((2, 1), Fault.status(500))
    out = tmp_path / "o"
    result = parse(path, "-o", out, "--server", server.url, "--max-retries", 1)
    assert result.exit_code == 1
    pages = load_doc(out, "doc2")["pages"]
    assert [p["status"] for p in pages] == ["ok", "failed", "ok"]
    assert "HTTP 500" in pages[1]["error"] and pages[1]["cells"] == []
    assert "<!-- page 2 failed" in (out / "doc2" / "doc2.md").read_text()
    assert load_run(out)["failed_pages"][0]["page"] == 2
    server.clear_faults()
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    assert [r.key for r in server.requests] == [(2, 1)]
    assert statuses(out, "doc2") == ["ok", "ok", "ok"]
    assert load_run(out)["pages_reused"] == 2


def test_max_retries_bounds_the_attempts(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=3, pages=1)
    server.fail_next(3, Fault.status(500))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--max-retries", 2).exit_code == 1
    assert len(server.requests) == 3 and statuses(out, "doc3") == ["failed"]


def by_prompt(**faults: Fault):
    return lambda no, key, prompt_name: faults.get(prompt_name)


def test_fallback_rescale_alone_keeps_the_best_answer(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=4, pages=1)
    server.faults = by_prompt(layout_all=Fault.truncate(600))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--fallback", "rescale").exit_code == 0
    page = load_doc(out, "doc4")["pages"][0]
    assert page["status"] == "truncated" and page["fallbacks"] == ["rescale"]
    assert [r.prompt_name for r in server.requests] == ["layout_all", "layout_all"]
    assert server.requests[1].temperature > server.requests[0].temperature
    assert server.requests[1].image_size[0] < server.requests[0].image_size[0]


def test_fallback_boxes_when_layout_keeps_failing(tmp_path, server, make_doc):
    path, spec = make_doc(doc_id=5, pages=1)
    server.faults = by_prompt(layout_all=Fault.loop(3000))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--fallback", "rescale,boxes").exit_code == 0
    page = load_doc(out, "doc5")["pages"][0]
    assert page["status"] == "fallback" and page["fallbacks"] == ["rescale", "boxes"]
    names = [r.prompt_name for r in server.requests]
    assert names[:3] == ["layout_all", "layout_all", "layout_only"] and "grounding_ocr" in names
    text = " ".join(c["text"] for c in page["cells"])
    assert "Paragraph 1 of page 1" in text
    assert load_run(out)["fallbacks"] == {"rescale": 1, "boxes": 1}


def test_fallback_embedded_when_every_vlm_step_fails(tmp_path, server, make_doc):
    # Defect 9: a server that is not dots.ocr (a chat model answering prose) used to give exit 0, no word.
    embedded = pytest.importorskip("dotsparse.engines.embedded", reason="embedded engine not importable yet")
    if not hasattr(embedded.EmbeddedEngine, "start"):
        pytest.skip("embedded engine does not implement Engine.start yet (being written)")
    path, _ = make_doc(doc_id=6, pages=2)
    server.faults = lambda no, key, prompt_name: Fault.garbage()
    out = tmp_path / "o"
    result = parse(path, "-o", out, "--server", server.url, "-j", 1, quiet=False)
    assert result.exit_code == 3
    pages = load_doc(out, "doc6")["pages"]
    for page in pages:
        assert page["status"] == "fallback" and page["fallbacks"] == ["rescale", "boxes", "embedded"]
        assert page["raw_answer"].startswith("I'm sorry") and ("fallback_used", "embedded") in [
            (r["kind"], r["detail"]) for r in page["repairs"]]
    assert "Paragraph 1 of page 1" in " ".join(c["text"] for c in pages[0]["cells"])
    said = " ".join(result.output.split())
    assert said.count("does not answer like dots.ocr") == 2  # the warning once, and the summary line
    assert "'model'" in said and "I'm sorry" in said and "2 page(s) come from the embedded fallback" in said
    run = load_run(out)
    assert run["pages_from_embedded"] == 2 and "I'm sorry" in run["not_dots_ocr"]


def test_broken_files_are_reported_and_the_run_continues(tmp_path, server, make_doc):
    folder = tmp_path / "in"
    folder.mkdir()
    make_doc(doc_id=7, pages=1, name="in/good.pdf")
    whole = make_pdf(tmp_path / "whole.pdf", simple_doc(8, 2)).read_bytes()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 3])
    (folder / "header_only.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "zero_pages.pdf").write_bytes(_zero_page_pdf())
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = tmp_path / "out"
    result = parse(folder, "-o", out, "--server", server.url)
    assert result.exit_code == 1
    assert statuses(out, "good") == ["ok"]
    failed = {Path(f["source"]).name: f["error"] for f in load_run(out)["failed_files"]}
    assert {"header_only.pdf", "zero_pages.pdf", "photo.jpg"} <= set(failed)
    # a truncated PDF either fails as a file or is repaired by PyMuPDF; it never stops the run
    assert "truncated.pdf" in failed or (out / "truncated" / "truncated.json").is_file()


def _zero_page_pdf() -> bytes:
    """A syntactically valid PDF whose page tree is empty (PyMuPDF refuses to save one)."""
    body = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(body, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    assert fitz.open(stream=bytes(out), filetype="pdf").page_count == 0
    return bytes(out)
