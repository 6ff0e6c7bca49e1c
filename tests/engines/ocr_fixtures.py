"""Fixtures shared by the OCR test modules: an OCR-enabled engine and a small text page to scan.

Imported by name into each module (module scope: one engine per module, closed after it)."""

from __future__ import annotations

import pytest

from . import embedded_docs as docs
from .embedded_run import engine_for_module

LINES = ["Quarterly report", "Revenue grew by twelve percent"]


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("auto")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("scan-source") / "source.pdf"
    docs.small_text_page(path, LINES)
    return path
