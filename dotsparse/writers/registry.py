"""Every document output format, registered in one place.

A format is a stream fed one page at a time (`add`, then `finish`) that writes its files into the
document's folder. Writers read only the data model (DocumentInfo, PageResult, Cell) and the output
options (`Options.output_fields()`: `page_furniture`, `overlay`, ...). Output options never redo a page:
the run re-applies them from the stored results whenever they change. A new format is one module with
its stream plus one `DocumentFormat(...)` line in `FORMATS` (and, if it has one, its option in `Options`
with effect `output`).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Protocol

from ..fileio import atomic_open
from ..model import DocumentInfo, PageResult
from .json_doc import DocumentJsonStream
from .markdown import MarkdownStream
from .paths import DocPaths

Outputs = Mapping[str, Any]  # output option name -> value


class PageStream(Protocol):
    def add(self, page: PageResult) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class DocumentTarget:
    """What a format is given for one document: where its files go, the document, the output options."""

    paths: DocPaths
    info: DocumentInfo
    outputs: Outputs
    root: Optional[Path] = None  # the run's output folder
    password: Optional[str] = None  # for a format that reopens the source (e.g. to draw page images)


@dataclass(frozen=True)
class DocumentFormat:
    name: str
    open: Callable[[DocumentTarget, ExitStack], PageStream]  # files opened on the stack appear only when all finish
    enabled: Callable[[Outputs], bool] = lambda outputs: True
    optional: bool = False  # a view, not the result: written in its own pass, its failure loses nothing else
    reads_source: bool = False  # opens the source with PyMuPDF: the run calls it on its PyMuPDF thread


def _text(stack: ExitStack, path: Path) -> Any:
    return stack.enter_context(atomic_open(path))


FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat("markdown", lambda t, s: MarkdownStream(_text(s, t.paths.markdown),
                                                           bool(t.outputs.get("page_furniture", True)), t.info.mode)),
    DocumentFormat("markdown_nohf", lambda t, s: MarkdownStream(_text(s, t.paths.markdown_nohf), furniture=False,
                                                                mode=t.info.mode)),
    DocumentFormat("json", lambda t, s: DocumentJsonStream(_text(s, t.paths.json), t.info)),
)


def enabled_formats(outputs: Outputs, optional: bool = False) -> list[DocumentFormat]:
    return [f for f in FORMATS if f.optional is optional and f.enabled(outputs)]
