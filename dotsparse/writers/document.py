"""A document's files from the registered formats (`registry.FORMATS`) that its output options enable."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Iterable, Sequence

from ..model import PageResult
from .registry import DocumentFormat, DocumentTarget, enabled_formats


def write_document(target: DocumentTarget, pages: Iterable[PageResult],
                   formats: Sequence[DocumentFormat] | None = None) -> None:
    """Each page is read once and fed to every format; every file appears only when all are complete.

    `formats` defaults to the enabled required ones (`<doc>.md`, `<doc>_nohf.md`, `<doc>.json`, ...);
    an optional format is written alone, in its own call, so that its failure loses nothing else.
    """
    chosen = enabled_formats(target.outputs) if formats is None else list(formats)
    with ExitStack() as stack:
        streams = [fmt.open(target, stack) for fmt in chosen]
        for page in pages:
            for stream in streams:
                stream.add(page)
        for stream in streams:
            stream.finish()
