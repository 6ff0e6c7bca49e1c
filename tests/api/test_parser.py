"""The Python API: Parser.parse / parse_many / aparse over the replay engine, statuses and typed errors."""

from __future__ import annotations

import asyncio
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
