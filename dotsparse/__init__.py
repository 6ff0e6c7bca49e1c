"""dotsparse: parse PDFs and images into Markdown, HTML tables, LaTeX and JSON layout with dots.ocr.

    import dotsparse
    with dotsparse.Parser(engine="embedded") as parser:
        doc = parser.parse("report.pdf", pages="1-3")
        print(doc.status, doc.markdown(furniture=False))

Importing this package has no side effects and imports nothing heavy: every public name is loaded
on first use (PEP 562), and engines import their libraries when they start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Parser": "dotsparse.api.parser",
    "parse_distributed": "dotsparse.distributed.api",
    "Document": "dotsparse.api.document",
    "DocumentStatus": "dotsparse.api.document",
    "Options": "dotsparse.config",
    "Page": "dotsparse.model",
    "Cell": "dotsparse.model",
    "Category": "dotsparse.model",
    "CellFormat": "dotsparse.model",
    "Mode": "dotsparse.model",
    "PageStatus": "dotsparse.model",
    "RunReport": "dotsparse.run.report",
    "DotsparseError": "dotsparse.errors",
    "UsageError": "dotsparse.errors",
    "SourceError": "dotsparse.errors",
    "EngineError": "dotsparse.errors",
    "EngineUnavailable": "dotsparse.errors",
    "DocumentError": "dotsparse.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names load lazily
    from .api.document import Document, DocumentStatus
    from .api.parser import Parser
    from .distributed.api import parse_distributed
    from .config import Options
    from .errors import (DocumentError, DotsparseError, EngineError, EngineUnavailable, SourceError, UsageError)
    from .model import Category, Cell, CellFormat, Mode, Page, PageStatus
    from .run.report import RunReport


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dotsparse' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
