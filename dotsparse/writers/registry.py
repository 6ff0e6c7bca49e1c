"""Every output format, registered in one place.

A document format is a stream fed one page at a time (`add`, then `finish`) that writes its files into
the document's folder. Writers read only the data model (DocumentInfo, PageResult, Cell), the document's
plan (what spans pages: `document.plan`) and the output options (`Options.output_fields()`:
`page_furniture`, `overlay`, `html`, `merge_tables`, ...). Output options never redo a page: the run
re-applies them from the stored results whenever they change. A new format is one module with its
stream plus one `DocumentFormat(...)` line in `FORMATS` (and, if it has one, its option in `Options`
with effect `output`). A run format (`RUN_FORMATS`) is written once per run, from run.json's record.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Protocol

from ..document.plan import DocumentPlan
from ..fileio import atomic_open
from ..model import DocumentInfo, PageResult
from ..viewer import ViewerStream, write_run_index
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
    plan: Optional[DocumentPlan] = None  # the document-level pass: heading levels, captions, merged tables


@dataclass(frozen=True)
class DocumentFormat:
    name: str
    open: Callable[[DocumentTarget, ExitStack], PageStream]  # files opened on the stack appear only when all finish
    enabled: Callable[[Outputs], bool] = lambda outputs: True
    optional: bool = False  # a view, not the result: written in its own pass, its failure loses nothing else
    reads_source: bool = False  # opens the source with PyMuPDF: the run calls it on its PyMuPDF thread
    # a view's own file: while it exists the view is rewritten with the document (never left stale), and
    # a document reused whole gets it written when it is enabled and missing
    file: Optional[Callable[[DocPaths], Path]] = None

    def wanted(self, target: DocumentTarget) -> bool:
        return self.enabled(target.outputs) or (self.file is not None and self.file(target.paths).is_file())

    def missing(self, target: DocumentTarget) -> bool:
        return self.enabled(target.outputs) and self.file is not None and not self.file(target.paths).is_file()


@dataclass(frozen=True)
class RunFormat:
    """A file for the whole output folder, written after the run from run.json's record (e.g. `index.html`)."""

    name: str
    write: Callable[[Path, dict], object]  # (OUT, run.json as a dict)
    enabled: Callable[[Outputs], bool]
    file: Callable[[Path], Path]  # while it exists it is rewritten after every run


def _text(stack: ExitStack, path: Path) -> Any:
    return stack.enter_context(atomic_open(path))


def _viewer(t: DocumentTarget) -> ViewerStream:
    root = t.root if t.root is not None else t.paths.root.parent
    return ViewerStream(t.paths.root, t.paths.name, t.info, root, password=t.password)


FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat("markdown", lambda t, s: MarkdownStream(_text(s, t.paths.markdown),
                                                           bool(t.outputs.get("page_furniture", True)), t.info.mode,
                                                           t.plan)),
    DocumentFormat("markdown_nohf", lambda t, s: MarkdownStream(_text(s, t.paths.markdown_nohf), furniture=False,
                                                                mode=t.info.mode, plan=t.plan)),
    DocumentFormat("json", lambda t, s: DocumentJsonStream(_text(s, t.paths.json), t.info,
                                                           t.plan.merged_tables if t.plan is not None else ())),
    DocumentFormat("view", lambda t, s: _viewer(t), enabled=lambda o: bool(o.get("html")), optional=True,
                   reads_source=True, file=lambda paths: paths.file(".html")),
)

RUN_FORMATS: tuple[RunFormat, ...] = (
    RunFormat("index", write_run_index, enabled=lambda o: bool(o.get("html")), file=lambda out: out / "index.html"),
)


def enabled_formats(outputs: Outputs, optional: bool = False) -> list[DocumentFormat]:
    return [f for f in FORMATS if f.optional is optional and f.enabled(outputs)]


def wanted_formats(target: DocumentTarget, optional: bool = False) -> list[DocumentFormat]:
    """The formats to write for this document: enabled, or (views) kept up to date because their file exists."""
    return [f for f in FORMATS if f.optional is optional and f.wanted(target)]


def wanted_run_formats(out: Path, outputs: Outputs) -> list[RunFormat]:
    return [f for f in RUN_FORMATS if f.enabled(outputs) or f.file(out).is_file()]
