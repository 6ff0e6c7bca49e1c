"""`Document.to_docling()`: a DoclingDocument with the same content, that survives docling's own round trip."""

from __future__ import annotations

import pytest

import dotsparse
from dotsparse.engines.replay import ReplayEngine
from tests.support.docgen import make_pdf, simple_doc
from tests.support.replay import record

docling = pytest.importorskip("docling_core.types.doc")


@pytest.fixture
def parsed(tmp_path):
    spec = simple_doc(1, 2)
    pdf = make_pdf(tmp_path / "a.pdf", spec)
    with dotsparse.Parser(engine=ReplayEngine(record(pdf, spec)), dpi=50, fallback=()) as parser:
        return parser.parse(pdf)


def test_to_docling_keeps_every_cell_in_order_with_provenance(parsed):
    out = parsed.to_docling()
    assert isinstance(out, docling.DoclingDocument) and sorted(out.pages) == [1, 2]
    items = [item for item, _ in out.iterate_items(included_content_layers=set(docling.ContentLayer))]
    cells = [c for p in parsed.pages for c in p.cells]
    assert len(items) == len(cells)
    for item, cell in zip(items, cells):
        prov = item.prov[0]
        assert prov.page_no in (1, 2)
        assert [round(v, 2) for v in prov.bbox.as_tuple()] == [round(v, 2) for v in cell.bbox_pt]
    assert out.pages[1].size.width == pytest.approx(595.0, abs=0.5)


def test_docling_round_trip_and_exports(parsed):
    out = parsed.to_docling()
    again = docling.DoclingDocument.model_validate(out.export_to_dict())
    assert again.export_to_dict() == out.export_to_dict()
    markdown = again.export_to_markdown()
    assert "Synthetic Document 1" in markdown and "Results on page 2" in markdown
    assert "running header" not in markdown  # page headers are furniture, as in docling
    table = again.tables[0]
    source = next(c for c in parsed.pages[0].cells if c.category is dotsparse.Category.TABLE)
    assert table.data.num_rows == source.text.count("<tr") and table.data.num_cols == 3
    assert table.data.grid[0][0].text == "Item" and table.data.grid[1][0].text == "row 1 p1"
