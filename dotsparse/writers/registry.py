"""Every document output format, registered in one place.

A format is a stream fed one page at a time (`add`, then `finish`), written to `<doc><suffix>` in the
document's folder. Writers read only the data model (DocumentInfo, PageResult, Cell) and the output
options (`Options.output_fields()`, e.g. `page_furniture`, `overlay`); output options never redo a page,
they are re-applied from the stored results on every run. A new format is one module with its stream
plus one `DocumentFormat(...)` line in `FORMATS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Callable, Mapping, Protocol

from ..model import DocumentInfo, PageResult
from .json_doc import DocumentJsonStream
from .markdown import MarkdownStream


class PageStream(Protocol):
    def add(self, page: PageResult) -> None: ...

    def finish(self) -> None: ...


Outputs = Mapping[str, Any]  # output option name -> value


@dataclass(frozen=True)
class DocumentFormat:
    name: str
    suffix: str  # appended to the document's name: ".md" -> report.md
    open: Callable[[IO[str], DocumentInfo, Outputs], PageStream]
    enabled: Callable[[Outputs], bool] = lambda outputs: True


FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat("markdown", ".md", lambda fh, info, o: MarkdownStream(fh, bool(o.get("page_furniture", True)))),
    DocumentFormat("markdown_nohf", "_nohf.md", lambda fh, info, o: MarkdownStream(fh, furniture=False)),
    DocumentFormat("json", ".json", lambda fh, info, o: DocumentJsonStream(fh, info)),
)


def enabled_formats(outputs: Outputs) -> list[DocumentFormat]:
    return [f for f in FORMATS if f.enabled(outputs)]
