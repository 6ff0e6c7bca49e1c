"""Ray runs against a local run of the same command: identical files, shards, killed workers and drivers.

Every test here shares one `ray.init(address="local", num_cpus=2)` (conftest) and a fake dots.ocr
server on 127.0.0.1 that the workers call, as a real cluster's workers call vLLM.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")

from rich.console import Console
from typer.testing import CliRunner

import dotsparse
from dotsparse.cli import app
from dotsparse.config import RunConfig
from dotsparse.distributed.cluster import RayExecutor
from dotsparse.distributed.driver import Driver
from tests.distributed.compare import differences
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import Fault, FakeDotsServer

pytestmark = [pytest.mark.ray, pytest.mark.server]
runner = CliRunner()
QUIET = Console(stderr=True, quiet=True)


def parse(*args: object) -> int:
    result = runner.invoke(app, ["parse", *map(str, args), "--quiet"], catch_exceptions=False)
    return result.exit_code


def committed(out: Path) -> int:
    return len(list(out.glob("*/.dotsparse/pages/*.json")))


def test_identical_to_a_local_run_with_a_document_split_into_shards(ray_cluster, corpus, server, tmp_path):
    server.set_fault_for((12, 1), Fault.garbage())  # a page failure stays a page status, never a task failure
    flags = ["--server", server.url, "--dpi", "50", "--fallback", "none", "--html"]  # the viewer too
    assert parse(corpus, "-o", tmp_path / "local", *flags) == 1
    config = RunConfig(inputs=[str(corpus)], output=str(tmp_path / "ray"), servers=(server.url,), dpi=50,
                       fallback=("none",), html=True, shard_pages=3, quiet=True)
    driver = Driver(config, QUIET, RayExecutor("auto"), distributed=True)
    report = driver.run()
    assert driver.kinds == {"shard": 2, "assembly": 1, "whole": 1}  # doc10: 5 pages = 2 shards; doc11+doc12 packed
    assert report.exit_code == 1 and report.pages_by_status == {"ok": 7, "failed": 1}
    assert report.unaccounted == []
    assert differences(tmp_path / "local", tmp_path / "ray") == []
    assert (tmp_path / "ray" / "index.html").is_file() and (tmp_path / "ray" / "doc10" / "doc10.html").is_file()
    # Run again: every page is reused from the store, by the cluster, and nothing is asked of the server.
    before = len(server.requests)
    again = Driver(config, QUIET, RayExecutor("auto"), distributed=True).run()
    assert again.pages_reused == 7 and len(server.requests) - before == 1  # the failed page is redone


def test_stdout_lines_match_a_local_run(ray_cluster, corpus, server):
    flags = ["--server", server.url, "--dpi", "50"]
    local = runner.invoke(app, ["parse", str(corpus), "-o", "-", "--quiet", *flags], catch_exceptions=False)
    on_ray = runner.invoke(app, ["parse", str(corpus), "-o", "-", "--quiet", "--ray", "auto", "--shard-pages", "2",
                                 *flags], catch_exceptions=False)
    assert local.exit_code == on_ray.exit_code == 0

    def lines(output: str) -> list[str]:
        records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        for record in records:
            record.pop("timings")
        return sorted(json.dumps(r, sort_keys=True) for r in records)

    assert lines(on_ray.stdout) == lines(local.stdout) and len(lines(local.stdout)) == 8


def test_a_worker_killed_mid_item_is_retried_and_skips_committed_pages(ray_cluster, tmp_path):
    spec = simple_doc(20, 8)
    (tmp_path / "in").mkdir()
    make_pdf(tmp_path / "in" / "doc20.pdf", spec)
    out = tmp_path / "out"
    with FakeDotsServer({20: spec}, latency=0.4) as server:
        config = RunConfig(inputs=[str(tmp_path / "in")], output=str(out), servers=(server.url,), dpi=50,
                           concurrency=1, quiet=True)
        executor = RayExecutor("auto")
        killed: dict[str, int] = {}

        def kill_after_three_pages() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and committed(out) < 3:
                time.sleep(0.05)
            workers = ray_cluster.get(executor.sink.workers.remote())
            pid = workers[0][0]
            killed["pid"], killed["pages"] = pid, committed(out)
            os.kill(pid, signal.SIGKILL)  # the worker process itself, as a lost node would lose it

        thread = threading.Thread(target=kill_after_three_pages)
        thread.start()
        report = Driver(config, QUIET, executor, distributed=True).run()
        thread.join()
        pid_after, _ = ray_cluster.get(executor.sink.workers.remote())[0]
        executor.close()
        keys = [r.key for r in server.requests]
    assert killed["pages"] >= 3 and pid_after != killed["pid"]  # Ray ran the item again in another process
    assert report.exit_code == 0 and report.pages_by_status == {"ok": 8} and report.unaccounted == []
    # The retry skipped what was committed: at most the one page in flight at the kill was asked twice.
    assert len(keys) <= 8 + 1
    assert all(keys.count((20, i)) == 1 for i in range(killed["pages"] - 1))
    assert (out / "doc20" / "doc20.md").is_file()


def test_a_killed_driver_is_resumed_by_running_the_command_again(ray_cluster, tmp_path):
    spec = simple_doc(21, 8)
    (tmp_path / "in").mkdir()
    make_pdf(tmp_path / "in" / "doc21.pdf", spec)
    out = tmp_path / "out"
    with FakeDotsServer({21: spec}, latency=0.4) as server:
        command = [sys.executable, "-c", "from dotsparse.cli import main; main()", "parse", str(tmp_path / "in"),
                   "-o", str(out), "--server", server.url, "--dpi", "50", "-j", "1", "--quiet",
                   "--ray", ray_cluster.get_runtime_context().gcs_address]
        driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and committed(out) < 3 and driver.poll() is None:
            time.sleep(0.05)
        assert driver.poll() is None, driver.stderr.read().decode() if driver.stderr else ""
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        done_before = committed(out)
        assert 3 <= done_before < 8 and not (out / "doc21" / "doc21.md").exists()
        time.sleep(1.0)  # the dead driver's tasks go with it
        before = len(server.requests)
        report = dotsparse.parse_distributed(tmp_path / "in", out, ray="auto", server=server.url, dpi=50,
                                             concurrency=1)  # the Python API: the same run as the CLI's
        asked_again = len(server.requests) - before
    assert report.exit_code == 0 and report.pages_by_status == {"ok": 8}
    assert report.pages_reused >= done_before - 1 and asked_again <= 8 - done_before + 1
    assert (out / "doc21" / "doc21.md").is_file()


def test_sigterm_stops_the_driver_with_every_page_accounted_for(ray_cluster, tmp_path):
    spec = simple_doc(22, 8)
    (tmp_path / "in").mkdir()
    make_pdf(tmp_path / "in" / "doc22.pdf", spec)
    out = tmp_path / "out"
    with FakeDotsServer({22: spec}, latency=0.4) as server:
        command = [sys.executable, "-c", "from dotsparse.cli import main; main()", "parse", str(tmp_path / "in"),
                   "-o", str(out), "--server", server.url, "--dpi", "50", "-j", "1", "--quiet",
                   "--ray", ray_cluster.get_runtime_context().gcs_address]
        driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and committed(out) < 2 and driver.poll() is None:
            time.sleep(0.05)
        driver.send_signal(signal.SIGTERM)
        assert driver.wait(timeout=60) == 143
    run = json.loads((out / "run.json").read_text())
    # Every page has a status; the document whose item was stopped is said not to be written (run it again).
    assert run["interrupted"] == "SIGTERM"
    assert [u.split(": ", 1)[1] for u in run["unaccounted"]] == ["<doc>.json not written"]
    assert run["pages"] == 8 and run["pages_by_status"].get("ok", 0) >= 2
    assert all("interrupted by SIGTERM" in p["error"] for p in run["failed_pages"])


def test_a_file_unreadable_on_the_worker_is_logged_once(ray_cluster, server, tmp_path):
    import io

    inputs = tmp_path / "in"
    inputs.mkdir()
    make_pdf(inputs / "doc11.pdf", simple_doc(11, 1))
    make_pdf(inputs / "locked.pdf", simple_doc(12, 1), password="pw")
    log = Console(file=io.StringIO(), width=400)
    config = RunConfig(inputs=[str(inputs)], output=str(tmp_path / "out"), servers=(server.url,), dpi=50)
    report = Driver(config, log, RayExecutor("auto"), distributed=True).run()
    assert report.exit_code == 1 and len(report.failed_files) == 1
    assert log.file.getvalue().count("password-protected") == 1, log.file.getvalue()


def test_sigint_on_stdout_streams_a_line_for_every_page(ray_cluster, tmp_path):
    spec = simple_doc(23, 8)
    (tmp_path / "in").mkdir()
    make_pdf(tmp_path / "in" / "doc23.pdf", spec)
    with FakeDotsServer({23: spec}, latency=0.4) as server:
        command = [sys.executable, "-c", "from dotsparse.cli import main; main()", "parse", str(tmp_path / "in"),
                   "-o", "-", "--server", server.url, "--dpi", "50", "-j", "1", "--quiet",
                   "--ray", ray_cluster.get_runtime_context().gcs_address]
        driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert driver.stdout is not None
        first = driver.stdout.readline()  # a page streamed: the item is running
        driver.send_signal(signal.SIGINT)
        rest, errors = driver.communicate(timeout=60)
    assert driver.returncode == 130, errors.decode()
    records = [json.loads(line) for line in (first + rest).decode().splitlines()]
    assert sorted(r["page"] for r in records) == list(range(1, 9))  # nothing vanishes from the stream
    assert all(r["status"] == "ok" or "interrupted by SIGINT" in r["error"] for r in records)
    assert "not accounted for" not in errors.decode() and "Run the same command again to resume" in errors.decode()


def test_a_shard_whose_document_changed_since_planning_fails_its_pages(ray_cluster, server, tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    make_pdf(tmp_path / "in" / "doc12.pdf", simple_doc(12, 1))
    # The driver planned 4 pages (the file had 4 when it was counted); the workers find 1: shard 1-2 counts
    # page 1 only, shard 3-4 cannot select a page. Every planned page ends with a status.
    monkeypatch.setattr(Driver, "_pages_of", lambda self, source, url, selection: [1, 2, 3, 4])
    config = RunConfig(inputs=[str(tmp_path / "in")], output=str(tmp_path / "out"), servers=(server.url,), dpi=50,
                       shard_pages=2, quiet=True)
    report = Driver(config, QUIET, RayExecutor("auto"), distributed=True).run()
    assert report.unaccounted == [] and report.exit_code == 1
    assert report.pages == 4 and report.pages_by_status == {"ok": 1, "failed": 3}
    errors = {p["page"]: p["error"] for p in report.failed_pages}
    assert sorted(errors) == [2, 3, 4] and "no status from its worker" in errors[2]
    assert "could not open the file" in errors[3] and "could not open the file" in errors[4]
    assert len(report.failed_files) == 1  # one line for the file, however many shards failed
