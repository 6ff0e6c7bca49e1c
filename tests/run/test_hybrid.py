"""The hybrid path (--text-source): model layout, text-layer text, tables and formulas by grounding_ocr."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run.conftest import load_doc, load_run, parse
from tests.support.docgen import Block, DocSpec, PageSpec, make_image, make_mixed_pdf, make_pdf, simple_doc
from tests.support.fake_server import Fault

MODEL_BOXES = ("Table", "Formula")


def _run(path: Path, out: Path, server, source: str, *extra) -> tuple[dict, dict, list]:
    server.clear_requests()
    result = parse(path, "-o", out, "--server", server.url, "--text-source", source, *extra)
    assert result.exit_code == 0, result.output
    name = path.stem
    return load_doc(out, name), load_run(out), server.requests


def _cells(doc: dict) -> list[list[dict]]:
    return [page["cells"] for page in doc["pages"]]


def _listing_doc(doc_id: int) -> DocSpec:
    """Numbered headings at two depths, numbered list items and a word hyphenated at a line end."""
    left, right = 56.0, 539.0
    blocks = [Block("Title", (left, 40, right, 70), "Methods and findings", level=1),
              Block("Section-header", (left, 80, right, 98), "2. Background"),
              Block("Text", (left, 104, 300, 150), "A long paragraph whose last word of the first line is hyphen-\n"
                                                 "ated across the break, as typesetting does.",
                    reads="A long paragraph whose last word of the first line is hyphenated across the break, "
                          "as typesetting does."),
              Block("Section-header", (left, 160, right, 178), "2.3 Related work", level=3),
              Block("List-item", (left, 184, right, 198), "1. First numbered step of the method."),
              Block("List-item", (left, 202, right, 216), "2. Second numbered step of the method."),
              Block("Formula", (left + 60, 224, right - 60, 246), "a + b = c", latex="a + b = c"),
              Block("Page-footer", (left, 800, right, 814), "Page 1")]
    return DocSpec(doc_id, [PageSpec(blocks=blocks)])


def test_hybrid_output_equals_the_full_path_with_fewer_output_tokens(tmp_path, make_doc, server):
    path, spec = make_doc(doc_id=5, pages=3)
    full, full_run, full_requests = _run(path, tmp_path / "full", server, "model")
    hybrid, hybrid_run, hybrid_requests = _run(path, tmp_path / "hybrid", server, "auto")
    assert _cells(hybrid) == _cells(full)  # categories, boxes, formats and the text, exactly
    assert (tmp_path / "hybrid/doc5/doc5.md").read_text() == (tmp_path / "full/doc5/doc5.md").read_text()
    assert [p["status"] for p in hybrid["pages"]] == ["ok"] * 3
    assert [p["path"] for p in full["pages"]] == ["model"] * 3 and [p["path"] for p in hybrid["pages"]] == ["hybrid"] * 3
    assert {r.prompt_name for r in full_requests} == {"layout_all"}
    # One layout_only per page, then grounding_ocr only for the boxes whose text is HTML or LaTeX.
    asked = sum(1 for page in spec.pages for b in page.blocks if b.category in MODEL_BOXES)
    names = [r.prompt_name for r in hybrid_requests]
    assert names.count("layout_only") == 3 and names.count("grounding_ocr") == asked and len(names) == 3 + asked
    for page, spec_page in zip(hybrid["pages"], spec.pages):
        boxes = sum(1 for b in spec_page.blocks if b.category in MODEL_BOXES)
        assert page["usage"]["requests"] == page["usage"]["attempts"] == 1 + boxes
    assert hybrid_run["pages_by_path"] == {"hybrid": 3} and full_run["pages_by_path"] == {"model": 3}
    assert hybrid_run["requests"] == 3 + asked and hybrid_run["retries"] == 0
    for key in ("prompt_tokens", "completion_tokens"):
        assert hybrid_run[key] == sum(p["usage"][key] for p in hybrid["pages"])
    # The text is no longer written by the model (benchmarks/hybrid_tokens.py measures by how much).
    assert hybrid_run["completion_tokens"] < 0.8 * full_run["completion_tokens"]


def test_text_rules_and_heading_levels_match_the_model(tmp_path, server):
    spec = _listing_doc(6)
    server.add_doc(spec)
    path = make_pdf(tmp_path / "listing.pdf", spec)
    full, _, _ = _run(path, tmp_path / "full", server, "model", "--dpi", "100")
    hybrid, _, _ = _run(path, tmp_path / "hybrid", server, "auto", "--dpi", "100")
    texts = [c["text"] for c in hybrid["pages"][0]["cells"]]
    assert "# Methods and findings" in texts
    assert "### 2.3 Related work" in texts and "## 2. Background" in texts
    assert any("hyphenated across" in t for t in texts)
    assert _cells(hybrid) == _cells(full)


def test_each_page_takes_its_own_path(tmp_path, server):
    spec = simple_doc(7, 3)
    server.add_doc(spec)
    path = make_mixed_pdf(tmp_path / "mixed.pdf", spec, ["digital", "scan", "scan_ocr_layer"])
    full, _, _ = _run(path, tmp_path / "full", server, "model")
    auto, auto_run, requests = _run(path, tmp_path / "auto", server, "auto")
    assert [p["path"] for p in auto["pages"]] == ["hybrid", "model", "model"]
    notes = [{r["kind"]: r["detail"] for r in p["repairs"]} for p in auto["pages"]]
    assert notes[1]["text_layer_not_used"] == "no text layer"
    assert notes[2]["text_layer_not_used"] == "text layer is mostly invisible"
    by_page = [[r.prompt_name for r in requests if r.key == (7, i)] for i in range(3)]
    assert by_page[1] == by_page[2] == ["layout_all"]  # no layout_only wasted on a scan
    assert _cells(auto) == _cells(full)
    assert auto_run["pages_by_path"] == {"hybrid": 1, "model": 2}
    # pdf: an invisible OCR layer is trusted; a page with no text layer at all still goes to the model.
    trusted, _, _ = _run(path, tmp_path / "pdf", server, "pdf")
    assert [p["path"] for p in trusted["pages"]] == ["hybrid", "model", "hybrid"]
    assert _cells(trusted)[2] == _cells(full)[2]


def test_a_text_box_with_no_text_layer_is_asked_of_the_model(tmp_path, server):
    spec = simple_doc(8, 1)
    server.add_doc(spec)
    hole = next(i for i, b in enumerate(spec.pages[0].blocks) if b.category == "Text")
    path = make_mixed_pdf(tmp_path / "hole.pdf", spec, ["digital"], image_blocks=[(0, hole)])
    full, _, _ = _run(path, tmp_path / "full", server, "model")
    hybrid, _, requests = _run(path, tmp_path / "hybrid", server, "auto")
    asked = [r.prompt for r in requests if r.prompt_name == "grounding_ocr"]
    assert len(asked) == 3  # the table, the formula, and the paragraph that is only pixels
    assert hybrid["pages"][0]["path"] == "hybrid" and _cells(hybrid) == _cells(full)


def test_images_take_the_full_path(tmp_path, server):
    spec = simple_doc(9, 1)
    server.add_doc(spec)
    image = make_image(tmp_path / "page.png", spec.pages[0], dpi=100, doc_id=9)
    doc, run, requests = _run(image, tmp_path / "o", server, "auto")
    assert [r.prompt_name for r in requests] == ["layout_all"]
    assert doc["pages"][0]["path"] == "model" and not doc["pages"][0]["repairs"] and run["pages_by_path"] == {"model": 1}


@pytest.mark.parametrize("fault", [Fault.garbage(), Fault.truncate(40)])
def test_unusable_layout_answer_falls_back_to_the_full_path(tmp_path, make_doc, server, fault):
    path, _ = make_doc(doc_id=10, pages=1)
    server.faults = lambda no, key, name: fault if name == "layout_only" else None
    full, _, _ = _run(path, tmp_path / "full", server, "model")
    doc, run, requests = _run(path, tmp_path / "o", server, "auto")
    page = doc["pages"][0]
    assert [r.prompt_name for r in requests] == ["layout_only", "layout_all"]
    assert page["path"] == "model" and page["status"] == "ok" and _cells(doc) == _cells(full)
    assert any(r["kind"] == "hybrid_failed" for r in page["repairs"])
    assert page["usage"]["requests"] == 2 and run["requests"] == 2 and run["retries"] == 0
    assert page["usage"]["completion_tokens"] > full["pages"][0]["usage"]["completion_tokens"]  # both counted


def test_text_source_is_part_of_the_resume_key(tmp_path, make_doc, server):
    path, _ = make_doc(doc_id=11, pages=1)
    _run(path, tmp_path / "o", server, "auto")
    again, _, requests = _run(path, tmp_path / "o", server, "auto")
    assert not requests and again["pages"][0]["path"] == "hybrid"
    changed, _, requests = _run(path, tmp_path / "o", server, "model")
    assert [r.prompt_name for r in requests] == ["layout_all"] and changed["pages"][0]["path"] == "model"


def test_tables_mode_asks_only_for_the_tables(tmp_path, make_doc, server):
    path, spec = make_doc(doc_id=12, pages=2)
    full, _, _ = _run(path, tmp_path / "full", server, "model", "--mode", "tables")
    hybrid, _, requests = _run(path, tmp_path / "hybrid", server, "auto", "--mode", "tables")
    tables = sum(1 for page in spec.pages for b in page.blocks if b.category == "Table")
    assert [r.prompt_name for r in requests].count("grounding_ocr") == tables
    assert _cells(hybrid) == _cells(full) and all(c["category"] == "Table" for page in _cells(hybrid) for c in page)


def test_an_empty_layout_on_a_page_with_text_is_not_taken(tmp_path, server):
    # No identity marker: the test server does not know the page and answers an empty layout ("[]").
    path = make_pdf(tmp_path / "unknown.pdf", simple_doc(13, 1), marker=False)
    doc, _, requests = _run(path, tmp_path / "o", server, "auto")
    assert [r.prompt_name for r in requests] == ["layout_only", "layout_all"]
    page = doc["pages"][0]
    assert page["path"] == "model" and any("no blocks on a page with text" in r["detail"] for r in page["repairs"])


def test_a_server_that_is_not_dots_ocr_is_still_named_under_auto(tmp_path, make_doc, server):
    path, _ = make_doc(doc_id=14, pages=1)
    server.faults = lambda no, key, name: Fault.garbage()  # prose to every prompt
    server.clear_requests()
    result = parse(path, "-o", tmp_path / "o", "--server", server.url, "--text-source", "auto")
    assert load_run(tmp_path / "o")["not_dots_ocr"] and result.exit_code != 0
    assert [r.prompt_name for r in server.requests][:2] == ["layout_only", "layout_all"]
