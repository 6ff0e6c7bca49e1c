"""Scanned pages: image-only PDFs, invisible text layers, rotated scans, images, mixed documents."""

from __future__ import annotations


import pymupdf
import pytest


from . import embedded_docs as docs
from .embedded_run import markdown, request, run
from .ocr_fixtures import engine, source  # noqa: F401  (fixtures, found by name)

pytestmark = pytest.mark.slow


def _words(md: str) -> set[str]:
    return set(md.lower().replace(".", " ").split())


@pytest.mark.parametrize("rotate", [0, 90, 180])
def test_scanned_pages_are_read_upright(tmp_path, engine, source, rotate):
    scan = tmp_path / f"scan{rotate}.pdf"
    docs.image_only_pdf(source, scan, dpi=150, rotate=rotate)
    req = request(scan)
    answer = run(engine, [req])[0]
    words = _words(markdown(answer, furniture=True))
    assert {"quarterly", "report", "revenue", "twelve", "percent"} <= words
    for b in answer.blocks:  # boxes stay in the page as the pipeline renders it
        assert 0 <= b.bbox[0] < b.bbox[2] <= req.geometry.sent_width + 2
        assert 0 <= b.bbox[1] < b.bbox[3] <= req.geometry.sent_height + 2


def test_invisible_layer_and_mixed_document(tmp_path, engine, source):
    hidden = tmp_path / "hidden.pdf"
    docs.invisible_text_pdf(source, hidden)
    mixed = tmp_path / "mixed.pdf"
    doc = pymupdf.open(source)
    doc.insert_pdf(pymupdf.open(hidden))
    doc.save(mixed)
    born, scanned = run(engine, [request(mixed, 0), request(mixed, 1)])
    assert markdown(born) == "Quarterly report\\n\\nRevenue grew by twelve percent" or "Revenue grew" in markdown(born)
    md = markdown(scanned, furniture=True)
    assert "hidden words" not in md and "revenue" in md.lower()


def test_image_file(tmp_path, engine, source):
    png = tmp_path / "page.png"
    pymupdf.open(source)[0].get_pixmap(dpi=150).save(png)
    answer = run(engine, [request(png)])[0]
    assert "twelve" in markdown(answer, furniture=True).lower()
