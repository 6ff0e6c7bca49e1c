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


def test_heading_levels_export_as_dotsparse_writes_them(parsed):
    """docling counts section levels below its title: our `## x` must stay `## x` in docling's Markdown."""
    ours = [line for line in parsed.markdown(furniture=False).splitlines() if line.startswith("#")]
    theirs = [line for line in parsed.to_docling().export_to_markdown().splitlines() if line.startswith("#")]
    assert ours and theirs == ours


def test_lists_group_and_formulas_export_once(parsed):
    import warnings

    template = next(c for c in parsed.pages[0].cells if c.category is dotsparse.Category.TEXT)

    def cell(category, text):
        return template.model_copy(update={"category": category, "text": text})

    added = [cell(dotsparse.Category.LIST_ITEM, "- first point"), cell(dotsparse.Category.LIST_ITEM, "• second point"),
             cell(dotsparse.Category.TEXT, "Between the lists."),
             cell(dotsparse.Category.LIST_ITEM, "1. numbered"), cell(dotsparse.Category.LIST_ITEM, "2) next"),
             cell(dotsparse.Category.FORMULA, "$$E = mc^2$$")]
    page = parsed.pages[0].model_copy(update={"cells": [*parsed.pages[0].cells, *added]})
    doc = parsed.model_copy(update={"pages": [page]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # docling warns for a list item outside a list group
        out = doc.to_docling()
    lists = [g for g in out.groups if g.label in (docling.GroupLabel.LIST, docling.GroupLabel.ORDERED_LIST)]
    assert [len(g.children) for g in lists] == [2, 2]
    items = [out.texts[int(ref.cref.rsplit("/", 1)[1])] for g in lists for ref in g.children]
    assert [(i.text, i.enumerated) for i in items] == [("first point", False), ("second point", False),
                                                       ("numbered", True), ("next", True)]
    markdown = out.export_to_markdown()
    assert "- first point\n- second point" in markdown and "$$E = mc^2$$" in markdown and "$$$$" not in markdown
    assert "- - first" not in markdown and "1. 1." not in markdown
