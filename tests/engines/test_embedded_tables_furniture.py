"""Tables as HTML with spans; page headers and footers; footnotes kept; failures per page."""

from __future__ import annotations


import pymupdf
import pytest

from dotsparse.errors import EngineError
from dotsparse.model import CellFormat

from . import embedded_docs as docs
from .embedded_run import engine_for_module, markdown, request, run, run_pages


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


@pytest.fixture(scope="module")
def paper(tmp_path_factory, engine):
    path = tmp_path_factory.mktemp("docs") / "paper.pdf"
    truths = docs.paper(path, pages=3, columns=2)
    return path, truths, run_pages(path, 3, engine)


def test_table_is_html(paper):
    _, truths, answers = paper
    tables = [b for b in answers[0].blocks if b.category == "Table"]
    assert len(tables) == 1 and tables[0].format == CellFormat.HTML
    html = tables[0].text
    assert html.startswith("<table><thead>") and html.count("<tr>") == 4
    assert '<th colspan="2">Method</th><th>Score</th></tr></thead>' in html  # the header rule between its columns is missing
    for cell in truths[0].table_cells:
        assert f">{cell}<" in html


def test_headers_and_footers_are_furniture(paper):
    _, truths, answers = paper
    for answer, truth in zip(answers, truths):
        furniture = " ".join(b.text or "" for b in answer.blocks if b.category in ("Page-header", "Page-footer"))
        body = markdown(answer)
        for text in truth.furniture:
            assert text in furniture and text not in body


def test_footnote_is_kept(tmp_path, engine):
    path = tmp_path / "foot.pdf"
    docs.paper(path, pages=1, extras=False)
    doc = pymupdf.open(path)
    page = doc[0]
    page.draw_line((54, 680), (200, 680), width=0.5)
    page.insert_text((54, 692), "1 A footnote that explains the first section in a few words.", fontsize=7)
    doc.saveIncr()
    answer = run(engine, [request(path)])[0]
    assert "A footnote that explains the first section" in markdown(answer)


def test_bad_page_does_not_stop_the_document(tmp_path, engine):
    path = tmp_path / "two.pdf"
    docs.paper(path, pages=2, extras=False)
    good = request(path, 0)
    bad = request(path, 1)
    bad.page = type(bad.page)(bad.page.path, 7, "pdf")  # no such page
    answers = run(engine, [good, bad])
    assert answers[0].blocks and isinstance(answers[1], EngineError)
    assert "page 8" in str(answers[1])


def test_password_protected_pdf(tmp_path, engine):
    plain, locked = tmp_path / "plain.pdf", tmp_path / "locked.pdf"
    docs.small_text_page(plain, ["Secret contents of the page"])
    pymupdf.open(plain).save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="own")
    ok, missing = run(engine, [request(locked, password="pw"), request(locked, password="pw")])[0], None
    assert "Secret contents" in markdown(ok)
    req = request(locked, password="pw")
    req.page = type(req.page)(req.page.path, 0, "pdf", "wrong")
    missing = run(engine, [req])[0]
    assert isinstance(missing, EngineError) and "password" in str(missing)


def test_grid_spans_become_rowspan_and_colspan():
    from dotsparse.engines.embedded.regions import Region, TableCell, Word
    from dotsparse.engines.embedded.tables import table_html
    from dotsparse.model import Category

    cells = [TableCell(0, 0, 1, 2, (0, 0, 40, 10)), TableCell(1, 0, 2, 1, (0, 12, 10, 30)),
             TableCell(1, 1, 1, 1, (20, 12, 40, 20)), TableCell(2, 1, 1, 1, (20, 22, 40, 30))]
    words = [Word((1, 1, 30, 9), "Head", (0, 0)), Word((1, 15, 9, 25), "Tall", (1, 0)),
             Word((21, 13, 39, 19), "a", (2, 0)), Word((21, 23, 39, 29), "b", (3, 0))]
    html = table_html(Region(bbox=(0, 0, 40, 30), category=Category.TABLE, words=words, cells=cells))
    assert html == ('<table><tr><td colspan="2">Head</td></tr><tr><td rowspan="2">Tall</td><td>a</td></tr>'
                    "<tr><td>b</td></tr></table>")
