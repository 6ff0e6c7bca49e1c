"""`Cell.plain`: derived from text and format, written with the cell, ignored when a cell is read back."""

from __future__ import annotations

import json

import pytest

from dotsparse.model import Category, Cell, CellFormat, PageResult, PageStatus
from dotsparse.parse.safe_markdown import safe_markdown
from dotsparse.schema.generate import document_schema_text

TABLE = '<table><tr><th colspan="2">R&amp;D</th></tr><tr><td>a &lt; b</td><td>*c*</td></tr></table>'


def cell(text: str, fmt: CellFormat, category: Category = Category.TEXT) -> Cell:
    return Cell(order=0, category=category, bbox_px=[1, 2, 3, 4], bbox_pt=[1, 2, 3, 4], text=text, format=fmt)


@pytest.mark.parametrize("text,fmt,category,plain", [
    (safe_markdown("If a < b and R&D wins: x<y"), CellFormat.MARKDOWN, Category.TEXT, "If a < b and R&D wins: x<y"),
    ("## Results &amp; <i>more</i>", CellFormat.MARKDOWN, Category.SECTION_HEADER, "Results & more"),
    (safe_markdown("x < y * z"), CellFormat.TEXT, Category.FORMULA, "x < y * z"),  # stored as safe Markdown too
    (TABLE, CellFormat.HTML, Category.TABLE, "R&D\na < b\t*c*"),
    (r"\frac{a}{b} < c \quad \& d", CellFormat.LATEX, Category.FORMULA, r"\frac{a}{b} < c \quad \& d"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><text>label</text></svg>', CellFormat.SVG, Category.PICTURE, ""),
    ("", CellFormat.NONE, Category.PICTURE, ""),
    ("a caption kept by the model", CellFormat.NONE, Category.PICTURE, ""),
])
def test_plain_by_format(text, fmt, category, plain):
    assert cell(text, fmt, category).plain == plain


def test_plain_is_written_and_a_written_cell_reads_back_equal():
    original = cell(safe_markdown("Use <script>alert(1)</script> & *stars*"), CellFormat.MARKDOWN)
    dumped = json.loads(original.model_dump_json())
    assert dumped["plain"] == "Use <script>alert(1)</script> & stars"
    assert Cell.model_validate(dumped) == original
    assert Cell.model_validate_json(original.model_dump_json()) == original


def test_a_cell_written_before_plain_existed_loads_and_gains_it():
    old = {"order": 0, "category": "Text", "bbox_px": None, "bbox_pt": None, "text": "a &lt; b", "format": "markdown"}
    assert Cell.model_validate(old).plain == "a < b"


def test_plain_on_input_is_ignored_not_trusted():
    stale = {"order": 0, "category": "Text", "bbox_px": None, "bbox_pt": None, "text": "new", "format": "markdown",
             "plain": "<img src=x onerror=alert(1)>"}
    assert Cell.model_validate(stale).plain == "new"
    with pytest.raises(ValueError):  # other unknown keys still fail: extra="forbid" holds
        Cell.model_validate({**stale, "plian": "typo"})


def test_plain_follows_the_text_when_a_cell_is_copied():
    """The document pass and the run rewrite cells with model_copy: nothing to keep in sync."""
    before = cell("*old*", CellFormat.MARKDOWN)
    assert before.plain == "old"
    after = before.model_copy(update={"text": "**new** &amp; more"})
    assert after.plain == "new & more" and before.plain == "old"


def test_page_records_round_trip_with_plain():
    page = PageResult(page=1, status=PageStatus.OK, cells=[cell("x &amp; y", CellFormat.MARKDOWN),
                                                          cell(TABLE, CellFormat.HTML, Category.TABLE)])
    record = page.model_dump_json()
    assert [c["plain"] for c in json.loads(record)["cells"]] == ["x & y", "R&D\na < b\t*c*"]
    assert PageResult.model_validate_json(record).model_dump_json() == record


def test_the_schema_shows_plain_as_written_but_not_required():
    schema = json.loads(document_schema_text())["$defs"]["Cell"]
    assert schema["properties"]["plain"]["type"] == "string" and schema["properties"]["plain"]["readOnly"]
    assert "tab" in schema["properties"]["plain"]["description"]
    assert "plain" not in schema["required"]  # documents written before it are schema 1.0 too
