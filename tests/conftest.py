from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from tests.support.docgen import DocSpec, make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer

pytest_plugins = ["tests.support.browser"]


@pytest.fixture(autouse=True)
def _model_text_source(monkeypatch):
    """The suite tests the model path's own behaviour (requests, retries, faults, fallbacks); tests of the
    hybrid path (tests/run/test_hybrid.py) pass --text-source themselves, which overrides this."""
    monkeypatch.setenv("DOTSPARSE_TEXT_SOURCE", "model")


@pytest.fixture(scope="session")
def document_schema() -> dict:
    return json.loads(files("dotsparse.schema").joinpath("document.schema.json").read_text())


@pytest.fixture
def validate(document_schema):
    def check(path: Path) -> dict:
        data = json.loads(Path(path).read_text())
        jsonschema.validate(data, document_schema)
        return data
    return check


@pytest.fixture
def server():
    with FakeDotsServer({}) as srv:
        yield srv


@pytest.fixture
def make_doc(tmp_path, server):
    """Write a generated PDF and register its spec with the test server."""
    def make(doc_id: int = 1, pages: int = 2, name: str | None = None, spec: DocSpec | None = None) -> tuple[Path, DocSpec]:
        spec = spec or simple_doc(doc_id, pages)
        server.add_doc(spec)
        path = make_pdf(tmp_path / (name or f"doc{spec.doc_id}.pdf"), spec)
        return path, spec
    return make
