"""Test-support kit: documents with known layout (docgen) and a fake dots.ocr server (fake_server).

Names are imported lazily so `python -m tests.support.fake_server` does not import itself twice.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Block": "docgen", "DocSpec": "docgen", "PageSpec": "docgen", "make_image": "docgen",
    "make_multipage_tiff": "docgen", "make_pdf": "docgen", "simple_doc": "docgen",
    "FakeDotsServer": "fake_server", "Fault": "fake_server", "FaultKind": "fake_server",
    "RecordedRequest": "fake_server",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
