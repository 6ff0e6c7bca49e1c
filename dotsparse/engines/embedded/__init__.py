"""The embedded engine: parse PDFs and images on a CPU, offline, with bundled models."""

from ...layout_gate import import_pymupdf

# First in every worker process (they import this package before its modules): PyMuPDF without what its
# own import drags in (pymupdf4llm changes text extraction globally); the layout model loads when used.
import_pymupdf()

from .engine import EmbeddedEngine  # noqa: E402

__all__ = ["EmbeddedEngine"]
