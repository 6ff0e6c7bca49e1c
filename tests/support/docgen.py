"""Generate PDFs and images whose layout is known exactly.

Every block is drawn inside its rect, so the rect (PDF points) is the ground-truth box.
A small coloured square at (2, 2, 10, 10) pt encodes (doc_id, page_index); `read_marker`
recovers it from any rendering of the page, which is how the fake server knows what it sees.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
from PIL import Image

CATEGORIES = (
    "Caption", "Footnote", "Formula", "List-item", "Page-footer", "Page-header",
    "Picture", "Section-header", "Table", "Text", "Title",
)
FURNITURE = frozenset({"Page-header", "Page-footer"})

Rect = tuple[float, float, float, float]
Key = tuple[int, int]

MARKER_RECT: Rect = (2.0, 2.0, 10.0, 10.0)
MARKER_BASE = 40
MARKER_STEP = 8
MARKER_LEVELS = 24
_MARKER_TOLERANCE = 3  # max channel error accepted around a code value (step is 8)

# Font size to start from per category; `_fit_text` shrinks until the text fits.
_START_SIZE = {"Title": 20.0, "Section-header": 14.0, "Page-header": 8.0, "Page-footer": 8.0, "Footnote": 8.0,
               "Caption": 9.0}
_BOLD = frozenset({"Title", "Section-header"})
_MIN_FONT = 3.0


@dataclass(frozen=True)
class Block:
    """One layout element; `rect` is (x0, y0, x1, y1) in PDF points."""

    category: str
    rect: Rect
    text: str = ""
    html: str | None = None  # Table: the HTML the model answers with
    latex: str | None = None  # Formula: the LaTeX the model answers with
    level: int = 2  # Section-header level: the answer carries `#` * level
    rows: tuple[tuple[str, ...], ...] | None = None  # Table cells, drawn as a grid
    # The text the model reads when it differs from what is drawn: a word hyphenated at a line end
    # ("hyphen-\nated") reads as one word, a ligature glyph as its letters.
    reads: str | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        x0, y0, x1, y1 = self.rect
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"empty rect {self.rect}")
        if self.category == "Table":
            if self.rows is None and self.html is not None:
                object.__setattr__(self, "rows", table_rows(self.html))
            if self.html is None and self.rows is not None:
                object.__setattr__(self, "html", table_html(self.rows))

    @property
    def answer_text(self) -> str | None:
        """The text dots.ocr gives for this block in layout_all (None for pictures)."""
        if self.category == "Picture":
            return None
        if self.category == "Table":
            return self.html or ""
        if self.category == "Formula":
            return self.latex if self.latex is not None else self.text
        text = self.reads if self.reads is not None else self.text
        if self.category == "Title":
            return f"# {text}"
        if self.category == "Section-header":
            return f"{'#' * max(1, self.level)} {text}"
        return text

    @property
    def drawn_text(self) -> str:
        """What is printed on the page for text-like blocks."""
        if self.category == "Formula" and not self.text and self.latex:
            return self.latex
        return self.text


@dataclass
class PageSpec:
    width: float = 595.0
    height: float = 842.0
    blocks: list[Block] = field(default_factory=list)


@dataclass
class DocSpec:
    doc_id: int
    pages: list[PageSpec]


# ---------------------------------------------------------------- tables


def table_html(rows: Sequence[Sequence[str]]) -> str:
    """`<table>` HTML for a rows-of-strings table, first row as header cells."""
    out = ["<table>"]
    for i, row in enumerate(rows):
        tag = "th" if i == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{html_lib.escape(c)}</{tag}>" for c in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def table_rows(html: str) -> tuple[tuple[str, ...], ...]:
    """Cell texts of a simple HTML table (no spans), for drawing."""
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S | re.I):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S | re.I)
        rows.append(tuple(html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells))
    return tuple(r for r in rows if r)


# ---------------------------------------------------------------- marker


def marker_color(doc_id: int, page_index: int) -> tuple[int, int, int]:
    """RGB 0-255 of the identity square; doc ids are told apart modulo 24."""
    return (
        MARKER_BASE + MARKER_STEP * (doc_id % MARKER_LEVELS),
        MARKER_BASE + MARKER_STEP * (page_index % MARKER_LEVELS),
        MARKER_BASE + MARKER_STEP * ((page_index // MARKER_LEVELS) % MARKER_LEVELS),
    )


def _decode_channel(value: int) -> int | None:
    code = round((value - MARKER_BASE) / MARKER_STEP)
    if not 0 <= code < MARKER_LEVELS:
        return None
    if abs(MARKER_BASE + MARKER_STEP * code - value) > _MARKER_TOLERANCE:
        return None
    return code


def decode_marker_color(rgb: tuple[int, int, int]) -> Key | None:
    """(doc_id mod 24, page_index) for a marker colour, None if it is not one."""
    codes = [_decode_channel(v) for v in rgb]
    if any(c is None for c in codes):
        return None
    r, g, b = codes
    return r, g + MARKER_LEVELS * b  # type: ignore[operator]


def read_marker(img: Image.Image) -> Key | None:
    """Find the identity square of a rendered page at any scale.

    Walks the diagonal from the top-left corner: the square is the first non-white run, and
    its middle is the square's centre whatever the render scale, so no page size is needed.
    """
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    w, h = rgb.size
    limit = max(1, min(w, h) // 3)
    px = rgb.load()

    def inked(t: int) -> bool:
        return max(px[t, t]) < 235

    if inked(0):
        return None  # a page background is white; anything else is not ours
    start = next((t for t in range(1, limit) if inked(t)), None)
    if start is None:
        return None
    end = next((t for t in range(start, limit) if not inked(t)), limit)
    mid = (start + end - 1) // 2
    r = (end - start) // 6  # median over the square's central third: tolerates lossy formats
    if r < 1:
        return None  # a speck, not a square
    samples = [px[x, y] for x in range(mid - r, mid + r + 1) for y in range(mid - r, mid + r + 1)]
    rgb_med = tuple(sorted(s[c] for s in samples)[len(samples) // 2] for c in range(3))
    near = sum(all(abs(s[c] - rgb_med[c]) <= 2 * _MARKER_TOLERANCE for c in range(3)) for s in samples)
    if near * 4 < len(samples) * 3:
        return None  # not one flat colour (noise, a photo): no square of ours
    return decode_marker_color(rgb_med)  # type: ignore[arg-type]


# ---------------------------------------------------------------- drawing


def _fit_text(page: pymupdf.Page, rect: pymupdf.Rect, text: str, size: float, bold: bool = False,
              align: int = pymupdf.TEXT_ALIGN_LEFT) -> float:
    """Insert `text` into `rect`, shrinking the font until it fits; return the size used."""
    font = "hebo" if bold else "helv"
    while size >= _MIN_FONT:
        if page.insert_textbox(rect, text, fontname=font, fontsize=size, align=align) >= 0:
            return size
        size = round(size * 0.9, 2)
    raise ValueError(f"text does not fit in {tuple(rect)} even at {_MIN_FONT} pt: {text[:40]!r}")


def _draw_table(page: pymupdf.Page, rect: pymupdf.Rect, rows: Sequence[Sequence[str]]) -> None:
    grid = rect + (0.5, 0.5, -0.5, -0.5)  # keep the line width inside the rect
    n_rows = len(rows)
    n_cols = max((len(r) for r in rows), default=1)
    cw, rh = grid.width / n_cols, grid.height / n_rows
    shape = page.new_shape()
    for i in range(n_rows + 1):
        shape.draw_line((grid.x0, grid.y0 + i * rh), (grid.x1, grid.y0 + i * rh))
    for j in range(n_cols + 1):
        shape.draw_line((grid.x0 + j * cw, grid.y0), (grid.x0 + j * cw, grid.y1))
    shape.finish(color=(0, 0, 0), width=0.5)
    shape.commit()
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell:
                box = pymupdf.Rect(grid.x0 + j * cw, grid.y0 + i * rh, grid.x0 + (j + 1) * cw, grid.y0 + (i + 1) * rh)
                _fit_text(page, box + (2, 1, -2, -1), cell, min(10.0, rh * 0.6), bold=i == 0)


def _draw_picture(page: pymupdf.Page, rect: pymupdf.Rect) -> None:
    inner = rect + (1, 1, -1, -1)
    page.draw_rect(inner, color=None, fill=(0.85, 0.35, 0.2), width=0)
    side = min(inner.width, inner.height) * 0.6
    c = pymupdf.Point((inner.x0 + inner.x1) / 2, (inner.y0 + inner.y1) / 2)
    page.draw_circle(c, side / 2, color=None, fill=(0.2, 0.4, 0.85), width=0)


def _draw_block(page: pymupdf.Page, block: Block) -> None:
    rect = pymupdf.Rect(block.rect)
    if block.category == "Picture":
        _draw_picture(page, rect)
    elif block.category == "Table":
        _draw_table(page, rect, block.rows or (("",),))
    elif block.drawn_text:
        align = pymupdf.TEXT_ALIGN_CENTER if block.category == "Formula" else pymupdf.TEXT_ALIGN_LEFT
        size = _START_SIZE.get(block.category, 10.0)
        _fit_text(page, rect, block.drawn_text, size, bold=block.category in _BOLD, align=align)


def draw_page(page: pymupdf.Page, spec: PageSpec, key: Key | None) -> None:
    """Draw a PageSpec onto an empty PyMuPDF page; `key` = (doc_id, page_index) for the marker."""
    for block in spec.blocks:
        _draw_block(page, block)
    if key is not None:
        r, g, b = marker_color(*key)
        page.draw_rect(pymupdf.Rect(MARKER_RECT), color=None, fill=(r / 255, g / 255, b / 255), width=0)


def build_pdf(spec: DocSpec, marker: bool = True) -> pymupdf.Document:
    """An in-memory PyMuPDF document for `spec`."""
    doc = pymupdf.open()
    for i, ps in enumerate(spec.pages):
        page = doc.new_page(width=ps.width, height=ps.height)
        draw_page(page, ps, (spec.doc_id, i) if marker else None)
    return doc


def make_pdf(path: str | Path, spec: DocSpec, marker: bool = True, password: str | None = None) -> Path:
    """Write `spec` as a PDF; with `password`, AES-256 encrypted (user = owner password)."""
    path = Path(path)
    doc = build_pdf(spec, marker)
    try:
        if password is None:
            doc.save(path, garbage=3, deflate=True)
        else:
            doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password)
    finally:
        doc.close()
    return path


# ---------------------------------------------------------------- images


def render_page(spec_page: PageSpec, dpi: float = 96, doc_id: int = 0, page_index: int = 0,
                marker: bool = True) -> Image.Image:
    """Render one PageSpec to an RGB PIL image at `dpi`."""
    doc = build_pdf(DocSpec(doc_id, [spec_page]), marker=False)
    try:
        page = doc[0]
        if marker:
            r, g, b = marker_color(doc_id, page_index)
            page.draw_rect(pymupdf.Rect(MARKER_RECT), color=None, fill=(r / 255, g / 255, b / 255), width=0)
        pix = page.get_pixmap(dpi=dpi, alpha=False)
        return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    finally:
        doc.close()


_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP", "bmp": "BMP", "tif": "TIFF", "tiff": "TIFF"}


def _save_kwargs(fmt: str, dpi: float) -> dict:
    kw: dict = {"dpi": (dpi, dpi)}
    if fmt == "JPEG":
        kw.update(quality=100, subsampling=0)  # keep the marker colour within decode tolerance
    elif fmt == "WEBP":
        kw.update(lossless=True)
    elif fmt == "TIFF":
        kw.update(compression="tiff_deflate")
    return kw


def make_image(path: str | Path, spec_page: PageSpec, dpi: float = 96, fmt: str = "png", *, doc_id: int = 0,
               page_index: int = 0, marker: bool = True) -> Path:
    """Render one page to an image file (png/jpeg/webp/bmp/tiff) with dpi metadata."""
    path = Path(path)
    pil_fmt = _FORMATS[fmt.lower()]
    img = render_page(spec_page, dpi, doc_id, page_index, marker)
    img.save(path, pil_fmt, **_save_kwargs(pil_fmt, dpi))
    return path


def make_multipage_tiff(path: str | Path, pages: DocSpec | Sequence[PageSpec], dpi: float = 96, *,
                        doc_id: int = 0, marker: bool = True) -> Path:
    """A multi-frame TIFF, one frame per page; a DocSpec brings its own doc_id."""
    path = Path(path)
    if isinstance(pages, DocSpec):
        doc_id, pages = pages.doc_id, pages.pages
    frames = [render_page(p, dpi, doc_id, i, marker) for i, p in enumerate(pages)]
    if not frames:
        raise ValueError("no pages")
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], **_save_kwargs("TIFF", dpi))
    return path


# ---------------------------------------------------------------- realistic documents

_WORDS = ("layout", "model", "page", "table", "region", "reading", "order", "vision", "language", "parser",
          "document", "formula", "result", "sample", "method", "section", "figure", "value", "score", "test")


def _sentence(seed: int, n: int) -> str:
    words = [_WORDS[(seed * 7 + i * 3 + i * i) % len(_WORDS)] for i in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(doc_id: int, page_no: int, k: int) -> str:
    body = " ".join(_sentence(doc_id * 31 + page_no * 5 + k * 11 + s, 9 + (s + k) % 5) for s in range(3))
    return f"Paragraph {k + 1} of page {page_no} in document {doc_id}. {body}"


def simple_doc(doc_id: int, n_pages: int, width: float = 595.0, height: float = 842.0) -> DocSpec:
    """A realistic report: header, title (page 1), sections, paragraphs, table, formula, picture,
    caption, footnote and a footer with the page number; every page differs."""
    return DocSpec(doc_id, [_simple_page(doc_id, i + 1, width, height) for i in range(n_pages)])


def _simple_page(doc_id: int, page_no: int, width: float, height: float) -> PageSpec:
    left, right = 56.0, width - 56.0
    blocks = [Block("Page-header", (left, 22, right, 36), f"Test report {doc_id} - running header")]
    y = 52.0
    if page_no == 1:
        blocks.append(Block("Title", (left, y, right, y + 34), f"Synthetic Document {doc_id}", level=1))
        y += 46
    n_par = 2 + (doc_id + page_no) % 2
    blocks.append(Block("Section-header", (left, y, right, y + 20), f"{page_no}. Results on page {page_no}"))
    y += 28
    for k in range(n_par):
        blocks.append(Block("Text", (left, y, right, y + 58), _paragraph(doc_id, page_no, k)))
        y += 66
    rows = (("Item", "Value", "Unit"),
            *((f"row {r} p{page_no}", f"{(doc_id + 1) * (page_no + r) * 1.5:.1f}", ("mm", "kg", "s")[r % 3])
              for r in range(1, 4)))
    blocks.append(Block("Table", (left, y, left + 300, y + 80), rows=rows))
    y += 92
    blocks.append(Block("Formula", (left + 60, y, right - 60, y + 24), f"E_{page_no} = m c^2 + {doc_id}",
                        latex=f"E_{{{page_no}}} = m c^{{2}} + {doc_id}"))
    y += 34
    blocks.append(Block("Section-header", (left, y, right, y + 18), f"{page_no}.1 Figure for page {page_no}",
                        level=3))
    y += 26
    blocks.append(Block("Picture", (left, y, left + 220, y + 130)))
    y += 136
    blocks.append(Block("Caption", (left, y, right, y + 16), f"Figure {page_no}: a square and a circle."))
    blocks.append(Block("Footnote", (left, height - 72, right, height - 56),
                        f"[{page_no}] Footnote of page {page_no}, document {doc_id}."))
    blocks.append(Block("Page-footer", (left, height - 40, right, height - 26), f"Page {page_no}"))
    return PageSpec(width, height, blocks)


def captioned_doc(doc_id: int, width: float = 595.0, height: float = 842.0) -> DocSpec:
    """One page: a picture with its caption under it, a table with its caption above it (read before it)."""
    left, right = 56.0, width - 56.0
    rows = (("Item", "Value"), ("bolts", "12"), ("nuts", "30"))
    return DocSpec(doc_id, [PageSpec(width, height, [
        Block("Title", (left, 52, right, 86), f"Captioned Document {doc_id}", level=1),
        Block("Text", (left, 100, right, 150), _paragraph(doc_id, 1, 0)),
        Block("Picture", (left, 160, left + 220, 290)),
        Block("Caption", (left, 296, right, 312), "Figure 1: a square and a circle."),
        Block("Caption", (left, 340, right, 356), "Table 1: parts by count."),
        Block("Table", (left, 362, left + 300, 442), rows=rows),
        Block("Text", (left, 460, right, 500), _paragraph(doc_id, 1, 1)),
    ])])


# ---------------------------------------------------------------- pages that are not born-digital

PAGE_KINDS = ("digital", "scan", "scan_ocr_layer")


def make_mixed_pdf(path: str | Path, spec: DocSpec, kinds: Sequence[str], scan_dpi: float = 150,
                   image_blocks: Sequence[tuple[int, int]] = ()) -> Path:
    """A PDF whose pages are born-digital, scans (one page image, no text), or scans under an invisible
    OCR text layer (render mode 3, each block's drawn text in its rect), per `kinds` (PAGE_KINDS).

    `image_blocks`: (page index, block index) of born-digital blocks drawn as an image of their text
    instead of text (a text layer with a hole where the block is). Markers are kept everywhere.
    """
    path = Path(path)
    out = pymupdf.open()
    born = build_pdf(spec)
    try:
        for i, (ps, kind) in enumerate(zip(spec.pages, kinds)):
            if kind not in PAGE_KINDS:
                raise ValueError(f"unknown page kind {kind!r}")
            if kind == "digital":
                out.insert_pdf(born, from_page=i, to_page=i)
                page = out[-1]
                for _, b in (x for x in image_blocks if x[0] == i):
                    _text_to_image(page, pymupdf.Rect(ps.blocks[b].rect), scan_dpi)
                continue
            img = render_page(ps, scan_dpi, spec.doc_id, i)
            page = out.new_page(width=ps.width, height=ps.height)
            page.insert_image(page.rect, stream=_png(img))
            if kind == "scan_ocr_layer":
                for block in ps.blocks:
                    if block.drawn_text and block.category not in ("Picture", "Table"):
                        _fit_invisible(page, pymupdf.Rect(block.rect), block)
        out.save(path, garbage=3, deflate=True)
    finally:
        out.close()
        born.close()
    return path


def _png(img: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _text_to_image(page: pymupdf.Page, rect: pymupdf.Rect, dpi: float) -> None:
    pix = page.get_pixmap(clip=rect, dpi=dpi)
    page.add_redact_annot(rect)
    page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE)
    page.insert_image(rect, pixmap=pix)


def _fit_invisible(page: pymupdf.Page, rect: pymupdf.Rect, block: Block) -> None:
    size = _START_SIZE.get(block.category, 10.0)
    font = "hebo" if block.category in _BOLD else "helv"
    while size >= _MIN_FONT:
        if page.insert_textbox(rect, block.drawn_text, fontname=font, fontsize=size, render_mode=3) >= 0:
            return
        size = round(size * 0.9, 2)
    raise ValueError(f"text does not fit in {tuple(rect)}")


def text_heavy_doc(doc_id: int, n_pages: int, width: float = 595.0, height: float = 842.0) -> DocSpec:
    """Dense prose pages (a report or paper body): header, a section heading, eight paragraphs of about
    70 words, a footer; every third page also holds a small table. Text is most of what the page says."""
    pages = []
    for i in range(n_pages):
        page_no = i + 1
        left, right = 56.0, width - 56.0
        blocks = [Block("Page-header", (left, 22, right, 36), f"Dense report {doc_id} - chapter {page_no}")]
        blocks.append(Block("Section-header", (left, 48, right, 66), f"{page_no}.1 Findings of part {page_no}",
                            level=3))
        y, n_par = 74.0, 8 if page_no % 3 else 6
        for k in range(n_par):
            text = " ".join(_paragraph(doc_id, page_no, k + j) for j in range(2))
            blocks.append(Block("Text", (left, y, right, y + 78), text))
            y += 84
        if page_no % 3 == 0:
            rows = (("Measure", "Before", "After"),
                    *((f"m{r}", f"{r * 3.5 + doc_id:.1f}", f"{r * 2.25 + page_no:.2f}") for r in range(1, 5)))
            blocks.append(Block("Table", (left, y, left + 320, y + 100), rows=rows))
        blocks.append(Block("Page-footer", (left, height - 40, right, height - 26), f"Page {page_no}"))
        pages.append(PageSpec(width, height, blocks))
    return DocSpec(doc_id, pages)
