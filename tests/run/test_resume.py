"""Resume: finished pages are kept, missing or failed ones redone, and the result equals an uninterrupted run.

"Equal" means: `<doc>.md`, `<doc>_nohf.md` and every asset byte-identical, and `<doc>.json` identical
except each page's `timings`, which are seconds measured by whichever run produced that page (a reused
page keeps its stored timings; a redone page cannot reproduce another run's clock).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dotsparse.config import Options
from tests.run.conftest import load_doc, load_run, parse, statuses, without_timings
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer

FINAL_SUFFIXES = (".md", ".json", ".html", ".tex", ".png")


def outputs(out: Path, name: str) -> dict[str, bytes]:
    """Every final output file of a document (not the resume state), by relative path."""
    root = out / name
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".dotsparse" not in p.parts and not p.name.endswith(".part")}


def assert_same_result(a: Path, b: Path, name: str) -> None:
    left, right = outputs(a, name), outputs(b, name)
    assert set(left) == set(right)
    for rel in left:
        if rel != f"{name}.json":
            assert left[rel] == right[rel], rel
    assert without_timings(load_doc(a, name)) == without_timings(load_doc(b, name))


def test_rerun_reuses_everything_and_force_redoes_all(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=1, pages=3)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    first = outputs(out, "doc1")
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    assert server.requests == [] and outputs(out, "doc1") == first
    run = load_run(out)
    assert run["documents_reused"] == 1 and run["pages_reused"] == 3
    assert parse(path, "-o", out, "--server", server.url, "--force").exit_code == 0
    assert len(server.requests) == 3 and load_run(out)["pages_reused"] == 0


def test_missing_and_corrupt_page_records_are_redone(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=2, pages=4)
    out, ref = tmp_path / "o", tmp_path / "ref"
    assert parse(path, "-o", ref, "--server", server.url).exit_code == 0
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    state = out / "doc2" / ".dotsparse"
    (state / "done.json").unlink()  # as if killed before the document was assembled
    (state / "pages" / "p00002.json").unlink()
    (state / "pages" / "p00004.json").write_text('{"key": "x", "result": {')
    (out / "doc2" / "doc2.md").write_text("stale")
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    assert sorted(r.key for r in server.requests) == [(2, 1), (2, 3)]
    assert_same_result(ref, out, "doc2")


def test_changed_options_or_input_invalidate_the_pages(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=3, pages=2)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--temperature", 0.3).exit_code == 0
    assert len(server.requests) == 2
    path.write_bytes(path.read_bytes() + b"\n% another revision\n")  # same pages, new sha256
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url, "--temperature", 0.3).exit_code == 0
    assert len(server.requests) == 2


def _final_files_are_whole(out: Path, reference: Path) -> None:
    """No file under a final name is half-written: JSON parses, and a document present equals the reference."""
    for p in out.rglob("*"):
        if not p.is_file() or p.name.endswith(".part"):
            continue
        if p.suffix == ".json":
            json.loads(p.read_text())
        rel = p.relative_to(out)
        if ".dotsparse" not in rel.parts and p.suffix in (".md", ".html", ".tex", ".png"):
            assert p.read_bytes() == (reference / rel).read_bytes(), rel


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path):
    spec = simple_doc(4, 12)
    path = make_pdf(tmp_path / "doc4.pdf", spec)
    small = make_pdf(tmp_path / "doc5.pdf", simple_doc(5, 1))
    with FakeDotsServer({4: spec, 5: simple_doc(5, 1)}, latency=0.2) as server:
        ref = tmp_path / "ref"
        args = ["-m", "dotsparse", "parse", str(small), str(path), "--server", server.url, "-j", "2",
                "--dpi", "50", "--quiet"]
        subprocess.run([sys.executable, *args, "-o", str(ref)], check=True, timeout=120)
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, *args, "-o", str(out)])
        pages = out / "doc4" / ".dotsparse" / "pages"
        deadline = time.monotonic() + 60
        while len(list(pages.glob("p*.json"))) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done_before = len(list(pages.glob("p*.json")))
        assert 5 <= done_before < 12 and not (out / "doc4" / ".dotsparse" / "done.json").exists()
        _final_files_are_whole(out, ref)
        time.sleep(0.5)  # let the server finish (and record) what the killed run had in flight
        server.clear_requests()
        subprocess.run([sys.executable, *args, "-o", str(out)], check=True, timeout=120)
        assert len(server.requests) == 12 - done_before  # only the unfinished pages
        assert statuses(out, "doc4") == ["ok"] * 12
        assert_same_result(ref, out, "doc4")
        assert_same_result(ref, out, "doc5")


def test_records_written_before_cells_had_plain_are_reused_and_the_files_gain_it(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=6, pages=2)
    out, ref = tmp_path / "o", tmp_path / "ref"
    assert parse(path, "-o", ref, "--server", server.url).exit_code == 0
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    state = out / "doc6" / ".dotsparse"
    for stored in (state / "pages").glob("p*.json"):  # as an older dotsparse wrote them: no `plain`
        record = json.loads(stored.read_text())
        assert all(cell.pop("plain") is not None for cell in record["result"]["cells"])
        stored.write_text(json.dumps(record))
    written = out / "doc6" / "doc6.json"
    written.write_text(written.read_text().replace('"plain"', '"old_plain"'))
    done = json.loads((state / "done.json").read_text())
    fields = {**Options().output_fields(), "pages": [1, 2]}  # the run's output options are the defaults
    assert done["outputs"] == _fingerprint({**fields, "derived": ["plain"]})
    (state / "done.json").write_text(json.dumps({**done, "outputs": _fingerprint(fields)}))  # an older marker
    server.clear_requests()
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    assert server.requests == [] and load_run(out)["pages_reused"] == 2
    assert_same_result(ref, out, "doc6")
    assert all("plain" in c for p in load_doc(out, "doc6")["pages"] for c in p["cells"])


def _fingerprint(record: dict) -> str:
    """The done marker's `outputs`, as run/pipeline.py computes it."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]
