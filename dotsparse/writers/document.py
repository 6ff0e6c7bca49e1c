"""A document's three files from one pass over its pages: `<doc>.md`, `<doc>_nohf.md`, `<doc>.json`."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Iterable, Optional

from ..document.plan import DocumentPlan
from ..fileio import atomic_open
from ..model import DocumentInfo, PageResult
from .json_doc import DocumentJsonStream
from .markdown import MarkdownStream


def write_document(markdown: Path, markdown_nohf: Path, json_path: Path, info: DocumentInfo,
                   pages: Iterable[PageResult], furniture: bool = True, plan: Optional[DocumentPlan] = None) -> None:
    """Each page is read once and fed to every writer; every file appears only when all are complete.

    `plan` (document.plan_document, from an earlier read of the same pages) adds what spans pages:
    heading levels, caption links, picture descriptions on the cells; merged tables in all three files.
    """
    with ExitStack() as stack:
        merged = plan.merged_tables if plan is not None else ()
        streams = (MarkdownStream(stack.enter_context(atomic_open(markdown)), furniture, info.mode, plan),
                   MarkdownStream(stack.enter_context(atomic_open(markdown_nohf)), furniture=False, mode=info.mode,
                                  plan=plan),
                   DocumentJsonStream(stack.enter_context(atomic_open(json_path)), info, merged))
        for page in pages:
            if plan is not None:
                page = plan.annotate(page)
            for stream in streams:
                stream.add(page)
        for stream in streams:
            stream.finish()
