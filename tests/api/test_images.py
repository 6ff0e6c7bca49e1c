"""`Document.images`: a document parsed in memory links its pictures as `<doc>.md` does and holds their bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import dotsparse
from dotsparse.engines.replay import ReplayEngine
from tests.support.docgen import captioned_doc, make_pdf
from tests.support.replay import record


@pytest.fixture
def parsed(tmp_path):
    """The same PDF parsed in memory, and with `output=`."""
    spec = captioned_doc(5)
    pdf = make_pdf(tmp_path / "c.pdf", spec)
    with dotsparse.Parser(engine=ReplayEngine(record(pdf, spec)), dpi=50, fallback=()) as parser:
        return parser.parse(pdf), parser.parse(pdf, output=tmp_path / "out"), tmp_path / "out" / "c"


def test_in_memory_markdown_links_its_pictures_as_the_written_markdown(parsed):
    memory, written, folder = parsed
    markdown = memory.markdown()
    assert markdown == (folder / "c.md").read_text(encoding="utf-8") == written.markdown()
    picture = next(c for c in memory.pages[0].cells if c.category is dotsparse.Category.PICTURE)
    assert picture.asset == "images/p0001-002-picture.png" and f"![Picture]({picture.asset})" in markdown
    assert list(memory.images) == [picture.asset] == list(written.images)


def test_in_memory_images_are_the_crops_the_folder_holds(parsed):
    memory, written, folder = parsed
    (name,) = memory.images
    assert memory.images[name] == (folder / name).read_bytes() == written.images[name]
    picture = next(c for c in memory.pages[0].cells if c.category is dotsparse.Category.PICTURE)
    with Image.open(io.BytesIO(memory.images[name])) as crop:
        box = picture.bbox_px
        assert crop.size == pytest.approx((box[2] - box[0], box[3] - box[1]), rel=0.05)  # drawn at the page's dpi


def test_a_loaded_document_reads_its_images_from_its_folder(parsed):
    memory, _, folder = parsed
    loaded = dotsparse.Document.load(folder / "c.json")
    assert dict(loaded.images) == dict(memory.images)
    (folder / next(iter(memory.images))).unlink()  # a deleted crop is not listed
    assert dict(dotsparse.Document.load(folder / "c.json").images) == {}
    with pytest.raises(KeyError):
        loaded.images["c.json"]  # only the images the Markdown links


def test_bytes_parsed_in_memory_keep_their_images(tmp_path):
    spec = captioned_doc(6)
    pdf = make_pdf(tmp_path / "c.pdf", spec)
    with dotsparse.Parser(engine=ReplayEngine(record(pdf, spec)), dpi=50, fallback=()) as parser:
        doc = parser.parse(pdf.read_bytes(), name="c.pdf")
    assert list(doc.images) == ["images/p0001-002-picture.png"]
    assert doc.images["images/p0001-002-picture.png"].startswith(b"\x89PNG")


def test_a_notebook_shows_the_pictures_embedded(parsed):
    memory, _, _ = parsed
    shown = memory._repr_markdown_()
    assert "![Picture](data:image/png;base64," in shown and "images/p0001" not in shown
    assert "](images/p0001-002-picture.png)" in memory.markdown()  # the document itself is unchanged
    assert memory.pages[0].cells[2].asset == "images/p0001-002-picture.png"


def test_failed_documents_hold_no_images(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 not a PDF")
    with dotsparse.Parser(engine=ReplayEngine({}), dpi=50, fallback=()) as parser:
        doc = parser.parse(tmp_path / "broken.pdf")
    assert doc.status is dotsparse.DocumentStatus.FAILED and dict(doc.images) == {}
