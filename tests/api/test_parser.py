"""The Python API: Parser.parse / parse_many / aparse over the replay engine, statuses and typed errors."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest

import dotsparse
from dotsparse.engines.replay import ReplayEngine
from tests.support.docgen import make_pdf, simple_doc
from tests.support.replay import record


@pytest.fixture
def docs(tmp_path):
    """Two 3-page PDFs and the recorded answers for every page."""
    answers = {}
    (tmp_path / "in").mkdir()
    for doc_id, name in ((1, "a.pdf"), (2, "b.pdf")):
        spec = simple_doc(doc_id, 3)
        pdf = make_pdf(tmp_path / "in" / name, spec)
        answers.update(record(pdf, spec, dpi=50))
    return tmp_path / "in", answers


def test_parse_returns_a_typed_document_with_statuses_boxes_and_markdown(docs):
    folder, answers = docs
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        doc = parser.parse(folder / "a.pdf", pages="1-2")
    assert isinstance(doc, dotsparse.Document) and doc.status is dotsparse.DocumentStatus.OK
    assert [p.page for p in doc.pages] == [1, 2] and doc.document.pages_selected == [1, 2]
    page = doc.pages[0]
    assert isinstance(page, dotsparse.Page) and page.status is dotsparse.PageStatus.OK
    header = page.cells[0]
    assert header.category is dotsparse.Category.PAGE_HEADER and header.bbox_pt is not None
    x1, y1, x2, y2 = header.bbox_pt
    assert 40 < x1 < x2 < 560 and 15 < y1 < y2 < 45  # the header is drawn at (56, 22, 539, 36) pt
    assert "running header" in doc.markdown() and "running header" not in doc.markdown(furniture=False)
    assert "Synthetic Document 1" in doc.markdown(furniture=False)
    assert json.loads(doc.to_json())["pages"][1]["page"] == 2


def test_a_failed_page_is_a_status_and_raise_on_error_raises_it_typed(docs):
    folder, answers = docs
    missing = {k: v for k, v in answers.items() if k != ("a.pdf", 2)}
    with dotsparse.Parser(engine=ReplayEngine(missing), dpi=50, fallback=()) as parser:
        doc = parser.parse(folder / "a.pdf")
        assert doc.status is dotsparse.DocumentStatus.PARTIAL
        assert [p.status.value for p in doc.pages] == ["ok", "failed", "ok"]
        assert "no recorded answer" in doc.pages[1].error and "page 2" in doc.error
    with dotsparse.Parser(engine=ReplayEngine(missing), dpi=50, fallback=(), raise_on_error=True) as parser:
        with pytest.raises(dotsparse.DocumentError) as caught:
            parser.parse(folder / "a.pdf")
        assert caught.value.page == 2 and caught.value.document.pages[0].status.value == "ok"


def test_an_unreadable_file_is_a_failed_document_or_a_source_error(docs, tmp_path):
    folder, answers = docs
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7 not really")
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50) as parser:
        doc = parser.parse(bad)
        assert doc.status is dotsparse.DocumentStatus.FAILED and doc.pages == [] and doc.error
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, raise_on_error=True) as parser:
        with pytest.raises(dotsparse.SourceError):
            parser.parse(bad)


def test_parse_many_yields_every_document_writes_files_and_resumes(docs, tmp_path):
    folder, answers = docs
    out = tmp_path / "out"
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        first = {Path(d.source).name: d for d in parser.parse_many([folder], output=out)}
        assert set(first) == {"a.pdf", "b.pdf"} and all(d.status.value == "ok" for d in first.values())
        assert parser.report is not None and parser.report.pages == 6 and parser.report.pages_reused == 0
        assert (out / "a" / "a.md").read_text() == first["a.pdf"].markdown()
        assert dotsparse.Document.load(out / "a" / "a.json") == first["a.pdf"]  # the same model as <doc>.json
        again = list(parser.parse_many(str(folder), output=out))
        assert parser.report.pages_reused == 6
    assert {d.source for d in again} == {d.source for d in first.values()}
    assert [d.model_dump(exclude={"pages"}) for d in again if d.source.endswith("a.pdf")] == \
        [first["a.pdf"].model_dump(exclude={"pages"})]


def test_aparse_for_async_callers(docs):
    folder, answers = docs

    async def main():
        with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50) as parser:
            return await asyncio.gather(parser.aparse(folder / "a.pdf"), parser.aparse(folder / "b.pdf", pages="3"))

    a, b = asyncio.run(main())
    assert len(a.pages) == 3 and [p.page for p in b.pages] == [3] and a.status.value == b.status.value == "ok"


def test_settings_are_validated_as_usage_errors():
    with pytest.raises(dotsparse.UsageError, match="device"):
        dotsparse.Parser(engine="transformers", model="x", transformers={"device": "gpu"})
    with pytest.raises(dotsparse.UsageError, match="dpi"):
        dotsparse.Parser(engine="replay", replay="x", dpi=-1)
    with pytest.raises(dotsparse.UsageError, match="did you mean http://gpu:8000/v1"):
        dotsparse.Parser(server="gpu:8000")
    with pytest.raises(dotsparse.UsageError, match="not_an_option"):
        dotsparse.Parser(engine="replay", replay="x", not_an_option=1)


def test_stopping_parse_many_early_leaves_the_parser_usable(docs, tmp_path):
    folder, answers = docs
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50) as parser:
        for doc in parser.parse_many(folder, output=tmp_path / "o"):
            break
        assert parser.parse(folder / "b.pdf").status.value == "ok"
    with pytest.raises(dotsparse.UsageError, match="closed"):
        parser.parse(folder / "b.pdf")


def test_parse_takes_one_file_and_says_so(docs):
    folder, answers = docs
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50) as parser:
        with pytest.raises(dotsparse.UsageError, match="parse_many"):
            parser.parse(folder)
        with pytest.raises(dotsparse.UsageError, match="no PDF or image"):
            parser.parse(folder / "missing.pdf")
        with pytest.raises(dotsparse.UsageError, match="not output options"):
            parser.parse(folder / "a.pdf", dpi=72)


class SlowReplay(ReplayEngine):
    """Answers after a delay, counting the requests it started."""

    def __init__(self, answers):
        super().__init__(answers)
        self.started = 0

    async def infer(self, request):
        self.started += 1
        await asyncio.sleep(0.2)
        return await super().infer(request)


def test_closing_after_stopping_early_leaves_no_page_running(docs, tmp_path):
    import time

    folder, answers = docs
    engine = SlowReplay(answers)
    parser = dotsparse.Parser(engine=engine, dpi=50, concurrency=1)
    for _ in parser.parse_many(folder, output=tmp_path / "o"):
        break
    parser.close()
    started = engine.started
    time.sleep(0.5)
    assert engine.started == started < 6  # nothing runs after close(), and the run did not go on to the end


def test_the_openai_engine_against_a_server(server, make_doc, monkeypatch):
    monkeypatch.setenv("DOTSPARSE_API_KEY", "secret-from-env")
    path, _ = make_doc(doc_id=7, pages=2)
    with dotsparse.Parser(server=server.url, mode="layout", dpi=50) as parser:
        doc = parser.parse(path, pages="2")
        assert parser.options.api_key == "secret-from-env" and "secret" not in repr(parser.options)
    assert doc.status.value == "ok" and doc.document.engine == "openai" and [p.page for p in doc.pages] == [2]
    assert len(server.requests) == 1 and server.requests[0].authorization == "Bearer secret-from-env"


def test_html_is_an_output_option_of_a_call_and_needs_a_folder(docs, tmp_path):
    folder, answers = docs
    out = tmp_path / "out"
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        doc = parser.parse(folder / "a.pdf", output=out, html=True)
        assert doc.status is dotsparse.DocumentStatus.OK
        assert (out / "a" / "a.html").is_file() and (out / "index.html").is_file()
        assert sorted(p.name for p in (out / "a" / "view").glob("p*.jpg")) == ["p0001.jpg", "p0002.jpg", "p0003.jpg"]
        with pytest.raises(dotsparse.UsageError, match="--html writes files"):
            parser.parse(folder / "a.pdf", html=True)
        with pytest.raises(dotsparse.UsageError, match="--describe-pictures needs --describe-server"):
            parser.parse(folder / "a.pdf", output=out, describe_pictures=True)


def test_the_document_level_pass_applies_in_memory_too(docs):
    folder, answers = docs
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        doc = parser.parse(folder / "a.pdf")
    titles = [c for p in doc.pages for c in p.cells if c.category is dotsparse.Category.TITLE]
    assert titles and all(c.level == 1 for c in titles[:1])  # heading levels from the document-level pass


def test_parse_many_never_parses_its_own_output_folder(docs):
    folder, answers = docs
    out = folder / "out"  # inside the inputs, as `parse_many(["."], output="out")` does
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        first = [Path(d.source).name for d in parser.parse_many([folder], output=out, html=True)]
        assert sorted(first) == ["a.pdf", "b.pdf"] and list((out / "a" / "view").glob("*.jpg"))
        again = [Path(d.source).name for d in parser.parse_many([folder], output=out, html=True)]
    assert sorted(again) == ["a.pdf", "b.pdf"]  # not the page images or crops written under out/


def test_a_parser_dropped_without_close_stops_its_thread_and_its_engine(docs):
    """A notebook cell run again drops the old Parser: its loop thread and engine (workers) must not leak."""
    import gc
    import threading

    folder, answers = docs
    closed = []

    class Recording(ReplayEngine):
        async def aclose(self) -> None:
            closed.append(True)
            await super().aclose()

    def loops() -> int:
        return sum(t.name == "dotsparse-loop" for t in threading.enumerate())

    before = loops()
    for _ in range(3):
        parser = dotsparse.Parser(engine=Recording(answers), dpi=50, fallback=())
        assert parser.parse(folder / "a.pdf").status is dotsparse.DocumentStatus.OK
        del parser
        gc.collect()
    assert closed == [True] * 3 and loops() == before


def test_bytes_and_binary_file_objects_parse_under_their_name(docs):
    import io

    folder, answers = docs
    data = (folder / "a.pdf").read_bytes()
    answers = {**answers, **{("document.pdf", page): answer for (name, page), answer in answers.items()
                             if name == "a.pdf"}}
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        named = parser.parse(data, name="a.pdf")
        assert named.status is dotsparse.DocumentStatus.OK and named.source == "a.pdf"
        sniffed = parser.parse(io.BytesIO(data))  # no name: a PDF by its first bytes
        assert sniffed.status is dotsparse.DocumentStatus.OK and sniffed.source == "document.pdf"
        with open(folder / "b.pdf", "rb") as handle:  # an open file: its own name
            assert parser.parse(handle).source == "b.pdf"
        assert sniffed.markdown() == named.markdown() == parser.parse(folder / "a.pdf").markdown()


def test_what_is_not_a_document_is_a_clear_type_error(docs, tmp_path):
    folder, answers = docs
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        for bad in (None, 5):
            with pytest.raises(TypeError, match="expected a path"):
                parser.parse(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="name="):
            parser.parse(b"no magic here")
        (tmp_path / "t.pdf").write_text("x")
        with open(tmp_path / "t.pdf") as text_mode, pytest.raises(TypeError, match="binary"):
            parser.parse(text_mode)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="expected a path"):
            list(parser.parse_many([folder, None]))  # type: ignore[list-item]


def test_source_error_names_the_file_once_with_its_stage(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7 not really")
    with dotsparse.Parser(engine=ReplayEngine({}), dpi=50, raise_on_error=True) as parser:
        with pytest.raises(dotsparse.SourceError) as caught:
            parser.parse(bad)
    assert caught.value.source == str(bad) and caught.value.stage == "open"
    assert str(caught.value).count(str(bad)) <= 2  # the recorded message, not the path prefixed once more
    assert not str(caught.value).startswith(f"{bad}: {bad}")


def test_settings_errors_name_the_keyword_in_one_line():
    for settings, expected in (({"dpi": "high"}, "dpi=: "), ({"fallback": ("pray",)}, "unknown step"),
                               ({"nope": 1}, "nope=: unknown setting"), ({"mode": "box"}, "box="),
                               ({"pages": "1-3,x"}, "'x'"), ({"prompt_file": "/no/such/prompt.txt"}, "prompt")):
        with pytest.raises(dotsparse.UsageError) as caught:
            dotsparse.Parser(engine=ReplayEngine({}), **settings)
        assert expected in str(caught.value) and "\n" not in str(caught.value), settings
    with dotsparse.Parser(engine=ReplayEngine({}), servers="http://gpu:8000/v1") as parser:  # one URL, as server=
        assert parser.options.servers == ("http://gpu:8000/v1",)


def test_parse_many_cut_short_by_close_says_so(docs, tmp_path):
    folder, answers = docs

    class StuckOnB(ReplayEngine):
        async def infer(self, request):
            if request.page.path.name == "b.pdf":
                await asyncio.Event().wait()  # until cancelled
            return await super().infer(request)

    parser = dotsparse.Parser(engine=StuckOnB(answers), dpi=50, fallback=())
    documents = parser.parse_many([folder])
    assert Path(next(documents).source).name == "a.pdf"
    parser.close()
    with pytest.raises(dotsparse.UsageError, match="closed before parse_many finished"):
        list(documents)


def test_parse_many_yields_a_failed_document_for_an_input_that_is_not_there(docs, tmp_path):
    folder, answers = docs
    gone = tmp_path / "gone.pdf"
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        by_name = {Path(d.source).name: d for d in parser.parse_many([folder / "a.pdf", gone])}
    assert by_name["a.pdf"].status is dotsparse.DocumentStatus.OK
    assert by_name["gone.pdf"].status is dotsparse.DocumentStatus.FAILED and "no such file" in by_name["gone.pdf"].error
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=(), raise_on_error=True) as parser:
        with pytest.raises(dotsparse.SourceError) as caught:
            list(parser.parse_many([folder / "a.pdf", gone]))
    assert caught.value.source == str(gone)


def test_a_document_shows_itself_briefly_and_as_markdown_in_a_notebook(docs):
    folder, answers = docs
    with dotsparse.Parser(engine=ReplayEngine(answers), dpi=50, fallback=()) as parser:
        doc = parser.parse(folder / "a.pdf")
    assert repr(doc) == (f"Document(source={str(folder / 'a.pdf')!r}, status='ok', pages=3, "
                         f"cells={sum(len(p.cells) for p in doc.pages)}, failed_pages=[])")
    shown = doc.markdown(furniture=False)  # with its pictures embedded: a notebook has no folder for the links
    assert doc.images
    for name, content in doc.images.items():
        shown = shown.replace(f"]({name})", f"](data:image/png;base64,{base64.b64encode(content).decode()})")
    assert doc._repr_markdown_() == shown
