"""One Ray cluster for every Ray test (start-up takes seconds): `ray.init(address="local", num_cpus=2)`.

A local S3-compatible server (moto's server mode) on 127.0.0.1 is started first, so the workers
inherit its endpoint and credentials from the environment as they would on a real cluster.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer

DOC_PAGES = {10: 5, 11: 1, 12: 2}  # doc id -> pages: one big enough to shard, two small ones to pack


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_mod = pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    port = _free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                            "AWS_DEFAULT_REGION", "FSSPEC_S3_ENDPOINT_URL")}
    os.environ.update({"AWS_ENDPOINT_URL": endpoint, "FSSPEC_S3_ENDPOINT_URL": endpoint,
                       "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    try:
        yield endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def ray_cluster(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    ray = pytest.importorskip("ray")
    cache = tmp_path_factory.mktemp("node-cache")
    saved = os.environ.get("DOTSPARSE_CACHE")
    os.environ["DOTSPARSE_CACHE"] = str(cache)  # the workers' staging folders: a test can empty them
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        if saved is None:
            os.environ.pop("DOTSPARSE_CACHE", None)
        else:
            os.environ["DOTSPARSE_CACHE"] = saved


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for doc_id, pages in DOC_PAGES.items():
        make_pdf(folder / f"doc{doc_id}.pdf", simple_doc(doc_id, pages))
    return folder


@pytest.fixture()
def server() -> Iterator[FakeDotsServer]:
    with FakeDotsServer({doc_id: simple_doc(doc_id, pages) for doc_id, pages in DOC_PAGES.items()}) as fake:
        yield fake
