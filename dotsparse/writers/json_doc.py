"""`<doc>.json`, streamed page by page so a 2,000-page document never sits in memory whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from ..fileio import atomic_open
from ..model import SCHEMA_VERSION, DocumentInfo, PageResult


def write_document_json(path: Path, info: DocumentInfo, pages: Iterable[PageResult]) -> None:
    with atomic_open(path) as fh:
        fh.write('{"schema_version": ' + json.dumps(SCHEMA_VERSION))
        fh.write(', "document": ' + info.model_dump_json())
        fh.write(', "pages": [')
        for i, page in enumerate(pages):
            fh.write(("," if i else "") + "\n" + page.model_dump_json())
        fh.write("\n]}\n")


def page_json_line(info: DocumentInfo, page: PageResult) -> str:
    """One JSON Lines record for `-o -`: the page plus the document fields needed to place it."""
    record = {"source": info.source, "sha256": info.sha256, "engine": info.engine, "model": info.model,
              "mode": info.mode.value, **page.model_dump(mode="json")}
    return json.dumps(record, ensure_ascii=False)
