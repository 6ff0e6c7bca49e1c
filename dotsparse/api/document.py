"""`Document`: the model of `<doc>.json` (DocumentResult), with its status, its Markdown and its images at hand."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from pydantic import PrivateAttr

from ..model import DocumentInfo, DocumentResult, PageResult
from ..writers.markdown import MarkdownStream
from .images import FolderImages, data_uri

if TYPE_CHECKING:
    from docling_core.types.doc import DoclingDocument


class DocumentStatus(str, Enum):
    OK = "ok"  # every selected page has a usable result (ok, repaired, truncated or fallback)
    PARTIAL = "partial"  # some pages failed; the others are there
    FAILED = "failed"  # no page usable, or the file could not be read at all (`error` says why)


class Document(DocumentResult):
    """One parsed document: `document` (source, sha256, engine, ...) and `pages`, each with its status and cells."""

    _images: Mapping[str, bytes] = PrivateAttr(default_factory=dict)

    @property
    def images(self) -> Mapping[str, bytes]:
        """The images the Markdown links (picture and formula crops as PNG, redrawn pictures as SVG), by the
        relative path each link gives, e.g. `images/p0001-004-picture.png`. Parsed without `output=`, they
        are held in memory; parsed with it, or loaded, they are read from the document's folder."""
        return self._images

    def attach_images(self, images: Mapping[str, bytes]) -> "Document":
        """Where `images` come from (a parse in memory keeps them); returns this document."""
        self._images = images
        return self

    def attach_folder(self, root: Path) -> "Document":
        """`images` read on access from `root`, the folder `<doc>.json` was written to; returns this document."""
        assets = (c.asset for p in self.pages for c in p.cells if c.asset)
        return self.attach_images(FolderImages(root, assets))

    @property
    def status(self) -> DocumentStatus:
        if self.document.error or not self.pages:
            return DocumentStatus.FAILED
        usable = sum(p.status.usable for p in self.pages)
        if usable == len(self.pages):
            return DocumentStatus.OK
        return DocumentStatus.PARTIAL if usable else DocumentStatus.FAILED

    @property
    def source(self) -> str:
        return self.document.source

    @property
    def error(self) -> Optional[str]:
        """Why the file failed as a whole, else the first failed page's error, else None."""
        if self.document.error:
            return self.document.error
        failed = self.failed_pages
        return f"page {failed[0].page}: {failed[0].error}" if failed else None

    @property
    def failed_pages(self) -> list[PageResult]:
        return [p for p in self.pages if not p.status.usable]

    def __repr__(self) -> str:  # pydantic's would print every cell of every page (a notebook's `doc`)
        cells = sum(len(p.cells) for p in self.pages)
        return (f"Document(source={self.source!r}, status={self.status.value!r}, pages={len(self.pages)}, "
                f"cells={cells}, failed_pages={[p.page for p in self.failed_pages]})")

    def _repr_markdown_(self) -> str:  # Jupyter shows the document itself
        return self._images_embedded().markdown(furniture=False)

    def _images_embedded(self) -> "Document":
        """Image links as `data:` URIs: a notebook has no document folder to resolve `images/...` against."""
        images = self.images
        if not images:
            return self
        pages = [p.model_copy(update={"cells": [c.model_copy(update={"asset": data_uri(c.asset, images[c.asset])})
                                                if c.asset and c.asset in images else c for c in p.cells]})
                 for p in self.pages]
        return self.model_copy(update={"pages": pages})

    def markdown(self, furniture: bool = True) -> str:
        """The document as `<doc>.md` has it (`furniture=False`: without page headers and footers)."""
        buffer = io.StringIO()
        stream = MarkdownStream(buffer, furniture, self.document.mode)
        for page in self.pages:
            stream.add(page)
        stream.finish()
        return buffer.getvalue()

    def to_json(self, **kw: Any) -> str:
        """`<doc>.json`, the document's schema (`dotsparse schema`)."""
        return self.model_dump_json(**kw)

    @classmethod
    def load(cls, path: str | Path) -> "Document":
        """Read a `<doc>.json` written by the CLI or `parse_many`; its images are read from beside it."""
        path = Path(path)
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8"))).attach_folder(path.parent)

    @classmethod
    def unreadable(cls, info: DocumentInfo) -> "Document":
        return cls(document=info, pages=[])

    def to_docling(self) -> "DoclingDocument":
        """A docling-core DoclingDocument (extra `docling`): docling's chunkers and exporters then apply."""
        from .docling import to_docling

        return to_docling(self)
