"""Keep PyMuPDF's layout model out of processes that do not use it.

`import pymupdf` imports `pymupdf.layout` whenever that package is installed, and that import loads
an ONNX model: about a second of CPU and tens of MB in every process, including the main process of
a run against a server. `block()` runs before PyMuPDF is first imported; `load()` is for the
embedded engine's workers, which want the model.
"""

from __future__ import annotations

import sys

_NAME = "pymupdf.layout"


def block() -> None:
    if "pymupdf" not in sys.modules:
        sys.modules.setdefault(_NAME, None)  # type: ignore[arg-type]  # None makes the import fail quietly


def load() -> None:
    """Import and activate the layout model (idempotent)."""
    if _NAME in sys.modules and sys.modules[_NAME] is None:
        del sys.modules[_NAME]
    import pymupdf.layout

    pymupdf.layout.activate()
