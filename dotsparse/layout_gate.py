"""Keep PyMuPDF's layout model out of processes that do not use it.

`import pymupdf` imports `pymupdf.layout` whenever that package is installed, and that import loads
an ONNX model: about a second of CPU and tens of MB in every process, including the main process of
a run against a server. The CLI's process calls `block()` before PyMuPDF is first imported; the
Python API calls `import_pymupdf()`, which leaves the host program free to import the layout model
itself; `load()` is for the embedded engine's workers, which want the model.
"""

from __future__ import annotations

import sys

_NAME = "pymupdf.layout"


def block() -> None:
    if "pymupdf" not in sys.modules:
        sys.modules.setdefault(_NAME, None)  # type: ignore[arg-type]  # None makes the import fail quietly


def import_pymupdf() -> None:
    """Import PyMuPDF without its layout model, then let the host import `pymupdf.layout` if it wants."""
    if "pymupdf" in sys.modules:
        return
    blocked_here = _NAME not in sys.modules
    block()
    try:
        import pymupdf  # noqa: F401
    finally:
        if blocked_here and sys.modules.get(_NAME, False) is None:
            del sys.modules[_NAME]


def load() -> None:
    """Import and activate the layout model (idempotent)."""
    if _NAME in sys.modules and sys.modules[_NAME] is None:
        del sys.modules[_NAME]
    import pymupdf.layout

    pymupdf.layout.activate()
