"""Reading order: columns, full-width blocks between and under them, footnotes, side headings, right to left."""

from __future__ import annotations

import random
from pathlib import Path

import pymupdf
import pytest

from dotsparse.engines.embedded.reading_order import order_regions
from dotsparse.engines.embedded.regions import Region, Word
from dotsparse.model import Category

from . import embedded_docs as docs
from .embedded_run import engine_for_module, markdown, run_pages

GUTTER = 18


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


def _box(name: str, x0: float, y0: float, x1: float, y1: float, category: Category = Category.TEXT,
         text: str = "word") -> Region:
    return Region(bbox=(x0, y0, x1, y1), category=category, words=[Word((x0, y0, x1, y1), text, (0, 0))],
                  text=name)


def _names(regions: list[Region]) -> list[str]:
    return [r.text for r in order_regions(regions)]


def _two_columns(top: float = 60, rows: int = 3) -> list[Region]:
    """Left paragraphs L0.., right paragraphs R0.., staggered so no horizontal gap crosses both columns."""
    out = []
    for i in range(rows):
        out.append(_box(f"L{i}", 54, top + i * 100, 297, top + i * 100 + 90))
        out.append(_box(f"R{i}", 315, top + 30 + i * 100, 558, top + 30 + i * 100 + 90))
    return out


def test_full_width_footnote_follows_both_columns():
    note = _box("note", 54, 700, 558, 720)
    assert _names(_two_columns() + [note]) == ["L0", "L1", "L2", "R0", "R1", "R2", "note"]


def test_footnote_under_the_left_column_alone_closes_the_band():
    # A short footnote at the page bottom, below the end of both columns, is not the left column's last line.
    note = _box("note", 54, 700, 200, 710, Category.FOOTNOTE)
    assert _names(_two_columns() + [note]) == ["L0", "L1", "L2", "R0", "R1", "R2", "note"]


def test_block_spanning_two_of_three_columns_follows_all_three():
    cols = [_box(f"C{c}{i}", 54 + c * 174, 60 + i * 100, 210 + c * 174, 150 + i * 100)
            for c in range(3) for i in range(2)]
    wide = _box("wide", 54, 700, 380, 712)
    title = _box("title", 54, 20, 380, 40, Category.TITLE)
    assert _names(cols + [wide, title]) == ["title", "C00", "C01", "C10", "C11", "C20", "C21", "wide"]


def test_full_width_heading_splits_column_sections():
    upper = _two_columns(top=60, rows=2)
    heading = _box("heading", 150, 300, 460, 315, Category.SECTION_HEADER)
    lower = [_box(f"l{i}", 54, 330 + i * 60, 297, 380 + i * 60) for i in range(2)]
    lower += [_box(f"r{i}", 315, 340 + i * 60, 558, 390 + i * 60) for i in range(2)]
    assert _names(upper + [heading] + lower) == ["L0", "L1", "R0", "R1", "heading", "l0", "l1", "r0", "r1"]


def test_column_heading_in_its_own_row_stays_in_its_column():
    # The right column's heading sits in a gap of the left column: no block crosses its height.
    left = [_box("L0", 54, 60, 297, 200), _box("L1", 54, 215, 297, 400)]
    right = [_box("R0", 315, 60, 558, 195), _box("head", 315, 201, 400, 212, Category.SECTION_HEADER),
             _box("R1", 315, 218, 558, 400)]
    assert _names(left + right) == ["L0", "L1", "R0", "head", "R1"]


def test_hanging_side_heading_stays_above_its_section():
    first = _box("p1", 137, 100, 548, 160)
    heading = _box("Authors", 65, 180, 125, 195, Category.SECTION_HEADER)
    second = _box("p2", 137, 210, 548, 240)
    assert _names([second, heading, first]) == ["p1", "Authors", "p2"]


def test_picture_reaching_into_the_gutter_keeps_the_columns():
    text = _two_columns(rows=2)
    picture = Region(bbox=(50, 280, 330, 420), category=Category.PICTURE)
    picture.text = "picture"
    right_end = _box("R9", 315, 300, 558, 420)
    assert _names(text + [picture, right_end]) == ["L0", "L1", "picture", "R0", "R1", "R9"]


def test_right_to_left_columns_are_read_from_the_right():
    right = [_box(f"R{i}", 315, 60 + i * 100, 558, 150 + i * 100, text="مرحبا") for i in range(2)]
    left = [_box(f"L{i}", 54, 80 + i * 100, 297, 170 + i * 100, text="بالعالم") for i in range(2)]
    assert _names(left + right) == ["R0", "R1", "L0", "L1"]


def _column_page(path: Path, columns: int, furniture: bool, seed: int) -> tuple[list[str], str]:
    """Columns of uneven length, a one-line footnote set across the text width at the page bottom,
    and maybe a running head and page number: the body paragraphs in order, and the footnote."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    if furniture:
        docs.furniture(page, 1, "Proceedings of Generated Documents", docs.Truth())
    col_w = (docs.WIDTH - 2 * docs.MARGIN - (columns - 1) * GUTTER) / columns
    body = []
    for c in range(columns):
        y = 60
        for _ in range((4, 2, 3)[c]):
            text = " ".join(docs.sentence(rng, 12) for _ in range(3))
            y = docs.write_paragraph(page, docs.MARGIN + c * (col_w + GUTTER), y, col_w, text)
            body.append(text)
    note = "1 " + docs.sentence(rng, 14)
    page.draw_line((docs.MARGIN, 694), (docs.MARGIN + 150, 694), width=0.5)
    page.insert_text((docs.MARGIN, 707), note, fontsize=7, fontname="helv")
    doc.save(path)
    return body, note


@pytest.mark.parametrize("columns,furniture", [(2, False), (2, True), (3, False), (3, True)])
def test_page_bottom_footnote_is_kept_after_the_columns(tmp_path, engine, columns, furniture):
    path = tmp_path / f"note{columns}{furniture}.pdf"
    body, note = _column_page(path, columns, furniture, seed=columns)
    md = markdown(run_pages(path, 1, engine)[0])
    pos = [md.find(t) for t in body + [note]]
    assert all(p >= 0 for p in pos), [t[:30] for t, p in zip(body + [note], pos) if p < 0]
    assert pos == sorted(pos)
