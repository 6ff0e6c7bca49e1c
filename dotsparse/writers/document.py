"""A document's three files from one pass over its pages: `<doc>.md`, `<doc>_nohf.md`, `<doc>.json`."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Iterable

from ..fileio import atomic_open
from ..model import DocumentInfo, PageResult
from .json_doc import DocumentJsonStream
from .markdown import MarkdownStream


def write_document(markdown: Path, markdown_nohf: Path, json_path: Path, info: DocumentInfo,
                   pages: Iterable[PageResult], furniture: bool = True) -> None:
    """Each page is read once and fed to every writer; every file appears only when all are complete."""
    with ExitStack() as stack:
        streams = (MarkdownStream(stack.enter_context(atomic_open(markdown)), furniture, info.mode),
                   MarkdownStream(stack.enter_context(atomic_open(markdown_nohf)), furniture=False, mode=info.mode),
                   DocumentJsonStream(stack.enter_context(atomic_open(json_path)), info))
        for page in pages:
            for stream in streams:
                stream.add(page)
        for stream in streams:
            stream.finish()
