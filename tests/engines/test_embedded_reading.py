"""Reading order and page furniture on documents that are not papers: cards, drop caps, letters,
footnotes in columns, a one-page memo; Arabic lam-alef and text drawn on a slide's picture."""

from __future__ import annotations

import pytest

from dotsparse.engines.embedded.reading_order import order_regions
from dotsparse.engines.embedded.regions import Region, Word
from dotsparse.model import Category

from . import embedded_realdocs as real
from .embedded_run import engine_for_module, markdown, run_pages


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


def _positions(md: str, parts: list[str]) -> list[int]:
    flat = " ".join(md.split())
    return [flat.find(p) for p in parts]


def test_a_grid_of_cards_is_read_card_by_card_row_by_row(tmp_path, engine):
    path = tmp_path / "cards.pdf"
    cards = real.card_grid(path)
    md = markdown(run_pages(path, 1, engine)[0])
    pos = _positions(md, [part for card in cards for part in card])
    assert all(p >= 0 for p in pos) and pos == sorted(pos), md
    assert "e^(i pi) + 1 = 0" in md


def test_a_drop_cap_joins_its_word(tmp_path, engine):
    path = tmp_path / "dropcap.pdf"
    text = real.drop_cap(path)
    md = " ".join(markdown(run_pages(path, 1, engine)[0]).split())
    assert md.startswith("Over the past three decades, pressure from non-governmental organizations")
    assert md == text


def test_a_letters_date_comes_before_the_salutation(tmp_path, engine):
    path = tmp_path / "letter.pdf"
    parts = real.letter(path)
    pos = _positions(markdown(run_pages(path, 1, engine)[0]), parts)
    assert all(p >= 0 for p in pos) and pos == sorted(pos)


def test_a_one_page_memo_drops_its_running_lines_and_keeps_its_heading(tmp_path, engine):
    path = tmp_path / "memo.pdf"
    parts = real.lone_page_memo(path)
    answer = run_pages(path, 1, engine)[0]
    body = markdown(answer)
    assert parts["heading"] in body and "The committee reviewed" in body
    for key in ("running", "revision", "number"):
        assert parts[key] not in body
        assert parts[key] in markdown(answer, furniture=True)  # kept, as furniture


def _note(name: str, x0: float, y0: float) -> Region:
    words = [Word((x0, y0, x0 + 12, y0 + 8), name, (0, 0)), Word((x0 + 16, y0, x0 + 200, y0 + 8), "note", (0, 0))]
    return Region(bbox=(x0, y0, x0 + 200, y0 + 8), category=Category.FOOTNOTE, words=words, text=name)


def test_footnotes_in_two_columns_keep_their_numbers_order():
    body = [Region(bbox=(54, 60, 297, 600), category=Category.TEXT, words=[Word((54, 60, 297, 600), "left", (1, 0))],
                   text="L"),
            Region(bbox=(315, 60, 558, 600), category=Category.TEXT, words=[Word((315, 60, 558, 600), "right", (2, 0))],
                   text="R")]
    # The right column's note 6) sits a little higher than 4): by position alone it would come first.
    notes = [_note("4)", 54, 700), _note("5)", 54, 712), _note("6)", 315, 696)]
    assert [r.text for r in order_regions(body + notes)] == ["L", "R", "4)", "5)", "6)"]
