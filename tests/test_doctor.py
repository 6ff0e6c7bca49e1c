"""`dotsparse doctor`: the report is collected without a terminal and rendered with rich."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rich.console import Console

from dotsparse.doctor import DoctorReport, collect_report, probe_server, render


class _Models(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path != "/v1/models":
            self.send_error(404)
            return
        body = json.dumps({"object": "list", "data": [{"id": "model", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def server_url():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:  # bind then release: nothing listens there afterwards
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_live_server_and_a_dead_one(server_url):
    dead = _closed_port_url()
    report = collect_report([server_url, dead])
    assert isinstance(report, DoctorReport)
    live, gone = report.servers
    assert live.ok and "model" in live.detail
    assert not gone.ok and "no answer" in gone.detail


def test_a_server_without_a_model_list_is_not_ok(server_url):
    status = probe_server(server_url.replace("/v1", "/nothing"))
    assert not status.ok and "404" in status.detail


def test_engines_reported(monkeypatch):
    report = collect_report([])
    engines = {e.name: e for e in report.engines}
    assert engines["openai"].available
    assert set(engines) == {"openai", "embedded", "transformers"}
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        assert not engines["transformers"].available  # absent, or installed but broken
    else:
        assert engines["transformers"].available
        assert report.torch.version and report.torch.transformers_version


def test_render_prints_every_section(server_url):
    report = collect_report([server_url])
    out = io.StringIO()
    render(report, Console(file=out, width=160, color_system=None))
    text = out.getvalue()
    for expected in ("Engines", "openai", "transformers", "torch", "CUDA", "Servers", server_url):
        assert expected in text


def test_embedded_engine_is_described_as_what_it_runs():
    embedded = next(e for e in collect_report([]).engines if e.name == "embedded")
    assert embedded.available
    assert "layout model" in embedded.detail and "RapidOCR" in embedded.detail and "no model" not in embedded.detail
