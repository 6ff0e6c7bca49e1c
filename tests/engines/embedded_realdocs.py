"""Generated documents that reproduce what real documents do to the embedded engine: scans with an
OCR text layer, high-resolution scans of small pages, text drawn on pictures and as outlines,
right-to-left text with ligatures, financial statements, card grids, drop caps, letters."""

from __future__ import annotations

from pathlib import Path

import pymupdf

ARABIC = pymupdf.Font(script=6)  # MuPDF's built-in Noto Naskh Arabic: no system font needed


def scan_of(src: pymupdf.Page, dpi: int, gray: bool = True) -> tuple[pymupdf.Document, pymupdf.Page]:
    """A new one-page PDF holding only an image of `src` rendered at `dpi`: a scan."""
    pix = src.get_pixmap(matrix=pymupdf.Matrix(dpi / 72, dpi / 72), colorspace=pymupdf.csGRAY if gray else pymupdf.csRGB)
    doc = pymupdf.open()
    page = doc.new_page(width=src.rect.width, height=src.rect.height)
    page.insert_image(page.rect, pixmap=pix)
    return doc, page


def ocr_layer_scan(src: Path, path: Path, replace: dict[str, str] | None = None, dpi: int = 150) -> None:
    """A scan with an invisible (render mode 3) text layer word for word where the printed words are,
    as OCR tools write one; `replace` swaps words of the layer (to tell which text the engine used)."""
    page = pymupdf.open(src)[0]
    doc, out = scan_of(page, dpi)
    for x0, y0, x1, y1, word, *_ in page.get_text("words"):
        word = (replace or {}).get(word, word)
        size = (y1 - y0) * 0.85
        size = min(size, size * (x1 - x0) / max(1e-3, pymupdf.get_text_length(word, "helv", size)))
        out.insert_text((x0, y1 - 0.22 * (y1 - y0)), word, fontsize=size, fontname="helv", render_mode=3)
    doc.save(path)


def text_page(lines: list[str], width: float, height: float, size: float, font: str = "helv",
              margin: float = 12) -> pymupdf.Document:
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    y = margin + size
    for line in lines:
        page.insert_text((margin, y), line, fontsize=size, fontname=font)
        y += size * 1.5
    return doc


def small_page_scan(path: Path, lines: list[str], dpi: int = 600) -> None:
    """A 180 x 300 pt page (a receipt, a card) of 4-pt text scanned at `dpi`."""
    src = text_page(lines, 180, 300, 4.0, margin=8)
    doc, _ = scan_of(src[0], dpi)
    doc.save(path)


def script_scan(path: Path, text: str, rtl: bool, dpi: int = 200) -> None:
    """A scan of a page of text in a script RapidOCR's bundled models do not read (Korean, Arabic)."""
    src = pymupdf.open()
    page = src.new_page(width=420, height=300)
    css = "* {font-size: 15px; line-height: 1.6;}" + (" body {direction: rtl;}" if rtl else "")
    page.insert_htmlbox(pymupdf.Rect(30, 30, 390, 280), text, css=css)
    doc, _ = scan_of(page, dpi)
    doc.save(path)


def arabic_page(path: Path, words: list[str]) -> None:
    """Born-digital Arabic, shaped by MuPDF (lam-alef written as one ligature glyph)."""
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=200)
    page.insert_htmlbox(pymupdf.Rect(30, 30, 390, 180), " ".join(words),
                        css="* {font-size: 16px; direction: rtl;}")
    doc.save(path)
