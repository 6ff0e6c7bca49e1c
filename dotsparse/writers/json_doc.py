"""`<doc>.json`, streamed page by page so a 2,000-page document never sits in memory whole."""

from __future__ import annotations

import json
from typing import IO, Sequence

from ..model import SCHEMA_VERSION, DocumentInfo, MergedTable, PageResult


class DocumentJsonStream:
    """Writes `<doc>.json` to an open file one page at a time."""

    def __init__(self, fh: IO[str], info: DocumentInfo, merged_tables: Sequence[MergedTable] = ()):
        self.fh = fh
        self.merged_tables = merged_tables
        self._count = 0
        fh.write('{"schema_version": ' + json.dumps(SCHEMA_VERSION))
        fh.write(', "document": ' + info.model_dump_json())
        fh.write(', "pages": [')

    def add(self, page: PageResult) -> None:
        self.fh.write(("," if self._count else "") + "\n" + page.model_dump_json())
        self._count += 1

    def finish(self) -> None:
        merged = ",\n".join(t.model_dump_json() for t in self.merged_tables)
        self.fh.write("\n], \"merged_tables\": [" + merged + "]}\n")


def page_json_line(info: DocumentInfo, page: PageResult) -> str:
    """One JSON Lines record for `-o -`: the page plus the document fields needed to place it."""
    record = {"source": info.source, "sha256": info.sha256, "engine": info.engine, "model": info.model,
              "mode": info.mode.value, **page.model_dump(mode="json")}
    return json.dumps(record, ensure_ascii=False)
