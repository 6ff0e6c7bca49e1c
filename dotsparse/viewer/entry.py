"""What the index says about one document, written beside its page data (`view/entry.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..fileio import atomic_write_text

ENTRY = "view/entry.json"


@dataclass
class DocEntry:
    name: str
    html_path: Path
    source: str
    engine: str
    mode: str
    page_count: int
    statuses: list[tuple[int, str]] = field(default_factory=list)  # (page, status) in page order
    error: Optional[str] = None


def write_entry(doc_dir: Path, entry: DocEntry) -> None:
    atomic_write_text(doc_dir / ENTRY, json.dumps({
        "name": entry.name, "html": entry.html_path.name, "source": entry.source, "engine": entry.engine,
        "mode": entry.mode, "page_count": entry.page_count, "statuses": entry.statuses, "error": entry.error}))


def read_entry(doc_dir: Path) -> Optional[DocEntry]:
    """None when the document has no viewer yet (parsed without --html) or its entry is unreadable."""
    try:
        raw = json.loads((doc_dir / ENTRY).read_text(encoding="utf-8"))
        return DocEntry(name=raw["name"], html_path=doc_dir / Path(raw["html"]).name, source=raw["source"],
                        engine=raw["engine"], mode=raw["mode"], page_count=raw["page_count"],
                        statuses=[(int(p), str(s)) for p, s in raw["statuses"]], error=raw.get("error"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
