"""Limits: bounded pages in flight, page and document timeouts, the failure-ratio cut-off, the run report."""

from __future__ import annotations

from tests.run.conftest import load_doc, load_run, parse, statuses
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import Fault, FakeDotsServer


def test_pages_in_flight_never_exceed_concurrency(tmp_path):
    docs = {i: simple_doc(i, 4) for i in range(1, 4)}
    paths = [make_pdf(tmp_path / f"doc{i}.pdf", spec) for i, spec in docs.items()]
    with FakeDotsServer(docs, latency=0.05) as server:
        assert parse(*paths, "-o", tmp_path / "o", "--server", server.url, "-j", 3).exit_code == 0
        assert len(server.requests) == 12 and server.max_concurrent_seen <= 3


def test_page_timeout_fails_only_the_slow_page(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=1, pages=3)
    server.set_fault_for((1, 1), Fault.hang(5))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--page-timeout", 1).exit_code == 1
    pages = load_doc(out, "doc1")["pages"]
    assert [p["status"] for p in pages] == ["ok", "failed", "ok"] and "timeout" in pages[1]["error"]


def test_doc_timeout_fails_the_unfinished_pages_with_a_reason(tmp_path, make_doc, server):
    path, _ = make_doc(doc_id=2, pages=6)
    other, _ = make_doc(doc_id=3, pages=1)
    server.latency = 0.4
    out = tmp_path / "o"
    assert parse(path, other, "-o", out, "--server", server.url, "-j", 2, "--doc-timeout", 1).exit_code == 1
    pages = load_doc(out, "doc2")["pages"]
    ok = [p for p in pages if p["status"] == "ok"]
    failed = [p for p in pages if p["status"] == "failed"]
    assert ok and failed and len(ok) + len(failed) == 6
    assert all("document timeout of 1s exceeded" in p["error"] for p in failed)
    assert statuses(out, "doc3") == ["ok"]  # the budget is per document
    assert load_run(out)["documents_with_failed_pages"] == 1


def test_failure_ratio_stops_the_run(tmp_path, make_doc, server):
    paths = [make_doc(doc_id=i, pages=6)[0] for i in (4, 5, 6)]
    server.faults = lambda no, key, prompt_name: Fault.status(500) if key and key[1] % 2 else None
    out = tmp_path / "o"
    result = parse(*paths, "-o", out, "--server", server.url, "-j", 2, "--max-retries", 0, "--fallback", "none",
                   "--max-failed-ratio", 0.3)
    assert result.exit_code == 1
    run = load_run(out)
    assert run["stopped_early"].startswith("failure ratio exceeded")
    assert len(server.requests) < 18 and run["pages"] == 18
    pages = [p for i in (4, 5, 6) for p in load_doc(out, f"doc{i}")["pages"]]
    stopped = [p for p in pages if p["error"] and p["error"].startswith("run stopped: failure ratio exceeded")]
    assert stopped and all(p["status"] == "failed" for p in stopped)
    assert all(p["status"] == "ok" or p["error"] for p in pages)


def test_run_report_counts_stages_retries_and_tokens(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=7, pages=2)
    server.fail_next(1, Fault.status(500))
    out = tmp_path / "o"
    result = parse(path, "-o", out, "--server", server.url, "-j", 1, quiet=False)
    assert result.exit_code == 0
    run = load_run(out)
    assert run["pages_by_status"] == {"ok": 2} and run["retries"] == 1 and run["documents_written"] == 1
    assert run["prompt_tokens"] > 0 and run["completion_tokens"] > 0 and run["pages_per_s"] > 0
    assert {"render", "wait", "engine", "parse", "write", "assemble"} <= set(run["stage_s"])
    assert "time per stage" in result.output and "retries 1" in result.output
