"""Born-digital pages: exact text, categories, reading order, hyphenation, headings."""

from __future__ import annotations

import pytest

from dotsparse.model import CellFormat, Mode

from . import embedded_docs as docs
from .embedded_run import engine_for_module, markdown, request, run, run_pages


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


@pytest.fixture(scope="module")
def two_col(tmp_path_factory, engine):
    path = tmp_path_factory.mktemp("docs") / "two.pdf"
    truths = docs.paper(path, pages=3, columns=2)
    return truths, run_pages(path, 3, engine)


def _positions(md: str, texts: list[str]) -> list[int]:
    return [md.find(t) for t in texts]


@pytest.mark.parametrize("columns", [2, 3])
def test_columns_are_read_in_order(tmp_path, engine, columns):
    path = tmp_path / f"cols{columns}.pdf"
    truths = docs.paper(path, pages=1, columns=columns, extras=False)
    md = markdown(run_pages(path, 1, engine)[0])
    pos = _positions(md, truths[0].body)
    assert all(p >= 0 for p in pos), [t for t, p in zip(truths[0].body, pos) if p < 0]
    assert pos == sorted(pos)


def test_full_width_heading_and_side_note(tmp_path, engine):
    path = tmp_path / "band.pdf"
    truth = docs.full_width_break_page(path)
    md = markdown(run_pages(path, 1, engine)[0])
    pos = _positions(md, truth.body[:-1])
    assert all(p >= 0 for p in pos) and pos == sorted(pos)
    assert "Side note" in md


def test_title_and_section_headings_are_markdown_headings(two_col):
    truths, answers = two_col
    blocks = answers[0].blocks
    assert any(b.category == "Title" and b.text == "# " + truths[0].body[0] for b in blocks)
    assert any(b.category == "Section-header" and b.text.startswith("## 1.1 Section") for b in blocks)


def test_hyphenated_line_breaks_are_joined_and_no_emphasis(two_col):
    truths, answers = two_col
    md = markdown(answers[0])
    assert truths[0].body[2] in md  # the first paragraph of each column has a hyphenated break
    assert "-\n" not in md and "**" not in md and "_" not in md.replace("x_i", "")


def test_formula_is_plain_text_cell(two_col):
    _, answers = two_col
    formulas = [b for b in answers[1].blocks if b.category == "Formula"]
    text_blocks = [b for b in answers[1].blocks if b.text and "E = m c2" in b.text]
    assert text_blocks, "the formula's text must be kept"
    for b in formulas:
        assert b.format == CellFormat.TEXT


def test_figure_is_a_picture_cell(two_col):
    _, answers = two_col
    pictures = [b for b in answers[1].blocks if b.category == "Picture"]
    assert pictures and all(b.format == CellFormat.NONE and not b.text for b in pictures)


def test_boxes_are_in_sent_coordinates(tmp_path, engine):
    path = tmp_path / "one.pdf"
    docs.paper(path, pages=1, extras=False)
    req = request(path)
    answer = run(engine, [req])[0]
    for b in answer.blocks:
        x1, y1, x2, y2 = b.bbox
        assert 0 <= x1 < x2 <= req.geometry.sent_width + 1 and 0 <= y1 < y2 <= req.geometry.sent_height + 1


def test_list_items(tmp_path, engine):
    path = tmp_path / "list.pdf"
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    y = docs.write_paragraph(page, 72, 72, 400, docs.sentence(__import__("random").Random(3), 30))
    for i, item in enumerate(["First point of the list", "Second point of the list", "Third point of the list"]):
        page.insert_text((80, y + 10), "•", fontsize=docs.SIZE)
        page.insert_text((92, y + 10), item, fontsize=docs.SIZE)
        y += docs.LEAD
    doc.save(path)
    md = markdown(run_pages(path, 1, engine)[0])
    assert "- First point of the list" in md and "•" not in md


def test_modes(tmp_path, engine):
    path = tmp_path / "modes.pdf"
    truths = docs.paper(path, pages=1, extras=False)
    det, text = run(engine, [request(path, mode=Mode.DETECT), request(path, mode=Mode.TEXT)])
    assert det.blocks and all(b.text is None and b.format == CellFormat.NONE for b in det.blocks)
    assert len(text.blocks) == 1 and truths[0].body[1] in text.blocks[0].text
    assert "Page 1" not in text.blocks[0].text
    req = request(path, mode=Mode.BOX)
    sw, sh = req.geometry.sent_width, req.geometry.sent_height
    req.prompt = "Extract text from the given bounding box on the image (format: [x1, y1, x2, y2]).\nBounding Box:\n" \
                 f"[0, 0, {sw}, {round(sh * 0.07)}]"
    box = run(engine, [req])[0]
    assert box.blocks[0].text.startswith("Proceedings of Generated Documents")
