"""Table grids: spans shown only by missing rules, records stacked in one ruled row, wrapped cells,
tables without rules, and the grid clean-up that does not depend on the layout model."""

from __future__ import annotations

import pytest

from dotsparse.engines.embedded.regions import Region, TableCell, Word, union
from dotsparse.engines.embedded.ruled import RuledTable, apply_ruled_grids
from dotsparse.engines.embedded.tables import drop_empty_lines, table_html
from dotsparse.model import Category

from . import embedded_docs as docs
from .embedded_run import engine_for_module, request, run

G = docs.GridCell
WIDTHS = [110.0, 80.0, 80.0, 80.0]


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


def _tables(engine, path) -> list[str]:
    answer = run(engine, [request(path)])[0]
    return [b.text for b in answer.blocks if b.category == "Table"]


def _row(*cells: str) -> str:
    return "<tr>" + "".join(c if c.startswith("<t") else f"<td>{c}</td>" for c in cells) + "</tr>"


def _head(*cells: str) -> str:
    return "<tr>" + "".join(c if c.startswith("<t") else f"<th>{c}</th>" for c in cells) + "</tr>"


def test_spans_shown_only_by_missing_rules(tmp_path, engine):
    cells = [G(0, 0, "Model", rowspan=2), G(0, 1, "Results", colspan=2), G(0, 3, "Time", rowspan=2),
             G(1, 1, "P"), G(1, 2, "R"),
             G(2, 0, "base"), G(2, 1, "0.81"), G(2, 2, "0.77"), G(2, 3, "12"),
             G(3, 0, "large", rowspan=2), G(3, 1, "0.88"), G(3, 2, "0.84"), G(3, 3, "31"),
             G(4, 1, "0.89"), G(4, 2, "0.85"), G(4, 3, "35")]
    docs.table_page(tmp_path / "spans.pdf", [(WIDTHS, 16, cells, "full")])
    assert _tables(engine, tmp_path / "spans.pdf") == ["<table><thead>" + "".join([
        _head('<th rowspan="2">Model</th>', '<th colspan="2">Results</th>', '<th rowspan="2">Time</th>'),
        _head("P", "R")]) + "</thead><tbody>" + "".join([
        _row("base", "0.81", "0.77", "12"),
        _row('<td rowspan="2">large</td>', "0.88", "0.84", "31"),
        _row("0.89", "0.85", "35")]) + "</tbody></table>"]


def test_records_stacked_in_one_ruled_row_become_rows(tmp_path, engine):
    cells = [G(0, 0, "Layers"), G(0, 1, "Language"), G(0, 2, "simple"), G(0, 3, "complex"),
             G(1, 0, "6"), G(1, 1, "OTSL\nHTML"), G(1, 2, "0.965\n0.969"), G(1, 3, "0.934\n0.927"),
             G(2, 0, "4"), G(2, 1, "OTSL\nHTML"), G(2, 2, "0.938\n0.952"), G(2, 3, "0.904\n0.909")]
    docs.table_page(tmp_path / "stacked.pdf", [(WIDTHS, 30, cells, "full")])
    assert _tables(engine, tmp_path / "stacked.pdf") == ["<table><thead>" + _head("Layers", "Language", "simple", "complex")
                                                         + "</thead><tbody>" + "".join([
        _row('<td rowspan="2">6</td>', "OTSL", "0.965", "0.934"), _row("HTML", "0.969", "0.927"),
        _row('<td rowspan="2">4</td>', "OTSL", "0.938", "0.904"), _row("HTML", "0.952", "0.909")]) + "</tbody></table>"]


def test_wrapped_cell_text_stays_one_cell(tmp_path, engine):
    widths = [90.0, 80.0, 150.0, 150.0]
    cells = [G(0, 0, "Column"), G(0, 1, "Type"), G(0, 2, "Description"), G(0, 3, "Notes"),
             G(1, 0, "USER_NAME"), G(1, 1, "VARCHAR(10)"), G(1, 2, "Name of the user profile\nthat holds the setting."),
             G(1, 3, "Kept for every profile\nthat was ever created."),
             G(2, 0, "USAGE"), G(2, 1, "VARCHAR(7)"), G(2, 2, "Whether the profile\nmay use the function."),
             G(2, 3, "None")]
    docs.table_page(tmp_path / "wrapped.pdf", [(widths, 30, cells, "full")])
    assert _tables(engine, tmp_path / "wrapped.pdf") == ["<table>" + "".join([
        _row("Column", "Type", "Description", "Notes"),
        _row("USER_NAME", "VARCHAR(10)", "Name of the user profile that holds the setting.",
             "Kept for every profile that was ever created."),
        _row("USAGE", "VARCHAR(7)", "Whether the profile may use the function.", "None")]) + "</table>"]


@pytest.mark.parametrize("rules", ["booktabs", "none"])
def test_tables_without_a_ruled_grid_follow_the_text(tmp_path, engine, rules):
    cells = [G(0, 0, "Name"), G(0, 1, "Count"), G(0, 2, "Share")]
    cells += [G(r, c, text) for r in range(1, 5) for c, text in enumerate([f"item{r}", str(7 * r), f"{3 * r}%"])]
    docs.table_page(tmp_path / f"{rules}.pdf", [([140.0, 90.0, 90.0], 16, cells, rules)])
    expected = [_row(f"item{r}", str(7 * r), f"{3 * r}%") for r in range(1, 5)]
    assert _tables(engine, tmp_path / f"{rules}.pdf") == ["<table><thead>" + _head("Name", "Count", "Share")
                                                          + "</thead><tbody>" + "".join(expected) + "</tbody></table>"]


def test_currency_signs_join_their_amounts_and_header_rows_are_th():
    # A financial statement: "$" set in a column of its own left of each amount, years over the columns.
    rows = [[(200, "2023"), (280, "2022")],
            [(0, "Revenue"), (190, "$"), (200, "1,204"), (270, "$"), (280, "1,100")],
            [(0, "Cost"), (200, "178"), (280, "141")],
            [(0, "Total"), (190, "$"), (200, "1,026"), (270, "$"), (280, "959")]]
    words = [Word((x, 20 * r, x + (6 * len(t) if len(t) > 1 else 5), 20 * r + 8), t, (r, i))
             for r, row in enumerate(rows) for i, (x, t) in enumerate(row)]
    # The layout model's grid: the signs in columns of their own.
    edges = [(0, 180), (186, 198), (198, 260), (266, 278), (278, 320)]
    grid = [TableCell(row=r, col=k, rowspan=1, colspan=1, bbox=(x0, 20 * r - 2, x1, 20 * r + 10))
            for r in range(4) for k, (x0, x1) in enumerate(edges)]
    for cells in (grid, []):  # and with no grid at all (columns from the text's alignment)
        html = table_html(Region(bbox=(0, 0, 320, 70), category=Category.TABLE, words=words, cells=cells))
        assert "<thead>" in html and "<th>2023</th>" in html and "<th>2022</th>" in html
        assert "<td>$1,204</td>" in html.replace("$ ", "$") and "<td>$959</td>" in html.replace("$ ", "$")
        assert "<td>178</td>" in html and "<td>$</td>" not in html and "<td>Revenue</td>" in html


def _words(spec: list[tuple[float, float, str]]) -> list[Word]:
    return [Word((x, y, x + 6 * len(t), y + 8), t, (i, 0)) for i, (x, y, t) in enumerate(spec)]


def test_text_aligned_grid_when_there_is_no_grid_at_all():
    words = _words([(0, 0, "Group"), (130, 0, "Results"),
                    (0, 20, "alpha"), (100, 20, "0.91"), (170, 20, "0.87"),
                    (0, 40, "beta"), (100, 40, "0.80"), (170, 40, "0.72")])
    html = table_html(Region(bbox=(0, 0, 200, 50), category=Category.TABLE, words=words, cells=[]))
    assert html == ("<table><thead>" + _head("Group", '<th colspan="2">Results</th>') + "</thead><tbody>"
                    + _row("alpha", "0.91", "0.87") + _row("beta", "0.80", "0.72") + "</tbody></table>")


def test_empty_sliver_columns_and_rows_are_left_out():
    placed = [(TableCell(0, 0, 1, 1, (0, 0, 1, 1)), "Name"), (TableCell(0, 1, 1, 3, (0, 0, 1, 1)), "Value"),
              (TableCell(1, 0, 1, 1, (0, 0, 1, 1)), "a"), (TableCell(1, 1, 1, 1, (0, 0, 1, 1)), ""),
              (TableCell(1, 2, 1, 1, (0, 0, 1, 1)), "1"), (TableCell(1, 3, 1, 1, (0, 0, 1, 1)), ""),
              (TableCell(2, 0, 1, 4, (0, 0, 1, 1)), "")]
    kept = [(c.row, c.col, c.rowspan, c.colspan, t) for c, t in drop_empty_lines(placed)]
    assert kept == [(0, 0, 1, 1, "Name"), (0, 1, 1, 1, "Value"), (1, 0, 1, 1, "a"), (1, 1, 1, 1, "1")]


def test_one_layout_box_over_two_ruled_tables_becomes_two_tables():
    cell = TableCell(0, 0, 1, 1, (0, 0, 1, 1))
    first = RuledTable((10, 10, 200, 60), (cell,))
    second = RuledTable((10, 90, 200, 140), (cell,))
    words = _words([(20, 20, "a"), (20, 40, "b"), (20, 72, "Heading"), (20, 100, "c"), (20, 120, "d")])
    layout_box = Region(bbox=(8, 8, 202, 142), category=Category.TABLE, cells=[])
    inner_text = Region(bbox=(15, 95, 60, 130), category=Category.TEXT)
    out = apply_ruled_grids([layout_box, inner_text], [first, second], words)
    assert sorted(r.bbox for r in out) == [first.bbox, second.bbox]
    assert all(r.category == Category.TABLE for r in out)


def test_layout_table_keeps_its_grid_when_the_rules_hold_little_of_its_text():
    ruled = RuledTable((10, 10, 60, 30), (TableCell(0, 0, 1, 1, (10, 10, 60, 30)),))
    words = _words([(20, 15, "a"), (20, 40, "b"), (20, 60, "c"), (80, 60, "d")])
    layout_box = Region(bbox=(8, 8, 202, 80), category=Category.TABLE, cells=[])
    assert apply_ruled_grids([layout_box], [ruled], words) == [layout_box]


def test_a_financial_statement_keeps_currency_with_amounts_header_rows_and_its_total(tmp_path, engine):
    from . import embedded_realdocs as real

    path = tmp_path / "statement.pdf"
    real.financial_statement(path)
    tables = _tables(engine, path)
    assert len(tables) == 1  # the total set off by a gap is not a second table
    html = tables[0]
    assert "<thead>" in html and "<th>2022</th>" in html and "Year Ended December 31</th>" in html
    assert "<td>Revenue</td><td>$1,204</td><td>$1,100</td><td>$987</td>" in html
    assert "<td>Cost of revenue</td><td>178</td><td>141</td><td>138</td>" in html
    assert "<td>Operating income</td><td>$512</td>" in html and "<td>$</td>" not in html


def _region(category: Category, spec: list[tuple[float, float, str]], cells=None) -> Region:
    words = _words(spec)
    return Region(bbox=union([w.bbox for w in words]), category=category, words=words, cells=cells)


def test_header_lines_left_above_a_table_and_a_split_off_total_rejoin_it():
    from dotsparse.engines.embedded.table_merge import join_table_parts

    head = _region(Category.TEXT, [(200, 0, "2023"), (280, 0, "2022")])
    body_spec = [(0, 20, "Revenue"), (200, 20, "1,204"), (280, 20, "1,100"), (0, 40, "Cost"), (200, 40, "178"),
                 (280, 40, "141")]
    grid = [TableCell(r, k, 1, 1, (x0, 18 + 20 * r, x1, 30 + 20 * r)) for r in range(2)
            for k, (x0, x1) in enumerate([(0, 120), (195, 240), (275, 320)])]
    body = _region(Category.TABLE, body_spec, grid)
    total = _region(Category.TABLE, [(0, 62, "Total"), (200, 62, "1,026"), (280, 62, "959")],
                    [TableCell(0, k, 1, 1, (x0, 60, x1, 72)) for k, (x0, x1) in enumerate([(0, 120), (195, 240), (275, 320)])])
    prose = _region(Category.TEXT, [(0, -40, "The"), (20, -40, "statement"), (80, -40, "follows"), (130, -40, "below.")])
    out = join_table_parts([prose, head, body, total])
    assert [r.category for r in out] == [Category.TEXT, Category.TABLE]
    html = table_html(out[1])
    assert html.startswith("<table><thead><tr><th></th><th>2023</th><th>2022</th></tr></thead>")
    assert "<tr><td>Total</td><td>1,026</td><td>959</td></tr></tbody>" in html


def test_a_right_to_left_tables_first_column_is_its_rightmost():
    words = _words([(200, 0, "تاريخ ارائه مدارک"), (0, 0, "1403/09/19"), (200, 20, "شماره جلسه کميته"), (0, 20, "436")])
    html = table_html(Region(bbox=(0, 0, 260, 30), category=Category.TABLE, words=words, cells=[]))
    assert html.index("تاريخ") < html.index("1403/09/19") and html.index("شماره") < html.index("436")
