"""An exception at every stage boundary fails that page or file, names the stage, and the run goes on."""

from __future__ import annotations

import json

import pytest

from dotsparse.engines.openai import OpenAIEngine
from dotsparse.raster import OpenSource
from dotsparse.run import page_unit, pipeline, session
from dotsparse.run import page as page_module
from dotsparse.run.ledger import Entry, Ledger
from dotsparse.run.store import DocStore
from tests.hostile.conftest import failed_files, good_is_ok
from tests.run.conftest import load_doc, load_run, parse


class Injected(RuntimeError):
    pass


def _victim(path) -> bool:
    return "victim" in str(path)


def inject(stage: str, monkeypatch, victim_text: str) -> None:
    """Raise `Injected` at `stage` for the victim document (page 2 where the stage is per page)."""
    if stage == "open":
        def opener(source, password=None):
            if _victim(source.path):
                raise Injected("injected at open")
            return OpenSource(source, password)
        monkeypatch.setattr(pipeline, "OpenSource", opener)
    elif stage == "render":
        real = OpenSource.render_sent

        def render_sent(self, index, options):
            if _victim(self.source.path) and index == 1:
                raise Injected("injected at render")
            return real(self, index, options)
        monkeypatch.setattr(OpenSource, "render_sent", render_sent)
    elif stage == "engine":
        real = OpenAIEngine.infer

        async def infer(self, request):
            if _victim(request.page.path) and request.page.index == 1:
                raise Injected("injected at engine")
            return await real(self, request)
        monkeypatch.setattr(OpenAIEngine, "infer", infer)
    elif stage == "parse":
        real = page_module.interpret

        def interpret(text, *args, **kw):
            if text and victim_text in text:
                raise Injected("injected at parse")
            return real(text, *args, **kw)
        monkeypatch.setattr(page_module, "interpret", interpret)
    elif stage == "assets":
        real = page_unit.write_page_assets

        def write_page_assets(result, crops, image, paths, overlay):
            if _victim(paths.root) and result.page == 2:
                raise Injected("injected at assets")
            return real(result, crops, image, paths, overlay)
        monkeypatch.setattr(page_unit, "write_page_assets", write_page_assets)
    elif stage == "commit":
        real = DocStore.save_page

        def save_page(self, result):
            if _victim(self.doc_dir) and result.page == 2:
                raise Injected("injected at commit")
            return real(self, result)
        monkeypatch.setattr(DocStore, "save_page", save_page)
    elif stage == "assembly":
        real = pipeline.write_document

        def write_document(target, *args, **kw):
            if _victim(target.paths.markdown):
                raise Injected("injected at assembly")
            return real(target, *args, **kw)
        monkeypatch.setattr(pipeline, "write_document", write_document)
    elif stage == "report":
        real = session.atomic_write_text

        def atomic_write_text(path, text):
            if path.name == "run.json":
                raise OSError(28, "No space left on device")
            return real(path, text)
        monkeypatch.setattr(session, "atomic_write_text", atomic_write_text)


@pytest.mark.parametrize("stage", ["open", "render", "engine", "parse", "assets", "commit", "assembly", "report"])
def test_an_exception_at_each_stage_fails_alone_naming_the_stage(tmp_path, server, inputs, make_doc, monkeypatch,
                                                                 stage):
    _, spec = make_doc(doc_id=76, pages=3, name="in/victim.pdf")
    victim_text = "of page 2 in document 76."
    inject(stage, monkeypatch, victim_text)
    out = tmp_path / "o"
    result = parse(inputs, "-o", out, "--server", server.url, "--fallback", "none", quiet=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    if stage == "report":
        assert "report: cannot write" in result.stderr and "No space left on device" in result.stderr
        assert not (out / "run.json").exists()
        assert [p["status"] for p in load_doc(out, "victim")["pages"]] == ["ok"] * 3
        good_is_ok(out)
        return
    good_is_ok(out)
    run = load_run(out)
    if stage in ("open", "assembly"):
        error = failed_files(out)["victim.pdf"]
        assert f"victim.pdf, {stage}: Injected: injected at {stage}" in error
        if stage == "assembly":
            assert run["unaccounted"] == [f"{tmp_path / 'in' / 'victim.pdf'}: <doc>.json not written"]
            assert "not everything is accounted for" in result.stderr
        return
    pages = load_doc(out, "victim")["pages"]
    assert [p["status"] for p in pages] == ["ok", "failed", "ok"]
    assert f"page 2, {stage}: " in pages[1]["error"] and f"injected at {stage}" in pages[1]["error"]
    assert run["unaccounted"] == [] and run["failed_pages"][0]["page"] == 2


def test_ledger_lists_every_kind_of_gap():
    ledger = Ledger(to_stdout=False)
    ledger.add("never.pdf")
    missing = ledger.add("missing.pdf")
    ledger.expect(missing, [1, 2, 3, 4, 5])
    ledger.record(missing, 1, "ok")
    ledger.record(missing, 5, "ok")
    missing.written = True
    twice = ledger.add("twice.pdf")
    ledger.expect(twice, [1])
    ledger.record(twice, 1, "ok")
    ledger.record(twice, 1, "failed")
    twice.written = True
    unwritten = ledger.add("unwritten.pdf")
    ledger.expect(unwritten, [1])
    ledger.record(unwritten, 1, "ok")
    whole = ledger.add("whole.pdf")
    whole.file_error = "whole.pdf, open: not a PDF"
    assert ledger.gaps() == ["never.pdf: neither parsed nor reported as failed",
                             "missing.pdf: page(s) 2-4 have no status",
                             "twice.pdf: page(s) 1 recorded more than once",
                             "unwritten.pdf: <doc>.json not written"]


def test_ledger_on_stdout_counts_lines():
    ledger = Ledger(to_stdout=True)
    short = ledger.add("short.pdf")
    ledger.expect(short, [1, 2])
    ledger.record(short, 1, "ok")
    ledger.record(short, 2, "ok")
    short.emitted = 1
    whole = ledger.add("whole.pdf")
    whole.file_error = "broken"
    assert ledger.gaps() == ["short.pdf: 1 of 2 page(s) not emitted on stdout",
                             "whole.pdf: failure not emitted on stdout"]
    assert isinstance(short, Entry) and json.dumps(ledger.gaps())
