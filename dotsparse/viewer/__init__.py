"""The HTML viewer: a writer over the data model (`<doc>.json`), plus `index.html` for an output folder.

`write_document_view` is the document writer (`parse --html` calls it once a document is assembled);
`write_run_index` writes `OUT/index.html` after a run; `build_views` is `dotsparse view`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .build import build_views, read_entries, write_document_view
from .index import write_index

__all__ = ["build_views", "write_document_view", "write_run_index"]


def write_run_index(root: Path, run: Optional[dict] = None) -> Path:
    """`ROOT/index.html` from the documents whose viewers exist under ROOT, and ROOT/run.json."""
    return write_index(root, read_entries(root), run)
