from dotsparse.document.plan import plan_document
from dotsparse.document.rows import table_rows

from tests.document.pages import LANDSCAPE, page, table

HEAD = ("Year", "Revenue", "Cost")
BOTTOM = (0.1, 0.55, 0.9, 0.95)  # a table running into the page bottom
TOP = (0.1, 0.06, 0.9, 0.5)
FOOTER = ("Page-footer", "Page 1", (0.4, 0.97, 0.6, 0.99))
HEADER = ("Page-header", "Annual report", (0.1, 0.01, 0.9, 0.03))


def _texts(html: str) -> list[list[str]]:
    return [r.texts for r in table_rows(html)]


def test_a_table_with_a_repeated_header_merges_and_drops_the_repeat():
    pages = [page(1, ("Text", "Intro", (0.1, 0.1, 0.9, 0.5)), ("Table", table(HEAD, ("2020", "1", "2")), BOTTOM),
                  FOOTER),
             page(2, HEADER, ("Table", table(HEAD, ("2021", "3", "4")), TOP), ("Text", "After", (0.1, 0.6, 0.9, 0.7)))]
    plan = plan_document(pages)
    [merged] = plan.merged_tables
    assert [(p.page, p.order) for p in merged.parts] == [(1, 1), (2, 1)]
    assert _texts(merged.html) == [list(HEAD), ["2020", "1", "2"], ["2021", "3", "4"]]
    assert merged.header_rows_dropped == 1
    assert any("header row repeated" in r for r in merged.reasons)
    assert any("same column count (3)" in r for r in merged.reasons)


def test_three_pages_in_a_chain_make_one_table():
    pages = [page(1, ("Table", table(HEAD, ("2019", "1", "1")), BOTTOM)),
             page(2, ("Table", table(HEAD, ("2020", "2", "2")), (0.1, 0.05, 0.9, 0.95))),
             page(3, ("Table", table(HEAD, ("2021", "3", "3")), TOP), ("Text", "End", (0.1, 0.6, 0.9, 0.7)))]
    [merged] = plan_document(pages).merged_tables
    assert [p.page for p in merged.parts] == [1, 2, 3]
    assert [r[0] for r in _texts(merged.html)] == ["Year", "2019", "2020", "2021"]
    assert merged.header_rows_dropped == 2


def test_a_headless_continuation_at_the_page_edges_merges_and_joins_a_split_row():
    first = table(HEAD, ("2020", "1", "2"), ("2021", "net of", "4"))
    second = table(("", "taxes", ""), ("2022", "5", "6"), header=False)
    pages = [page(1, ("Table", first, BOTTOM)), page(2, ("Table", second, TOP))]
    [merged] = plan_document(pages).merged_tables
    assert _texts(merged.html) == [list(HEAD), ["2020", "1", "2"], ["2021", "net of taxes", "4"], ["2022", "5", "6"]]
    assert merged.rows_joined == 1
    assert any("no header of its own" in r for r in merged.reasons)


def test_a_continued_caption_links_and_a_marker_row_is_dropped():
    pages = [page(1, ("Table", table(HEAD, ("2020", "1", "2")), (0.1, 0.5, 0.9, 0.8))),
             page(2, ("Caption", "Table 3 (continued)", (0.1, 0.03, 0.9, 0.05)),
                  ("Table", table(("续表",), ("2021", "3", "4"), header=False).replace("<td>续表", '<td colspan="3">续表'),
                   TOP))]
    [merged] = plan_document(pages).merged_tables
    assert _texts(merged.html)[-1] == ["2021", "3", "4"] and len(_texts(merged.html)) == 3
    assert any("'(continued)'" in r or "continued" in r for r in merged.reasons)


def test_look_alikes_do_not_merge():
    two = table(("Year", "Revenue"), ("2020", "1"))
    cases = {
        "different columns": [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)),
                              page(2, ("Table", two, TOP))],
        "a new caption": [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)),
                          page(2, ("Caption", "Table 4: Costs by region", (0.1, 0.03, 0.9, 0.05)),
                               ("Table", table(HEAD, ("4", "5", "6")), TOP))],
        "text in between": [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM),
                                 ("Text", "Note.", (0.1, 0.95, 0.9, 0.96))),
                            page(2, ("Table", table(HEAD, ("4", "5", "6")), TOP))],
        "slide deck": [page(n, ("Table", table(HEAD, (str(n), "2", "3")), (0.1, 0.2, 0.9, 0.95)), size=LANDSCAPE)
                       for n in (1, 2, 3)],
        "other widths": [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)),
                         page(2, ("Table", table(HEAD, ("4", "5", "6")), (0.4, 0.05, 0.9, 0.5)))],
        "no evidence": [page(1, ("Table", table(HEAD, ("1", "2", "3")), (0.1, 0.1, 0.9, 0.4))),
                        page(2, ("Table", table(HEAD[::-1], ("4", "5", "6")), (0.1, 0.5, 0.9, 0.9)))],
        "not consecutive": [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)),
                            page(3, ("Table", table(HEAD, ("4", "5", "6")), TOP))],
    }
    for name, pages in cases.items():
        assert plan_document(pages).merged_tables == [], name


def test_a_failed_page_breaks_the_chain_and_merging_can_be_turned_off():
    from dotsparse.model import PageStatus
    pages = [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)),
             page(2, status=PageStatus.FAILED),
             page(3, ("Table", table(HEAD, ("4", "5", "6")), TOP))]
    assert plan_document(pages).merged_tables == []
    ok = [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)), page(2, ("Table", table(HEAD, ("4", "5", "6")), TOP))]
    assert len(plan_document(ok).merged_tables) == 1
    assert plan_document(ok, merge_tables=False).merged_tables == []


def test_hostile_cells_are_sanitized_in_the_merged_html():
    evil = table(HEAD, ('<img src=x onerror=alert(1)>', "<script>alert(1)</script>", "3"))
    pages = [page(1, ("Table", table(HEAD, ("1", "2", "3")), BOTTOM)), page(2, ("Table", evil, TOP))]
    [merged] = plan_document(pages).merged_tables
    assert "onerror" not in merged.html and "<script" not in merged.html and "<img" not in merged.html
