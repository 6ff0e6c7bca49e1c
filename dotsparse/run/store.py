"""Resume is a file protocol: each page's result is committed atomically, the document's done marker last.

    OUT/<doc>/.dotsparse/pages/p00001.json   {"key": ..., "result": PageResult}
    OUT/<doc>/.dotsparse/done.json           {"key": ..., "outputs": ...}   written after every output file

A result counts only if its key (input sha256 + result-changing options) matches; a failed page is redone.
`outputs` fingerprints what the document's files were written with (pages selected, output-only options):
when it differs the files are rewritten from the stored pages, no page redone. `DocStore` is the local
folder implementation of `stores.PageStore`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Optional

from pydantic import ValidationError

from ..fileio import atomic_write_text, check_confined, read_confined_text
from ..model import PageResult


class DocStore:
    def __init__(self, doc_dir: Path, key: str):
        self.doc_dir = doc_dir
        self.key = key
        self.state_dir = doc_dir / ".dotsparse"
        self.pages_dir = self.state_dir / "pages"

    def page_path(self, page: int) -> Path:
        return self.pages_dir / f"p{page:05d}.json"

    def load_page(self, page: int) -> Optional[PageResult]:
        """The committed result of `page` for this key, or None (missing, stale, corrupt)."""
        try:
            record = json.loads(read_confined_text(self.page_path(page)))
            if record.get("key") != self.key:
                return None
            return PageResult.model_validate(record["result"])
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None

    def save_page(self, result: PageResult) -> None:
        record = '{"key": ' + json.dumps(self.key) + ', "result": ' + result.model_dump_json() + "}"
        atomic_write_text(self.page_path(result.page), record)

    def iter_pages(self, pages: list[int]) -> Iterator[PageResult]:
        for page in pages:
            result = self.load_page(page)
            if result is None:
                raise FileNotFoundError(f"page {page} result missing from {self.pages_dir}")
            yield result

    def is_done(self, outputs: str = "") -> bool:
        try:
            record = json.loads(read_confined_text(self.state_dir / "done.json"))
            return record.get("key") == self.key and record.get("outputs", "") == outputs
        except (OSError, ValueError, AttributeError):
            return False

    def mark_done(self, outputs: str = "") -> None:
        atomic_write_text(self.state_dir / "done.json", json.dumps({"key": self.key, "outputs": outputs}) + "\n")

    def clear_done(self) -> None:
        check_confined(self.state_dir / "done.json")
        (self.state_dir / "done.json").unlink(missing_ok=True)
