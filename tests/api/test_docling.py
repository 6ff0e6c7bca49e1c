"""`Document.to_docling()`: a DoclingDocument with the same content, that survives docling's own round trip."""

from __future__ import annotations

import pytest

import dotsparse
from dotsparse.engines.replay import ReplayEngine
from tests.support.docgen import captioned_doc, make_pdf, simple_doc
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


@pytest.fixture
def captioned(tmp_path):
    spec = captioned_doc(4)
    pdf = make_pdf(tmp_path / "c.pdf", spec)
    with dotsparse.Parser(engine=ReplayEngine(record(pdf, spec)), dpi=50, fallback=()) as parser:
        return parser.parse(pdf)


FIGURE, TABLE = "Figure 1: a square and a circle.", "Table 1: parts by count."


def test_captions_belong_to_their_picture_and_table_as_docling_links_them(captioned):
    links = {c.text: c.caption_of.category for c in captioned.pages[0].cells if c.caption_of}
    assert links == {FIGURE: dotsparse.Category.PICTURE, TABLE: dotsparse.Category.TABLE}  # the premise
    out = captioned.to_docling()
    again = docling.DoclingDocument.model_validate(out.export_to_dict())
    for doc in (out, again):
        picture, table = doc.pictures[0], doc.tables[0]
        assert picture.caption_text(doc) == FIGURE and table.caption_text(doc) == TABLE
        for item in (picture, table):
            (ref,) = item.captions
            caption = ref.resolve(doc)
            assert caption.label is docling.DocItemLabel.CAPTION and caption.parent.cref == item.self_ref
            assert caption.prov[0].page_no == 1
    assert all(ref.resolve(out).label is not docling.DocItemLabel.CAPTION for ref in out.body.children)
    markdown = out.export_to_markdown()
    assert markdown.count(FIGURE) == 1 and markdown.count(TABLE) == 1
    assert f"{FIGURE}\n\n<!-- image -->" in markdown  # docling prints a caption with its item
    assert markdown.index(TABLE) < markdown.index("| Item")
    assert again.export_to_markdown() == markdown


def test_captions_without_a_picture_or_table_on_their_page_stay_plain_captions(captioned):
    page = captioned.pages[0]

    def relinked(cell):
        if cell.text == FIGURE:  # its picture is on another page: docling links captions within a page
            return cell.model_copy(update={"caption_of": cell.caption_of.model_copy(update={"page": 2})})
        if cell.text == TABLE:  # no link at all
            return cell.model_copy(update={"caption_of": None})
        return cell

    second = page.model_copy(update={"page": 2, "cells": [c for c in page.cells
                                                         if c.category is not dotsparse.Category.CAPTION]})
    doc = captioned.model_copy(update={"pages": [page.model_copy(update={"cells": [relinked(c) for c in page.cells]}),
                                                 second]})
    out = doc.to_docling()
    assert all(not item.captions for item in (*out.pictures, *out.tables))
    captions = [t for t in out.texts if t.label is docling.DocItemLabel.CAPTION]
    assert [(c.text, c.parent.cref, c.prov[0].page_no) for c in captions] == [(FIGURE, "#/body", 1),
                                                                            (TABLE, "#/body", 1)]
    markdown = out.export_to_markdown()
    assert markdown.count(FIGURE) == 1 and markdown.count(TABLE) == 1


def test_pictures_carry_their_crop_as_docling_picture_images(captioned, tmp_path):
    from PIL import Image

    out = captioned.to_docling()
    (asset,) = captioned.images
    with Image.open(__import__("io").BytesIO(captioned.images[asset])) as crop:
        size = crop.size
    picture = out.pictures[0]
    assert picture.image.mimetype == "image/png" and (picture.image.size.width, picture.image.size.height) == size
    assert picture.get_image(out).size == size
    embedded = out.export_to_markdown(image_mode=docling.ImageRefMode.EMBEDDED)
    assert "![Image](data:image/png;base64," in embedded
    assert "<!-- image -->" in out.export_to_markdown()  # docling's default placeholder stays the default
    bare = captioned.model_copy()
    bare._images = {}
    assert bare.to_docling().pictures[0].image is None


def test_docling_text_is_plain_and_our_markdown_is_its_orig(parsed):
    """docling's `text` is plain text (its exporters escape it themselves); our safe Markdown is `orig`."""
    template = next(c for c in parsed.pages[0].cells if c.category is dotsparse.Category.TEXT)
    added = [template.model_copy(update={"text": r"If a &lt; b then \*stars\* &amp; R&amp;D"}),
             template.model_copy(update={"category": dotsparse.Category.SECTION_HEADER, "text": r"## The \_\_init\_\_ method"})]
    page = parsed.pages[0].model_copy(update={"cells": [*parsed.pages[0].cells, *added]})
    out = parsed.model_copy(update={"pages": [page]}).to_docling()
    texts = {t.text: t.orig for t in out.texts}
    assert texts["If a < b then *stars* & R&D"] == r"If a &lt; b then \*stars\* &amp; R&amp;D"
    assert texts["The __init__ method"] == r"## The \_\_init\_\_ method"
