"""The summary table printed on stderr: one column per page status, the same counts as run.json."""

import io

from rich.console import Console

from dotsparse.model import PageResult, PageStatus
from dotsparse.run.report import RunReport
from dotsparse.run.session import summary_table


def _rendered(report: RunReport, width: int = 250) -> dict[str, str]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(summary_table(report))
    text = console.file.getvalue()
    header = next(line for line in text.splitlines() if "┃" in line)
    row = next(line for line in text.splitlines() if "│" in line)
    cells = ([cell.strip() for cell in line.strip("┃│ ").split(sep)] for line, sep in ((header, "┃"), (row, "│")))
    return dict(zip(*cells))


def test_each_status_has_its_own_column_matching_pages_by_status():
    report = RunReport(dotsparse_version="0", engine="openai", model="model", mode="layout")
    counts = {PageStatus.OK: 5, PageStatus.REPAIRED: 1, PageStatus.TRUNCATED: 2, PageStatus.FALLBACK: 3,
              PageStatus.FAILED: 4, PageStatus.SERVER_UNAVAILABLE: 6}
    page = 0
    for status, n in counts.items():
        for _ in range(n):
            page += 1
            report.add_page("d.pdf", PageResult(page=page, status=status), reused=False)
    shown = _rendered(report)
    assert {s.value: int(shown[s.value]) for s in PageStatus} == report.pages_by_status
    assert report.pages_by_status == {s.value: n for s, n in counts.items()}


def test_statuses_with_no_pages_show_zero():
    report = RunReport(dotsparse_version="0", engine="openai", model="model", mode="layout")
    report.add_page("d.pdf", PageResult(page=1, status=PageStatus.OK), reused=False)
    shown = _rendered(report)
    assert shown["ok"] == "1" and all(shown[s.value] == "0" for s in PageStatus if s is not PageStatus.OK)


def test_every_header_is_whole_in_an_80_column_terminal():
    report = RunReport(dotsparse_version="0", engine="embedded", model="pymupdf-layout+rapidocr", mode="layout")
    report.add_page("d.pdf", PageResult(page=1, status=PageStatus.FAILED, error="x"), reused=False)
    shown = _rendered(report, width=80)
    assert list(shown) == [*(s.value for s in PageStatus), "reused"] and shown["failed"] == "1"
