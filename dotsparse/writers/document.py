"""A document's files from one pass over its pages: every format in `registry.FORMATS` that is enabled."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Iterable

from ..fileio import atomic_open
from ..model import DocumentInfo, PageResult
from .paths import DocPaths
from .registry import Outputs, enabled_formats


def write_document(paths: DocPaths, info: DocumentInfo, pages: Iterable[PageResult], outputs: Outputs) -> None:
    """Each page is read once and fed to every writer; every file appears only when all are complete."""
    with ExitStack() as stack:
        streams = [fmt.open(stack.enter_context(atomic_open(paths.file(fmt.suffix))), info, outputs)
                   for fmt in enabled_formats(outputs)]
        for page in pages:
            for stream in streams:
                stream.add(page)
        for stream in streams:
            stream.finish()
