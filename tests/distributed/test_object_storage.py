"""Inputs and outputs on object storage, against moto's S3 server on 127.0.0.1: on Ray and in a local run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

s3fs = pytest.importorskip("s3fs")

from rich.console import Console
from typer.testing import CliRunner

from dotsparse.cli import app
from dotsparse.config import RunConfig
from dotsparse.distributed.driver import Driver
from dotsparse.distributed.local import LocalExecutor
from tests.distributed.compare import normalized

pytestmark = [pytest.mark.server]
runner = CliRunner()
QUIET = Console(stderr=True, quiet=True)


@pytest.fixture()
def bucket(s3_endpoint: str, corpus: Path, request: pytest.FixtureRequest) -> str:
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint})
    name = f"bucket-{abs(hash(request.node.name)) % 10**8}"
    fs.mkdir(name)
    for pdf in sorted(corpus.glob("*.pdf")):
        fs.put_file(str(pdf), f"{name}/in/{pdf.name}")
    fs.invalidate_cache()
    return name


def _objects(bucket: str, s3_endpoint: str) -> dict[str, bytes]:
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint})
    fs.invalidate_cache()
    return {p.split("/out/", 1)[1]: fs.cat_file(p) for p in fs.find(f"{bucket}/out")}


def _same_as_local(objects: dict[str, bytes], local: Path, tmp: Path) -> None:
    files = {p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file() and p.name != ".lock"}
    assert set(objects) == files
    for name, data in objects.items():
        if name == "run.json":
            continue  # sources are named by their URLs there (and in <doc>.json): compared below
        copy = tmp / "cmp" / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)
        if name.endswith(".md"):
            assert data == (local / name).read_bytes(), name


def test_object_storage_round_trip_on_ray(ray_cluster, s3_endpoint, bucket, corpus, server, tmp_path):
    flags = ["--server", server.url, "--dpi", "50"]
    assert runner.invoke(app, ["parse", str(corpus), "-o", str(tmp_path / "local"), "--quiet", *flags]).exit_code == 0
    config = RunConfig(inputs=[f"s3://{bucket}/in/"], output=f"s3://{bucket}/out", servers=(server.url,), dpi=50,
                       shard_pages=3, quiet=True)
    from dotsparse.distributed.cluster import RayExecutor

    report = Driver(config, QUIET, RayExecutor("auto"), distributed=True).run()
    assert report.exit_code == 0 and report.pages_by_status == {"ok": 8} and report.unaccounted == []
    objects = _objects(bucket, s3_endpoint)
    _same_as_local(objects, tmp_path / "local", tmp_path)
    assert {"doc10/.dotsparse/done.json", "doc10/doc10.md", "doc10/.dotsparse/pages/p00005.json"} <= set(objects)
    record = json.loads(objects["doc10/doc10.json"].splitlines()[0].rstrip(b",") + b"]}")
    assert record["document"]["source"] == f"s3://{bucket}/in/doc10.pdf"
    run = json.loads(objects["run.json"])
    assert run["documents_written"] == 3 and run["pages"] == 8
    # Resume from the objects alone: every node's staging folder emptied, nothing asked of the server again.
    shutil.rmtree(Path(__import__("os").environ["DOTSPARSE_CACHE"]) / "outputs")
    before = len(server.requests)
    again = Driver(config, QUIET, RayExecutor("auto"), distributed=True).run()
    assert again.pages_reused == 8 and len(server.requests) == before and again.exit_code == 0, (again.pages_by_status, again.failed_pages, again.failed_files, again.documents_reused, again.pages, [r.key for r in server.requests][before:])


def test_object_storage_in_a_local_run(s3_endpoint, bucket, corpus, server, tmp_path, monkeypatch):
    monkeypatch.setenv("DOTSPARSE_CACHE", str(tmp_path / "cache"))
    flags = ["--server", server.url, "--dpi", "50"]
    assert runner.invoke(app, ["parse", str(corpus), "-o", str(tmp_path / "local"), "--quiet", *flags]).exit_code == 0
    result = runner.invoke(app, ["parse", f"s3://{bucket}/in/", "-o", f"s3://{bucket}/out", "--quiet", *flags],
                           catch_exceptions=False)
    assert result.exit_code == 0
    objects = _objects(bucket, s3_endpoint)
    _same_as_local(objects, tmp_path / "local", tmp_path)
    # The done marker is the last object written for its document.
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint})
    info = {p: fs.info(p)["LastModified"] for p in fs.find(f"{bucket}/out/doc12")}
    assert max(info, key=lambda p: (info[p], p.endswith("done.json"))).endswith("done.json")
    # A second run, from another machine's empty cache: everything reused from the objects.
    monkeypatch.setenv("DOTSPARSE_CACHE", str(tmp_path / "cache2"))
    before = len(server.requests)
    config = RunConfig(inputs=[f"s3://{bucket}/in/"], output=f"s3://{bucket}/out", servers=(server.url,), dpi=50,
                       quiet=True)
    report = Driver(config, QUIET, LocalExecutor(), distributed=False).run()
    assert report.pages_reused == 8 and report.documents_reused == 3 and len(server.requests) == before


def test_http_input_and_file_url_output(server, corpus, tmp_path, monkeypatch):
    import http.server
    import threading

    monkeypatch.setenv("DOTSPARSE_CACHE", str(tmp_path / "cache"))
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(corpus), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/doc12.pdf"
        result = runner.invoke(app, ["parse", url, "-o", f"file://{tmp_path / 'out'}", "--quiet", "--server",
                                     server.url, "--dpi", "50"], catch_exceptions=False)
    finally:
        httpd.shutdown()
    assert result.exit_code == 0
    assert (tmp_path / "out" / "doc12" / "doc12.md").read_text().strip()
    assert json.loads((tmp_path / "out" / "run.json").read_text())["pages"] == 2
