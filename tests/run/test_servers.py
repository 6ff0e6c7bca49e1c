"""Several servers: load spread by outstanding work, a dead one taken out, all down handled with a deadline."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

import pytest

from tests.run.conftest import load_doc, load_run, parse
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer


@pytest.fixture
def servers():
    """Three servers that answer for doc 1 (8 pages); call with n to get the first n."""
    spec = simple_doc(1, 8)
    with ExitStack() as stack:
        pool = [stack.enter_context(FakeDotsServer({1: spec}, latency=0.1)) for _ in range(3)]
        yield pool


@pytest.fixture
def doc(tmp_path):
    return make_pdf(tmp_path / "doc1.pdf", simple_doc(1, 8))


def server_args(pool):
    return [arg for s in pool for arg in ("--server", s.url)]


def test_load_is_spread_over_every_server(tmp_path, servers, doc):
    out = tmp_path / "o"
    assert parse(doc, "-o", out, *server_args(servers), "-j", 6).exit_code == 0
    counts = [len(s.requests) for s in servers]
    assert sum(counts) == 8 and min(counts) >= 2, counts
    endpoints = {p["usage"]["endpoint"] for p in load_doc(out, "doc1")["pages"]}
    assert endpoints == {s.url for s in servers}


def test_servers_from_a_file(tmp_path, servers, doc):
    listing = tmp_path / "servers.txt"
    listing.write_text("# two of them\n" + "\n".join(s.url for s in servers[:2]) + "\n")
    assert parse(doc, "-o", tmp_path / "o", "--server", f"@{listing}", "-j", 4).exit_code == 0
    assert len(servers[0].requests) and len(servers[1].requests) and not servers[2].requests


def test_one_server_killed_mid_run_the_others_finish(tmp_path, servers, doc):
    victim = servers[0]

    def stop_once_serving() -> None:  # mid-run whatever the machine's load: after its first request
        deadline = time.monotonic() + 30
        while not victim.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.stop()
    threading.Thread(target=stop_once_serving, daemon=True).start()
    out = tmp_path / "o"
    assert parse(doc, "-o", out, *server_args(servers), "-j", 6).exit_code == 0
    assert [p["status"] for p in load_doc(out, "doc1")["pages"]] == ["ok"] * 8
    assert victim.requests and sum(len(s.requests) for s in servers[1:]) >= 4


def test_all_down_then_one_back_within_the_timeout(tmp_path, servers, doc):
    for s in servers[:2]:
        s.stop()
    threading.Timer(1.5, servers[1].start).start()
    out = tmp_path / "o"
    result = parse(doc, "-o", out, *server_args(servers[:2]), "-j", 4, "--unavailable-timeout", 20, quiet=False)
    assert result.exit_code == 0, result.output
    assert "server(s) are down" in result.output and "answers again" in result.output
    assert [p["status"] for p in load_doc(out, "doc1")["pages"]] == ["ok"] * 8


def test_all_down_for_good_marks_pages_server_unavailable_quickly(tmp_path, servers, doc):
    for s in servers[:2]:
        s.stop()
    out = tmp_path / "o"
    started = time.monotonic()
    result = parse(doc, "-o", out, *server_args(servers[:2]), "-j", 2, "--unavailable-timeout", 1)
    assert result.exit_code == 1
    assert time.monotonic() - started < 10
    pages = load_doc(out, "doc1")["pages"]
    assert [p["status"] for p in pages] == ["server-unavailable"] * 8
    assert "no server answered" in pages[0]["error"]
    assert load_run(out)["pages_by_status"] == {"server-unavailable": 8}
    # once a server is back, a re-run does every page
    servers[0].start()
    assert parse(doc, "-o", out, *server_args(servers[:2]), "-j", 2).exit_code == 0


def test_servers_dying_after_retries_ran_out_still_ends_server_unavailable(tmp_path, servers, doc):
    """With one retry and three dead servers, retries run out before every server is taken out."""
    for s in servers:
        s.stop()
    out = tmp_path / "o"
    result = parse(doc, "-o", out, *server_args(servers), "-j", 2, "--max-retries", 1, "--unavailable-timeout", 1)
    assert result.exit_code == 1
    assert {p["status"] for p in load_doc(out, "doc1")["pages"]} == {"server-unavailable"}
