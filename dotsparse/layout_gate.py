"""Keep PyMuPDF's layout model, and onnxruntime with it, out of processes that do not use it.

`import pymupdf` imports `pymupdf.layout` whenever that package is installed, and that import loads
an ONNX model: about a second of CPU and tens of MB in every process, including the main process of
a run against a server. It also imports `pymupdf4llm` when installed, whose OCR helpers import
onnxruntime (which writes under ~/.cache). The CLI's process calls `block()` before PyMuPDF is first
imported; the Python API calls `import_pymupdf()`, which leaves the host program free to import the
layout model itself; `load()` is for the embedded engine's workers, which want the model. An explicit
`import pymupdf4llm` later still works: only the one made from inside PyMuPDF's own import is refused.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder

_NAME = "pymupdf.layout"


class _NoLLMInsidePyMuPDF(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pymupdf4llm":
            spec = getattr(sys.modules.get("pymupdf"), "__spec__", None)
            if getattr(spec, "_initializing", False):  # pymupdf is still running its own __init__
                raise ImportError("dotsparse: pymupdf4llm is not imported on pymupdf's behalf")
        return None


def block() -> None:
    if "pymupdf" not in sys.modules:
        sys.modules.setdefault(_NAME, None)  # type: ignore[arg-type]  # None makes the import fail quietly
        if not any(isinstance(f, _NoLLMInsidePyMuPDF) for f in sys.meta_path):
            sys.meta_path.insert(0, _NoLLMInsidePyMuPDF())


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
