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
    `target.plan` (document.plan_document, from an earlier read of the same pages) adds what spans
    pages: heading levels, caption links, picture descriptions on the cells; merged tables.
    """
    chosen = enabled_formats(target.outputs) if formats is None else list(formats)
    plan = target.plan
    with ExitStack() as stack:
        streams = [fmt.open(target, stack) for fmt in chosen]
        for page in pages:
            if plan is not None:
                page = plan.annotate(page)
            for stream in streams:
                stream.add(page)
        for stream in streams:
            stream.finish()
