"""Several servers: load spread by outstanding work, a dead one taken out, all down handled with a deadline."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import ExitStack

import pytest

from tests.run.conftest import load_doc, load_run, parse
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer, Fault


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
    started = threading.Lock()

    def stop_once_serving(no, key, prompt_name):  # after the start-up check, while pages are in flight
        if started.acquire(blocking=False):
            threading.Timer(0.05, victim.stop).start()
        return None

    victim.faults = stop_once_serving
    out = tmp_path / "o"
    assert parse(doc, "-o", out, *server_args(servers), "-j", 6).exit_code == 0
    assert [p["status"] for p in load_doc(out, "doc1")["pages"]] == ["ok"] * 8
    assert victim.requests and sum(len(s.requests) for s in servers[1:]) >= 4


class Blackout:
    """Every server of `pool` goes down as the first page request arrives, i.e. after the start-up check.

    `then=(seconds, server)` brings that server back that long afterwards; `restore` does it at once.
    """

    def __init__(self, pool, then=None):
        self.pool, self.then = pool, then
        self.down = threading.Event()
        self._once = threading.Lock()
        for s in pool:
            s.faults = self._hook

    def _hook(self, no, key, prompt_name):
        if self._once.acquire(blocking=False):
            self.down.set()
            for s in self.pool:
                threading.Thread(target=s.stop, daemon=True).start()
            if self.then is not None:
                threading.Timer(self.then[0], self.restore, args=(self.then[1],)).start()
        return Fault.reset() if self.down.is_set() else None

    def restore(self, server):
        self.down.clear()
        server.start()


def test_all_down_then_one_back_within_the_timeout(tmp_path, servers, doc):
    Blackout(servers[:2], then=(1.5, servers[1]))
    out = tmp_path / "o"
    result = parse(doc, "-o", out, *server_args(servers[:2]), "-j", 4, "--unavailable-timeout", 20, quiet=False)
    assert result.exit_code == 0, result.output
    assert "server(s) are down" in result.output and "answers again" in result.output
    assert [p["status"] for p in load_doc(out, "doc1")["pages"]] == ["ok"] * 8


def test_all_down_for_good_marks_pages_server_unavailable_quickly(tmp_path, servers, doc):
    blackout = Blackout(servers[:2])
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
    blackout.restore(servers[0])
    assert parse(doc, "-o", out, *server_args(servers[:2]), "-j", 2).exit_code == 0


def test_servers_dying_after_retries_ran_out_still_ends_server_unavailable(tmp_path, servers, doc):
    """With one retry and three dead servers, retries run out before every server is taken out."""
    Blackout(servers)
    out = tmp_path / "o"
    result = parse(doc, "-o", out, *server_args(servers), "-j", 2, "--max-retries", 1, "--unavailable-timeout", 1)
    assert result.exit_code == 1
    assert {p["status"] for p in load_doc(out, "doc1")["pages"]} == {"server-unavailable"}


# ---------------------------------------------------------------- the start-up check


def _closed_port_url() -> str:
    with socket.socket() as sock:  # bound then released: nothing listens there afterwards
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_no_server_answering_is_a_usage_error_at_once_naming_each_url(tmp_path, doc):
    dead = [_closed_port_url(), _closed_port_url()]
    out = tmp_path / "o"
    started = time.monotonic()
    result = parse(doc, "-o", out, "--server", dead[0], "--server", dead[1])  # --unavailable-timeout stays 300 s
    assert result.exit_code == 2, result.output
    assert time.monotonic() - started < 10
    for url in dead:
        assert f"GET {url}/models: cannot connect" in result.output and "no page was sent" in result.output
    assert not (out / "doc1").exists()


def test_a_base_url_without_v1_is_named_with_the_fix(tmp_path, servers, doc):
    result = parse(doc, "-o", tmp_path / "o", "--server", servers[0].root_url)
    assert result.exit_code == 2
    assert "HTTP 404" in result.output and f"{servers[0].root_url}/v1" in result.output
    assert not servers[0].requests  # no page was sent


def test_a_server_that_accepts_but_never_answers_is_reported_within_the_timeout(tmp_path, doc):
    with socket.socket() as silent:  # listens, so connecting works, but nothing ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        started = time.monotonic()
        result = parse(doc, "-o", tmp_path / "o", "--server", url, "--timeout", 1)
    assert result.exit_code == 2 and f"GET {url}/models: no answer within 1s" in result.output
    assert time.monotonic() - started < 8


def test_some_servers_answering_start_the_run_with_a_warning(tmp_path, servers, doc):
    dead = _closed_port_url()
    out = tmp_path / "o"
    result = parse(doc, "-o", out, "--server", dead, *server_args(servers[:1]), "-j", 4, quiet=False)
    assert result.exit_code == 0, result.output
    assert f"warning: server {dead} does not answer" in result.output
    assert [p["status"] for p in load_doc(out, "doc1")["pages"]] == ["ok"] * 8
    assert {p["usage"]["endpoint"] for p in load_doc(out, "doc1")["pages"]} == {servers[0].url}


def test_a_model_the_servers_do_not_list_is_warned_about(tmp_path, servers, doc):
    result = parse(doc, "-o", tmp_path / "o", *server_args(servers[:1]), "--model", "dots-ocr", quiet=False)
    assert "warning: --model dots-ocr is not among the models served (model)" in result.output


@pytest.mark.parametrize("value, fixed", [("gpu-box:8000/v1", "http://gpu-box:8000/v1"),
                                          ("localhost:8000", "http://localhost:8000/v1")])
def test_a_server_without_a_scheme_is_a_usage_error_with_the_corrected_form(tmp_path, doc, value, fixed):
    result = parse(doc, "-o", tmp_path / "o", "--server", value)
    assert result.exit_code == 2 and f"did you mean {fixed}?" in result.output
    assert not (tmp_path / "o").exists()


def test_a_missing_server_file_is_a_usage_error(tmp_path, doc):
    result = parse(doc, "-o", tmp_path / "o", "--server", f"@{tmp_path / 'nope.txt'}")
    assert result.exit_code == 2 and "no such file" in result.output


def test_a_bad_server_in_the_environment_is_named_as_such(tmp_path, doc, monkeypatch):
    monkeypatch.setenv("DOTSPARSE_SERVER", "gpu-box:8000/v1")
    result = parse(doc, "-o", tmp_path / "o")
    assert result.exit_code == 2 and "$DOTSPARSE_SERVER: --server 'gpu-box:8000/v1'" in result.output


def test_served_model_names_are_shown_as_text_not_markup(tmp_path, doc):
    with FakeDotsServer({1: simple_doc(1, 8)}, model_name="[/]dots[bold]") as odd:
        result = parse(doc, "-o", tmp_path / "o", "--server", odd.url, "--model", "model", quiet=False)
    assert result.exit_code == 0, result.output
    assert "not among the models served ([/]dots[bold])" in result.output
