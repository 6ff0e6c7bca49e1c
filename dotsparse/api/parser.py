"""`Parser`: the engine built once, then `parse` one document, `parse_many` a folder, `aparse` from async code.

    with dotsparse.Parser(server="http://gpu:8000/v1", mode="layout", dpi=200) as parser:
        doc = parser.parse("a.pdf", pages="1-3")
        for doc in parser.parse_many(["reports/", "x.pdf"], output="out/"):
            ...

Work runs on a private event-loop thread (`loop.LoopThread`), so plain scripts need no asyncio and
no `if __name__ == "__main__"` guard. The CLI runs the same `run.session.Session` and pipeline.
"""

from __future__ import annotations

import concurrent.futures
import os
import queue
import re
import weakref
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from pydantic import ValidationError
from rich.console import Console

from .. import __version__, layout_gate

# Before anything imports PyMuPDF: without its layout model (an ONNX session) in the host's process,
# and leaving `import pymupdf.layout` to work for the host if it wants the model.
layout_gate.import_pymupdf()

from ..config import (DESCRIBE_API_KEY_ENV, Options, RunConfig, api_key_from_env, check_run,  # noqa: E402
                      server_url, settings_message)
from ..discover import PageSelection, Source, kind_of  # noqa: E402
from ..prompts import prompt_for  # noqa: E402
from ..document.plan import plan_document  # noqa: E402
from ..engines.base import Engine  # noqa: E402
from ..errors import DocumentError, SourceError, UsageError  # noqa: E402
from ..model import DocumentInfo, Mode  # noqa: E402
from ..run.pipeline import FinishedDocument  # noqa: E402
from ..run.progress import Progress  # noqa: E402
from ..run.report import RunReport  # noqa: E402
from ..fileio import confined  # noqa: E402
from ..run.session import Session, find_inputs, prepare_output, write_run_views  # noqa: E402
from ..run.stores import MemoryStore  # noqa: E402
from .document import Document, DocumentStatus  # noqa: E402
from .loop import LoopThread  # noqa: E402
from .streams import Data, as_path, is_data, spooled  # noqa: E402

PathLike = Union[str, Path]
_END = object()


class Parser:
    """Build once (the engine starts here), parse many times, then `close()` (or use `with`).

    Settings are `Options` fields as keywords (`mode`, `dpi`, `pages`, `page_furniture`, ...), engine
    settings as dicts (`transformers={"dtype": "bfloat16"}`), or a whole `options=Options(...)`.
    `server=` is one URL or a list; `engine=` a name or an Engine object (e.g. a ReplayEngine).
    """

    def __init__(self, *, engine: Union[str, Engine] = "auto", server: Union[str, Iterable[str], None] = None,
                 options: Optional[Options] = None, raise_on_error: bool = False, verbose: bool = False,
                 **settings: Any):
        self._closed = True  # until the engine has started
        self.options = _options(options, engine, server, settings)
        self.raise_on_error = raise_on_error
        self.report: Optional[RunReport] = None  # the last call's run report
        self._console = Console(stderr=True)
        self._verbose = verbose
        self._log = _Log(self._console, verbose)  # not a bound method: the session must not keep the Parser alive
        self._loop = LoopThread()
        try:
            self._session = Session(self.options, on_event=self._log,
                                    engine=engine if not isinstance(engine, str) else None)
            self._loop.run(self._session.start())
        except BaseException:
            self._loop.close()
            raise
        # A Parser dropped without close() (a notebook cell run again) still stops its thread and engine workers.
        self._finalizer = weakref.finalize(self, self._loop.shutdown, self._session.aclose)
        self._finalizer.atexit = False  # at exit the executors are already shut: the daemon thread just ends
        self._closed = False

    @property
    def engine(self) -> Engine:
        return self._session.engine

    def parse(self, path: Union[PathLike, Data], pages: Optional[str] = None, output: Optional[PathLike] = None,
              *, name: Optional[str] = None, **outputs: Any) -> Document:
        """One file → a Document. `output=` also writes its files there (and resumes from them).

        `path` may also be bytes or a binary file object; `name` (else the object's own name, else one
        guessed from the first bytes) then says what it is and names the document.
        """
        self._check_open()
        return self._loop.run(self._aparse(path, pages, output, outputs, name))

    async def aparse(self, path: Union[PathLike, Data], pages: Optional[str] = None,
                     output: Optional[PathLike] = None, *, name: Optional[str] = None, **outputs: Any) -> Document:
        """`parse` for async callers: awaits the Parser's loop without blocking the caller's."""
        import asyncio

        self._check_open()
        return await asyncio.wrap_future(self._loop.submit(self._aparse(path, pages, output, outputs, name)))

    def parse_many(self, inputs: Union[PathLike, Iterable[PathLike]], output: Optional[PathLike] = None,
                   pages: Optional[str] = None, force: bool = False, **outputs: Any) -> Iterator[Document]:
        """Files, folders and globs → Documents, yielded as each finishes (not in input order).

        With `output=` every document's files are written there and a re-run resumes: finished pages
        are reused, output-only options re-applied. Without it, results stay in memory.
        """
        self._check_open()
        items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
        found_inputs = [str(as_path(i)) for i in items]
        config = self._config(found_inputs, pages, output, outputs, force)
        done: "queue.Queue[object]" = queue.Queue()
        future = self._loop.submit(self._run(config, lambda doc: done.put(doc)))
        future.add_done_callback(lambda f: done.put(_END))
        try:
            while (item := done.get()) is not _END:
                assert isinstance(item, Document)
                yield self._checked(item)
            try:
                future.result()  # an error that ended the run
            except concurrent.futures.CancelledError:
                if self._closed:
                    raise UsageError("the Parser was closed before parse_many finished") from None
                raise
        finally:
            if not future.done():  # the caller stopped early
                future.cancel()

    def close(self) -> None:
        """Cancel the calls still running, then stop the engine and its workers. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        self._finalizer()

    def __enter__(self) -> "Parser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _aparse(self, path: Union[PathLike, Data], pages: Optional[str], output: Optional[PathLike],
                      outputs: dict[str, Any], name: Optional[str]) -> Document:
        if not is_data(path):
            return self._checked(await self._aparse_file(as_path(path), pages, output, outputs))
        with spooled(path, name) as spool:
            doc = await self._aparse_file(spool, pages, output, outputs)
        doc.document.source = spool.name  # the temporary file is gone
        return self._checked(doc)

    async def _aparse_file(self, path: Path, pages: Optional[str], output: Optional[PathLike],
                           outputs: dict[str, Any]) -> Document:
        config = self._config([str(path)], pages, output, outputs, force=False)
        got: list[Document] = []
        await self._run(config, got.append, single=True)
        return got[0]

    async def _run(self, config: RunConfig, deliver: Callable[[Document], None], single: bool = False) -> RunReport:
        in_memory = config.output == ""
        out = None if in_memory else prepare_output(Path(config.output))
        found = find_inputs(config, exclude=out)
        if single and len(found.sources) != 1:
            raise UsageError(f"parse() takes one file; {config.inputs[0]} names {len(found.sources)}",
                             hint="use parse_many for folders and globs")
        for missing in found.missing:  # named and absent: a failed document, as for a file that cannot be read
            source = Source(path=Path(missing), kind=kind_of(Path(missing)) or "pdf", label=missing)
            deliver(Document.unreadable(self._failed_info(source, f"{missing}: no such file, folder or matching "
                                                                  "glob", config)))
        progress = Progress(self._console, show_bar=False, quiet=not self._verbose)

        def finished(item: FinishedDocument) -> None:
            deliver(self._document(item, config))

        with ExitStack() as stack:
            if out is not None:  # as for the CLI: no write or resume read below OUT follows a planted link
                stack.enter_context(confined(out))
            report = await self._session.run(config, found, progress, on_document=finished, in_memory=in_memory)
            if out is not None:
                write_run_views(out, report, config.output_fields(), self._log)
        self.report = report
        return report

    def _config(self, inputs: list[str], pages: Optional[str], output: Optional[PathLike],
                outputs: dict[str, Any], force: bool) -> RunConfig:
        unknown = set(outputs) - set(Options.output_names())
        if unknown:
            raise UsageError(f"not output options: {', '.join(sorted(unknown))}",
                             hint=f"per call: {', '.join(Options.output_names())}")
        values = {**self.options.model_dump(), **outputs, "inputs": inputs, "output": str(output) if output else "",
                  "force": force, "quiet": True}
        if pages is not None:
            values["pages"] = pages
        if values.get("describe_pictures") and values.get("describe_api_key") is None:
            values["describe_api_key"] = api_key_from_env(DESCRIBE_API_KEY_ENV)
        try:
            config = RunConfig(**values)
        except ValidationError as exc:
            raise UsageError(settings_message(exc, flag=False)) from None
        check_run(config)
        return config

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError("this Parser is closed")

    def _document(self, item: FinishedDocument, config: RunConfig) -> Document:
        if item.info is None or item.store is None:
            return Document.unreadable(self._failed_info(item.source, item.error or "unreadable", config))
        if item.plan is None and item.paths is not None and item.paths.json.is_file():  # reused whole: as written
            return Document.load(item.paths.json)
        plan = item.plan or plan_document(item.store.iter_pages(item.info.pages_selected),
                                          merge_tables=config.merge_tables)
        pages = [plan.annotate(p) for p in item.store.iter_pages(item.info.pages_selected)]
        doc = Document(document=item.info, pages=pages, merged_tables=plan.merged_tables)
        if item.paths is not None:
            return doc.attach_folder(item.paths.root)
        return doc.attach_images(item.store.images if isinstance(item.store, MemoryStore) else {})

    def _failed_info(self, source: Source, error: str, config: RunConfig) -> DocumentInfo:
        return DocumentInfo(source=str(source.path), sha256="", kind=source.kind, page_count=0, pages_selected=[],
                            dpi=config.dpi, engine=self.engine.name, model=self.engine.model, mode=config.mode,
                            dotsparse_version=__version__, error=error)

    def _checked(self, doc: Document) -> Document:
        if not self.raise_on_error or doc.status is DocumentStatus.OK:
            return doc
        if doc.document.error:
            stage, message = _stage_and_message(doc.document.error)
            raise SourceError(message, source=doc.source, stage=stage)
        failed = doc.failed_pages
        raise DocumentError(f"{len(failed)} of {len(doc.pages)} page(s) failed; first: {failed[0].error}",
                            source=doc.source, page=failed[0].page, document=doc)


class _Log:
    def __init__(self, console: Console, verbose: bool):
        self.console, self.verbose = console, verbose

    def __call__(self, message: str) -> None:
        if self.verbose:
            self.console.print(message, highlight=False, markup=False)  # server events are plain text


def _options(options: Optional[Options], engine: Union[str, Engine], server: Union[str, Iterable[str], None],
             settings: dict[str, Any]) -> Options:
    values = options.model_dump() if options is not None else {}
    values.update(settings)
    if isinstance(engine, str):
        values["engine"] = engine
    else:
        values["engine"] = engine.name
    if server is not None:
        values["servers"] = server
    if isinstance(values.get("servers"), str):
        values["servers"] = (values["servers"],)
    if "servers" in values:
        values["servers"] = tuple(server_url(str(s)).rstrip("/") for s in values["servers"])
    if values.get("mode") in ("box", Mode.BOX) and values.get("box") is None:
        raise UsageError("mode='box' needs box=(x1, y1, x2, y2) (page pixels at dpi)")
    if values.get("api_key") is None:  # a secret belongs in the environment, as for the CLI
        values["api_key"] = api_key_from_env()
    try:
        built = Options(**values)
    except ValidationError as exc:
        raise UsageError(settings_message(exc, flag=False)) from None
    prompt_for(built.mode, built.prompt_file)  # a missing prompt file or bad pages: before the engine starts
    PageSelection.parse(built.pages)
    return built


def _stage_and_message(recorded: str) -> tuple[str, str]:
    """A file's recorded error is "<file>, <stage>: <message>" (its str()); the parts, for a typed error."""
    found = re.match(r"^.*?, (open|pages): (.*)$", recorded, re.DOTALL)
    return (found.group(1), found.group(2)) if found else ("open", recorded)
