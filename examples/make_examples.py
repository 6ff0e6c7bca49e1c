"""Generate the small example documents in examples/docs/ (made by this project, free to ship).

    python examples/make_examples.py && dotsparse parse examples/docs -o examples/output
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

HERE = Path(__file__).parent / "docs"
W, H = 595, 842
LEFT, GAP = 56, 20
COL = (W - 2 * LEFT - GAP) / 2

BODY = [
    "Document parsing turns page images into structured text. A parser must find blocks, read them in "
    "the order a person would, and keep tables and formulas intact, because downstream search and "
    "question answering depend on every one of them.",
    "We compare a text-layer pipeline with a vision-language model. The text layer is exact where it "
    "exists; the model also reads scans, photographs and pages whose embedded text is broken or missing.",
    "Two-column layouts are the classic trap: a naive reader interleaves lines from both columns. "
    "Headings that span the page must come before the columns they introduce.",
    "Hyphenated line breaks such as docu-\nment are joined, and running headers and footers are removed "
    "from the body text while footnotes are kept.",
]
ROWS = [("Method", "Pages/s", "Text F1"), ("Text layer", "6.2", "0.98"), ("VLM (GPU)", "1.5", "0.97"),
        ("OCR only", "0.1", "0.91")]


def text(page: pymupdf.Page, rect: tuple, body: str, size: float = 9.5, bold: bool = False) -> None:
    font = "hebo" if bold else "helv"
    while page.insert_textbox(pymupdf.Rect(rect), body, fontsize=size, fontname=font) < 0 and size > 5:
        size -= 0.5


def furniture(page: pymupdf.Page, number: int) -> None:
    text(page, (LEFT, 24, W - LEFT, 36), "Example Paper - dotsparse examples", 8)
    text(page, (W / 2 - 20, H - 36, W / 2 + 20, H - 24), str(number), 8)


def table(page: pymupdf.Page, x: float, y: float) -> float:
    cw, rh = COL / 3, 16
    for r, row in enumerate(ROWS):
        for c, cell in enumerate(row):
            rect = (x + c * cw, y + r * rh, x + (c + 1) * cw, y + (r + 1) * rh)
            page.draw_rect(pymupdf.Rect(rect), color=(0, 0, 0), width=0.5)
            text(page, (rect[0] + 3, rect[1] + 3, rect[2] - 2, rect[3]), cell, 8, bold=r == 0)
    return y + len(ROWS) * rh


def paper(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    furniture(page, 1)
    text(page, (LEFT, 52, W - LEFT, 80), "Reading Documents the Way People Do", 18, bold=True)
    text(page, (LEFT, 84, W - LEFT, 98), "A. Author and B. Writer", 10)
    text(page, (LEFT, 108, W - LEFT, 124), "1 Introduction", 12, bold=True)
    xs = (LEFT, LEFT + COL + GAP)
    y = [130, 130]
    for i, body in enumerate(BODY):
        col = i % 2
        text(page, (xs[col], y[col], xs[col] + COL, y[col] + 80), body)
        y[col] += 86
    text(page, (xs[0], y[0], xs[0] + COL, y[0] + 12), "Table 1. Speed and accuracy.", 8.5)
    y[0] = table(page, xs[0], y[0] + 14) + 10
    text(page, (xs[1] + 20, y[1], xs[1] + COL - 20, y[1] + 16), "E = m c^2 + sum_i x_i", 11)
    y[1] += 24
    figure = pymupdf.Rect(xs[1], y[1], xs[1] + COL, y[1] + 110)
    page.draw_rect(figure, color=(0.2, 0.3, 0.6), fill=(0.85, 0.9, 1.0))
    page.draw_circle(figure.tl + (COL / 2, 55), 35, color=(0.8, 0.3, 0.2), fill=(0.95, 0.6, 0.4))
    text(page, (xs[1], figure.y1 + 4, xs[1] + COL, figure.y1 + 18), "Figure 1. A circle in a box.", 8.5)
    text(page, (LEFT, H - 70, W - LEFT, H - 50), "1 Footnotes stay in the body text; page numbers do not.", 7.5)
    page = doc.new_page(width=W, height=H)
    furniture(page, 2)
    text(page, (LEFT, 52, W - LEFT, 68), "2 Results", 12, bold=True)
    for i, body in enumerate(reversed(BODY)):
        col = i % 2
        text(page, ((LEFT, LEFT + COL + GAP)[col], 74 + (i // 2) * 90, (LEFT, LEFT + COL + GAP)[col] + COL,
                    154 + (i // 2) * 90), body)
    doc.save(path, garbage=4, deflate=True)


def scan(pdf: Path, path: Path) -> None:
    """A 'scanned' page: the first page as a grey 110-dpi image with no text layer."""
    with pymupdf.open(pdf) as doc:
        pix = doc[0].get_pixmap(dpi=110, colorspace=pymupdf.csGRAY)
        pix.set_dpi(110, 110)
        pix.save(path)


if __name__ == "__main__":
    HERE.mkdir(parents=True, exist_ok=True)
    paper(HERE / "paper.pdf")
    scan(HERE / "paper.pdf", HERE / "scanned-page.png")
    for f in sorted(HERE.iterdir()):
        print(f"{f}  {f.stat().st_size // 1024} KiB")
