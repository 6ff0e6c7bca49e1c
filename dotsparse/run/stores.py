"""The page store: where committed page results live between the engine and the writers.

`store.DocStore` keeps them in the document's output folder (resume across runs); `MemoryStore`
keeps them in memory (the Python API without an output folder). Another store (object storage, a
database) implements `PageStore` and is handed to the pipeline; no stage changes.
"""

from __future__ import annotations

from typing import Iterator, Optional, Protocol

from ..model import PageResult


class PageStore(Protocol):
    key: str

    def load_page(self, page: int) -> Optional[PageResult]:
        """The committed result of `page` for this key, or None (missing, stale, corrupt)."""

    def save_page(self, result: PageResult) -> None:
        """Commit one page's result atomically."""

    def iter_pages(self, pages: list[int]) -> Iterator[PageResult]:
        """The committed results of `pages`, in order; FileNotFoundError when one is missing."""

    def is_done(self, outputs: str = "") -> bool:
        """Whether the document's files were written for this key and these output options."""

    def mark_done(self, outputs: str = "") -> None: ...

    def clear_done(self) -> None: ...


class MemoryStore:
    """Page results kept in memory for one document, with the images its Markdown links (relative path ->
    PNG or SVG bytes, as the document's folder would hold them); nothing survives the process."""

    def __init__(self, key: str):
        self.key = key
        self.images: dict[str, bytes] = {}
        self._pages: dict[int, PageResult] = {}
        self._done: Optional[str] = None

    def load_page(self, page: int) -> Optional[PageResult]:
        return self._pages.get(page)

    def save_page(self, result: PageResult) -> None:
        self._pages[result.page] = result

    def iter_pages(self, pages: list[int]) -> Iterator[PageResult]:
        for page in pages:
            if page not in self._pages:
                raise FileNotFoundError(f"page {page} result missing from memory")
            yield self._pages[page]

    def is_done(self, outputs: str = "") -> bool:
        return self._done == outputs

    def mark_done(self, outputs: str = "") -> None:
        self._done = outputs

    def clear_done(self) -> None:
        self._done = None
