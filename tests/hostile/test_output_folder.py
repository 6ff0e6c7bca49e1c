"""The output folder: unusable paths, links planted inside it, a second run on it, file modes."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

import pytest

from tests.hostile.conftest import failed_files, good_is_ok
from tests.run.conftest import load_run, parse


@pytest.mark.parametrize("make,message", [
    (lambda t: (t / "file").write_text("x") and t / "file", "exists and is not a folder"),
    (lambda t: (t / "file").write_text("x") and t / "file" / "sub", "cannot create the output folder"),
    (lambda t: t / ("x" * 300), "File name too long"),
])
def test_unusable_output_folder_is_a_usage_error(tmp_path, server, inputs, make, message):
    result = parse(inputs, "-o", make(tmp_path), "--server", server.url, quiet=False)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize("link", ["good", "good/.dotsparse", "good/tables", "good/.dotsparse/pages"])
def test_link_planted_in_out_is_never_followed(tmp_path, server, inputs, make_doc, link):
    make_doc(doc_id=72, pages=1, name="in/other.pdf")
    out, outside = tmp_path / "o", tmp_path / "outside"
    outside.mkdir()
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, out / link)
    result = parse(inputs, "-o", out, "--server", server.url)
    assert result.exit_code == 1
    assert "is a symlink inside the output folder; refusing to follow it" in failed_files(out)["good.pdf"]
    assert list(outside.iterdir()) == []  # nothing written through the link
    assert json.loads((out / "other" / "other.json").read_text())["pages"][0]["status"] == "ok"


def test_second_run_on_one_output_folder_exits_2_naming_the_holder(tmp_path, server, inputs):
    out = tmp_path / "o"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".dotsparse.lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(),
                                                         "started": "2026-01-01T00:00:00"}))
        result = parse(inputs, "-o", out, "--server", server.url, quiet=False)
        assert result.exit_code == 2
        assert f"in use by another dotsparse run (pid {holder.pid}" in result.stderr
        assert not (out / "good").exists()
    finally:
        holder.kill()
        holder.wait()
    result = parse(inputs, "-o", out, "--server", server.url)  # the holder is dead: its lock is stale
    assert result.exit_code == 0 and not (out / ".dotsparse.lock").exists()
    good_is_ok(out)


def test_two_real_runs_on_one_output_folder(tmp_path, server, inputs):
    server.latency = 4.0  # the first run holds the folder while the second starts
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "dotsparse", "parse", str(inputs), "-o", str(out), "--server", server.url,
           "--dpi", "50", "-q"]
    first = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if (out / ".dotsparse.lock").exists():
            break
        subprocess.run(["sleep", "0.05"])
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert first.wait(timeout=60) == 0
    assert second.returncode == 2 and f"pid {first.pid}" in second.stderr
    good_is_ok(out)


def test_files_respect_the_umask(tmp_path, server, inputs):
    out = tmp_path / "o"
    code = ("import os, sys; os.umask(0o027); from dotsparse.cli import main; sys.argv = sys.argv[1:]; main()")
    subprocess.run([sys.executable, "-c", code, "dotsparse", "parse", str(inputs), "-o", str(out), "--server",
                    server.url, "--dpi", "50", "-q"], check=True, timeout=60)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*") if p.is_file()}
    assert modes and set(modes.values()) == {0o640}, modes
    assert load_run(out)["pages_by_status"] == {"ok": 2}
