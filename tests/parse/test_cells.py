import pytest

from dotsparse.model import Category, CellFormat, Mode, PageGeometry, PageStatus, RawBlock
from dotsparse.parse.answer import interpret
from dotsparse.parse.cells import build_cells, normalize_heading, parse_bbox, parse_category
from dotsparse.parse.latex import restore_latex_escapes

GEOM = PageGeometry(width_pt=612, height_pt=792, dpi=200, width_px=1700, height_px=2200,
                    sent_width=1708, sent_height=2212)


@pytest.mark.parametrize("name,expected,noted", [
    ("Text", Category.TEXT, False), ("section-header", Category.SECTION_HEADER, True),
    ("Section_Header", Category.SECTION_HEADER, True), ("PAGE-FOOTER", Category.PAGE_FOOTER, True),
    ("Figure", Category.PICTURE, True), ("Banana", Category.TEXT, True), (None, Category.TEXT, True),
])
def test_categories(name, expected, noted):
    cat, note = parse_category(name)
    assert cat is expected and (note is not None) == noted


@pytest.mark.parametrize("raw,box,kinds", [
    ([10, 20, 30, 40], (10, 20, 30, 40), []),
    ([30, 40, 10, 20], (10, 20, 30, 40), ["bbox_inverted"]),
    ([10, 20, 30, 40, 50], (10, 20, 30, 40), ["bbox_extra_numbers"]),
    ([10, 20, 30], None, ["bbox_too_few_numbers"]),
    ([-5, 20, 5000, 40], (0, 20, 1708, 40), ["bbox_clamped"]),
    ([3000, 3000, 4000, 4000], None, ["bbox_clamped", "bbox_empty"]),
    (["a", 1, 2, 3], None, ["bbox_not_numeric"]),
    ("10,20,30,40", None, ["bbox_missing"]),
])
def test_boxes(raw, box, kinds):
    got, notes = parse_bbox(raw, GEOM.sent_width, GEOM.sent_height)
    assert [n.kind for n in notes] == kinds
    assert (got is None and box is None) or (got.x1, got.y1, got.x2, got.y2) == box


def test_cells_map_to_page_pixels_and_points_and_keep_text_without_box():
    blocks = [RawBlock(bbox=[854, 1106, 1708, 2212], category="Text", text="bottom right"),
              RawBlock(bbox=[1, 2, 3], category="Text", text="box lost, text kept"),
              RawBlock(bbox=[1, 2, 3], category="Picture")]
    cells, repairs = build_cells(blocks, GEOM)
    assert len(cells) == 2
    assert cells[0].bbox_px == [850.0, 1100.0, 1700.0, 2200.0]
    assert cells[0].bbox_pt == [306.0, 396.0, 612.0, 792.0]
    assert cells[1].bbox_px is None and cells[1].text == "box lost, text kept"
    assert "cell_dropped" in [r.kind for r in repairs]


@pytest.mark.parametrize("text,cat,expected", [
    ("Intro", Category.SECTION_HEADER, "## Intro"), ("###Deep", Category.SECTION_HEADER, "### Deep"),
    ("A Title\nover two lines", Category.TITLE, "# A Title over two lines"), ("## Title", Category.TITLE, "## Title"),
])
def test_headings(text, cat, expected):
    assert normalize_heading(text, cat) == expected


def test_formats_tables_sanitized_formulas_undelimited():
    blocks = [RawBlock(bbox=[0, 0, 10, 10], category="Table", text='<table><tr><td onclick="x">1</td><script>x</script>'),
              RawBlock(bbox=[0, 0, 10, 10], category="Formula", text="$$\x0crac{1}{2}$$"),
              RawBlock(bbox=[0, 0, 10, 10], category="Formula", text="x", format=CellFormat.TEXT)]
    cells, repairs = build_cells(blocks, GEOM)
    assert cells[0].format is CellFormat.HTML and cells[0].text == \
        "<div>&lt;script&gt;x&lt;/script&gt;<table><tbody><tr><td>1</td></tr></tbody></table></div>"
    assert cells[1].format is CellFormat.LATEX and cells[1].text == "\\frac{1}{2}"
    assert cells[2].format is CellFormat.TEXT
    assert {"table_html_repaired", "latex_escape_restored"} <= {r.kind for r in repairs}


def test_latex_newline_commands():
    assert restore_latex_escapes("a \nu + \neq b\nc")[0] == "a \\nu + \\neq b\nc"


def test_interpret_statuses_and_modes():
    answer = ('[{"bbox": [0, 0, 100, 100], "category": "Table", "text": "<table><tr><td>1</td></tr></table>"},'
              '{"bbox": [0, 100, 100, 200], "category": "Formula", "text": "x^2"}]')
    assert interpret(answer, None, "stop", GEOM, Mode.LAYOUT).status is PageStatus.OK
    tables = interpret(answer, None, "stop", GEOM, Mode.TABLES)
    assert [c.category for c in tables.cells] == [Category.TABLE]
    formulas = interpret(answer, None, "stop", GEOM, Mode.FORMULAS)
    assert [c.order for c in formulas.cells] == [1]
    detect = interpret(answer, None, "stop", GEOM, Mode.DETECT)
    assert all(c.text == "" and c.format is CellFormat.NONE for c in detect.cells)
    assert interpret(answer, None, "length", GEOM, Mode.LAYOUT).status is PageStatus.TRUNCATED
    failed = interpret("no json here", None, "stop", GEOM, Mode.LAYOUT)
    assert failed.status is PageStatus.FAILED and failed.error
    text = interpret("hello " * 3 + "ab" * 500, None, "stop", GEOM, Mode.TEXT)
    assert text.looped and len(text.cells[0].text) < 100


def test_unescaped_latex_is_restored_in_every_text_cell():
    # Defect 4: `"\frac"`, `"\text"`, `"\beta"` in the JSON decode to form feed, tab, backspace + letters.
    answer = ('[{"bbox": [0, 0, 100, 50], "category": "Text", "text": "so $\\frac{a}{b}$ and $\\text{x} \\beta$"},'
              '{"bbox": [0, 50, 100, 90], "category": "List-item", "text": "- with $\\tau + \\nu$ here\\nnext line"},'
              '{"bbox": [0, 90, 100, 120], "category": "Caption", "text": "Figure 1: \\beta decay"},'
              '{"bbox": [0, 120, 100, 200], "category": "Table", "text": "<table><tr><td>$\\frac{1}{2}$</td></tr></table>"}]')
    cells = interpret(answer, None, "stop", GEOM, Mode.LAYOUT).cells
    assert cells[0].text == "so $\\frac{a}{b}$ and $\\text{x} \\beta$"
    assert cells[1].text == "- with $\\tau + \\nu$ here\nnext line"  # a real newline outside math stays
    assert cells[2].text == "Figure 1: \\beta decay"
    assert "$\\frac{1}{2}$" in cells[3].text
    assert not any(ch in c.text for c in cells for ch in "\f\b\t")


def test_a_formula_cell_holding_two_formulas_keeps_its_delimiters():
    # Defect 6: `$x$, $y$` used to become `x$, $y`.
    cells, _ = build_cells([RawBlock(bbox=[0, 0, 10, 10], category="Formula", text="$x$, $y$"),
                            RawBlock(bbox=[0, 0, 10, 10], category="Formula", text="$$a$$ and $$b$$"),
                            RawBlock(bbox=[0, 0, 10, 10], category="Formula", text="\\[ x^2 \\]")], GEOM)
    assert [c.text for c in cells] == ["$x$, $y$", "$$a$$ and $$b$$", "x^2"]


def test_text_mode_answers_are_made_safe_like_layout_cells():
    found = interpret("ratio <LLN and <script>x()</script> \x0crac", None, "stop", GEOM, Mode.TEXT)
    assert found.cells[0].text == "ratio &lt;LLN and &lt;script>x()&lt;/script> \\frac"
