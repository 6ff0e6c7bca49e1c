"""PDFs that lie about their structure or are not PDFs at all: each fails alone, with its reason."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import failed_files, good_is_ok
from tests.hostile.material import lying_pdf, truncated_pdf
from tests.run.conftest import load_doc, load_run, parse


@pytest.mark.parametrize("how,message", [
    ("count_huge", "page tree is broken"),
    ("count_negative", "page tree is broken"),
    ("no_pages", "no pages"),
])
def test_lying_page_tree_fails_the_file_alone(tmp_path, server, inputs, how, message):
    lying_pdf(inputs / "bad.pdf", how)
    out = tmp_path / "o"
    result = parse(inputs, "-o", out, "--server", server.url)
    assert result.exit_code == 1
    assert message in failed_files(out)["bad.pdf"] and "open" in failed_files(out)["bad.pdf"]
    good_is_ok(out)
    assert load_run(out)["unaccounted"] == []
    assert parse(inputs, "-o", out, "--server", server.url).exit_code == 1  # a re-run fails the same way, no abort


@pytest.mark.parametrize("how", ["kid_cycle", "self_parent"])
def test_page_tree_cycle_fails_only_the_unreachable_pages(tmp_path, server, inputs, how):
    lying_pdf(inputs / "bad.pdf", how)
    out = tmp_path / "o"
    assert parse(inputs, "-o", out, "--server", server.url).exit_code == 1
    pages = load_doc(out, "bad")["pages"]
    failed = [p for p in pages if p["status"] == "failed"]
    assert len(pages) == 3 and len(failed) == 2
    assert all("render" in p["error"] and "cycle in page tree" in p["error"] for p in failed)
    assert load_run(out)["unaccounted"] == []
    good_is_ok(out)


@pytest.mark.parametrize("how", ["zero_mediabox", "huge_mediabox"])
def test_odd_page_sizes_are_parsed(tmp_path, server, inputs, how):
    lying_pdf(inputs / "odd.pdf", how)
    out = tmp_path / "o"
    result = parse(inputs, "-o", out, "--server", server.url, "--fallback", "none")
    run = load_run(out)
    assert run["unaccounted"] == [] and run["failed_files"] == []
    assert len(load_doc(out, "odd")["pages"]) == 3 and result.exit_code in (0, 1)
    good_is_ok(out)


@pytest.mark.parametrize("name,content,message", [
    ("truncated.pdf", None, "not a readable PDF"),
    ("garbage.pdf", b"\x00\x01garbage" * 100, "not a readable PDF"),
    ("html.pdf", b"<html><body>403 Forbidden</body></html>", "not a readable PDF"),
    ("empty.pdf", b"", "not a readable PDF"),
])
def test_not_a_pdf_fails_alone(tmp_path, server, inputs, name, content, message):
    if content is None:
        truncated_pdf(inputs / name)
    else:
        (inputs / name).write_bytes(content)
    out = tmp_path / "o"
    result = parse(inputs, "-o", out, "--server", server.url)
    assert result.exit_code == 1
    errors = failed_files(out)
    if name in errors:
        assert message in errors[name] or "no pages" in errors[name]
    else:  # MuPDF repaired what was left: every page still has a status
        assert load_run(out)["unaccounted"] == []
    good_is_ok(out)
