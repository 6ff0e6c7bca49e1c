from dotsparse.document.descriptions import description_from_answer
from dotsparse.document.rows import table_rows


def test_html_and_markdown_tables_become_data_and_leave_the_text():
    html = description_from_answer("A bar chart.\n<table><tr><th>Y</th></tr><tr><td>1</td></tr></table>", "m", 1)
    assert html.text == "A bar chart." and [r.texts for r in table_rows(html.data)] == [["Y"], ["1"]]
    md = description_from_answer("Revenue by year:\n\n| Year | Revenue |\n|:---|---:|\n| 2020 | 1 |\n| 2021 | <b>2</b> |"
                                 "\n\nRevenue doubled.", "m", 1)
    assert md.text == "Revenue by year:\n\nRevenue doubled."
    assert [r.texts for r in table_rows(md.data)] == [["Year", "Revenue"], ["2020", "1"], ["2021", "<b>2</b>"]]


def test_an_empty_answer_fails_and_plain_prose_has_no_data():
    failed = description_from_answer("  \n", "m", 2)
    assert failed.status.value == "failed" and failed.error and failed.text is None
    prose = description_from_answer("A photo of a cat | a dog.", "m", 1)
    assert prose.text == "A photo of a cat | a dog." and prose.data is None
    only_table = description_from_answer("<table><tr><td>1</td></tr></table>", "m", 1)
    assert only_table.status.value == "ok" and only_table.text is None and "1" in only_table.data
