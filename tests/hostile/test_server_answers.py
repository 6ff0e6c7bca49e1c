"""Servers and answers that misbehave: trickling bytes, invalid Unicode, huge loops, retries running out."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from dotsparse.engines.base import EngineAnswer
from dotsparse.model import Mode, PageGeometry
from dotsparse.repetition import find_repetition
from dotsparse.run.page import PageJob, parse_answer
from dotsparse.engines.base import PageRef, Sampling
from tests.hostile.conftest import good_is_ok
from tests.run.conftest import load_doc, load_run, parse
from tests.support import fake_server
from tests.support.fake_server import Fault, FaultKind


def trickling(server, seconds_per_byte: float = 2.0):
    """Make the fake server's HANG fault send a 200 and then one byte every `seconds_per_byte`."""
    plain = server._transport_fault

    def act(h, fault):
        if fault.kind is not FaultKind.HANG:
            return plain(h, fault)
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(int(fault.seconds / seconds_per_byte)):
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:
                break
            if server._stopping.wait(seconds_per_byte):
                break
        h.close_connection = True
        return True
    server._transport_fault = act


def test_timeout_bounds_the_whole_answer_of_a_trickling_server(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=73, pages=3)
    trickling(server)
    server.set_fault_for((73, 1), Fault.hang(60))
    out = tmp_path / "o"
    started = time.monotonic()
    result = parse(path, "-o", out, "--server", server.url, "--timeout", 3, "--max-retries", 1, "--fallback", "none")
    assert time.monotonic() - started < 20  # two attempts of 3 s, not 60 s of trickle
    assert result.exit_code == 1
    pages = load_doc(out, "doc73")["pages"]
    assert [p["status"] for p in pages] == ["ok", "failed", "ok"]
    assert "no complete answer within 3s" in pages[1]["error"] and pages[1]["usage"]["attempts"] == 2


def test_failed_after_retries_records_every_attempt(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=74, pages=1)
    server.set_fault_for((74, 0), Fault.status(500))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--max-retries", 2, "--fallback", "none").exit_code == 1
    page = load_doc(out, "doc74")["pages"][0]
    assert page["status"] == "failed" and page["usage"]["attempts"] == 3
    assert load_run(out)["retries"] == 2


@pytest.mark.parametrize("form", ["raw", "escaped"])
def test_lone_surrogate_in_an_answer_is_repaired_and_recorded(tmp_path, server, make_doc, form, monkeypatch):
    path, _ = make_doc(doc_id=75, pages=2)
    plain = server._completion
    ascii_json = fake_server._Handler.send_json

    def send_json(h, status, obj, headers=None):  # as vLLM does: json escapes, so a lone surrogate travels
        data = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
    monkeypatch.setattr(fake_server._Handler, "send_json", send_json)
    assert ascii_json is not send_json

    def completion(no, model, answer, size):
        body = plain(no, model, answer, size)
        content = body["choices"][0]["message"]["content"]
        cut = "\ud835" if form == "raw" else "\\ud835"  # the character itself, or its escape in the JSON
        body["choices"][0]["message"]["content"] = content.replace('"text": "', '"text": "x' + cut, 1)
        return body
    server._completion = completion
    out = tmp_path / "o"
    result = parse(path, "-o", out, "--server", server.url)
    assert result.exit_code == 0
    doc = json.loads((out / "doc75" / "doc75.json").read_text(encoding="utf-8"))
    for page in doc["pages"]:
        assert page["status"] == "repaired"
        assert {"kind": "invalid_unicode", "detail": "1 lone surrogate(s) replaced by U+FFFD"} in page["repairs"]
    assert "x\ufffd" in (out / "doc75" / "doc75.md").read_text(encoding="utf-8")


def test_looping_answer_of_a_million_characters_is_found_in_linear_time():
    text = "[" + '{"bbox": [1, 2, 3, 4], "category": "Text", "text": "' + "abc " * 250_000
    started = time.monotonic()
    assert find_repetition(text)[1] == 4
    assert time.monotonic() - started < 0.5  # was 5 s: one Python step per character per period


def test_parsing_runs_off_the_event_loop():
    g = PageGeometry(width_pt=595, height_pt=842, dpi=200, width_px=1653, height_px=2339, sent_width=1652,
                     sent_height=2324)
    job = PageJob(ref=PageRef(path=None, index=0, kind="pdf"), geometry=g, mode=Mode.LAYOUT, prompt="",
                  sampling=Sampling())
    element = '{"bbox": [10, 10, 100, 40], "category": "Text", "text": "%s"}'
    text = "[" + ", ".join(element % (f"line {i} " * 3) for i in range(8000)) + "]"

    async def main() -> tuple[float, int, float]:
        gaps, ticks, started = [0.0], 0, time.monotonic()
        parsing = asyncio.create_task(parse_answer(job, EngineAnswer(text=text, finish_reason="stop")))
        last = time.monotonic()
        while not parsing.done():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last, ticks = now, ticks + 1
        assert len((await parsing).cells) == 8000
        return max(gaps), ticks, time.monotonic() - started
    worst, ticks, total = asyncio.run(main())
    # The loop kept running: a parse on the loop gives exactly one tick, after a gap as long as the parse.
    # The longest gap is not asserted: on a loaded machine one scheduling stall can take half the parse.
    assert ticks >= 10, (ticks, worst, total)
