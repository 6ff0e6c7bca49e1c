"""Whole runs as a user starts them: pipes closed early, few file descriptors, SIGTERM, Ctrl-C."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.run.conftest import load_run
from tests.support.docgen import make_pdf, simple_doc


FDS = 64  # `ulimit -n 64`: the interpreter, open PDFs and server connections share them


def dotsparse(*args: object) -> list[str]:
    return [sys.executable, "-m", "dotsparse", "parse", *map(str, args), "--dpi", "50"]


def test_stdout_closed_by_head_is_a_failed_run_not_a_silent_one(tmp_path, server, make_doc):
    paths = [make_doc(doc_id=100 + i, pages=5)[0] for i in range(10)]
    pipeline = subprocess.run(" ".join(map(str, dotsparse(*paths, "-o", "-", "--server", server.url, "-q", "-j", 2)))
                              + " | head -n 2; echo \"rc=${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash",
                              capture_output=True, text=True, timeout=60)
    lines = pipeline.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] == "rc=1"
    assert all(json.loads(line)["status"] == "ok" for line in lines[:2])
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr.replace("BrokenPipeError)", "")
    assert "stdout closed by the reader" in pipeline.stderr and "not emitted on stdout" in pipeline.stderr


def test_file_failing_as_a_whole_is_a_line_on_stdout(tmp_path, server, make_doc):
    good, _ = make_doc(doc_id=110, pages=1)
    (tmp_path / "bad.pdf").write_bytes(b"garbage")
    os.mkfifo(tmp_path / "fifo.pdf")
    done = subprocess.run(dotsparse(good, tmp_path / "bad.pdf", tmp_path / "fifo.pdf", tmp_path / "gone.pdf", "-o", "-",
                                    "--server", server.url, "-q"), capture_output=True, text=True, timeout=60)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    by_source = {Path(r["source"]).name: r for r in records}
    assert by_source["doc110.pdf"]["status"] == "ok"
    for name in ("bad.pdf", "fifo.pdf", "gone.pdf"):  # gone.pdf: named, and absent
        assert by_source[name]["status"] == "failed" and name in by_source[name]["error"]
        assert set(by_source[name]) >= {"source", "status", "error"}


def test_few_file_descriptors_and_many_inputs(tmp_path, server):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        spec = simple_doc(200 + i, 1)
        server.add_doc(spec)
        make_pdf(folder / "master.pdf", spec)
        for k in range(30):
            shutil.copy(folder / "master.pdf", folder / f"d{i}-{k}.pdf")
        (folder / "master.pdf").unlink()
    out = tmp_path / "o"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FDS, FDS))
    done = subprocess.run(dotsparse(folder, "-o", out, "--server", server.url, "-q", "-j", 48),
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    run = load_run(out)
    assert run["unaccounted"] == [] and "Traceback" not in done.stderr
    ok = run["pages_by_status"].get("ok", 0)
    assert sum(run["pages_by_status"].values()) + len(run["failed_files"]) == 150
    assert done.returncode == (0 if ok == 150 else 1)
    for f in run["failed_files"] + run["failed_pages"]:
        assert f["error"]


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_keeps_pages_writes_run_json_and_rerun_completes(tmp_path, server, sig, code):
    docs = {i: simple_doc(i, 4) for i in range(400, 406)}
    paths = []
    for i, spec in docs.items():
        server.add_doc(spec)
        paths.append(make_pdf(tmp_path / f"d{i}.pdf", spec))
    server.latency = 0.3
    out = tmp_path / "o"
    proc = subprocess.Popen(dotsparse(*paths, "-o", out, "--server", server.url, "-j", 2, "-q"),
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(list(out.glob("*/.dotsparse/pages/*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert "Traceback" not in err and f"{sig.name}: stopping" in err
    run = load_run(out)
    assert run["interrupted"] == sig.name and run["unaccounted"] == []
    committed = len(list(out.glob("*/.dotsparse/pages/*.json")))
    assert 3 <= committed < 24
    server.clear_requests()
    server.latency = 0.0
    again = subprocess.run(dotsparse(*paths, "-o", out, "--server", server.url, "-q"), capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0
    run = load_run(out)
    assert run["pages_by_status"] == {"ok": 24} and run["pages_reused"] >= 3
    assert len(server.requests) == 24 - run["pages_reused"]


def test_server_path_loads_no_onnxruntime_and_writes_nothing_under_home(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=111, pages=1)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    code = ("import sys; from dotsparse.cli import main; sys.argv = ['dotsparse', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as e:\n"
            "    print(sorted(m for m in sys.modules if m.startswith(('onnxruntime', 'pymupdf.layout', 'pymupdf4llm'))"
            " and sys.modules[m] is not None)); raise")
    done = subprocess.run([sys.executable, "-c", code, "parse", str(path), "-o", str(tmp_path / "o"), "--server",
                           server.url, "--dpi", "50", "-q"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # PyMuPDF imported without its layout model, pymupdf4llm or onnxruntime
    assert list(home.rglob("*")) == []
