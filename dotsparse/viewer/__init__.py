"""The HTML viewer: a writer over the data model (`<doc>.json`), plus `index.html` for an output folder.

`ViewerStream` is the document writer, registered as the optional `view` format in `writers.registry`
(`parse --html`); `write_run_index` writes `OUT/index.html` after a run (a registered run format);
`build_views` is `dotsparse view`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .build import build_views, read_entries, write_document_view
from .document import ViewerStream
from .index import write_index

__all__ = ["ViewerStream", "build_views", "write_document_view", "write_run_index"]


def write_run_index(root: Path, run: Optional[dict] = None) -> Path:
    """`ROOT/index.html` from the documents whose viewers exist under ROOT, and ROOT/run.json."""
    return write_index(root, read_entries(root), run)
