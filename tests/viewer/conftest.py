"""Viewer test material: documents built from the data model, a real PDF for page images, a page opener
that records every request, console message and dialog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pymupdf
import pytest

from dotsparse.model import (Category, Cell, CellFormat, DocumentInfo, Mode, PageGeometry, PageResult,
                             PageStatus)
from dotsparse.raster import file_sha256
from dotsparse.viewer import build_views

DPI = 100.0
W_PT, H_PT = 595.0, 842.0


def geometry() -> PageGeometry:
    w, h = round(W_PT * DPI / 72), round(H_PT * DPI / 72)
    return PageGeometry(width_pt=W_PT, height_pt=H_PT, dpi=DPI, width_px=w, height_px=h, sent_width=812,
                        sent_height=1176)


def cell(order: int, category: Category, box: Optional[list[float]], text: str = "",
         fmt: CellFormat = CellFormat.MARKDOWN, **extra) -> Cell:
    pt = [v * 72 / DPI for v in box] if box else None
    return Cell(order=order, category=category, bbox_px=box, bbox_pt=pt, text=text, format=fmt, **extra)


def make_source(path: Path, pages: int) -> Path:
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=W_PT, height=H_PT)
        page.insert_text((60, 80), f"Page {n + 1} of the viewer test document", fontsize=14)
    doc.save(path)
    doc.close()
    return path


def write_output(out: Path, name: str, pages: list[PageResult], source: Optional[Path] = None,
                 mode: Mode = Mode.LAYOUT, page_count: Optional[int] = None) -> Path:
    """`OUT/<name>/<name>.json` as parse writes it (same writer); returns the document folder."""
    from dotsparse.writers.document import write_document
    from dotsparse.writers.paths import DocPaths
    from dotsparse.writers.registry import DocumentTarget

    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    info = DocumentInfo(source=str(source) if source else str(out / "gone.pdf"),
                        sha256=file_sha256(source) if source else "0" * 64, kind="pdf",
                        page_count=page_count or len(pages), pages_selected=[p.page for p in pages], dpi=DPI,
                        engine="openai", model="dots.ocr", mode=mode, dotsparse_version="test")
    write_document(DocumentTarget(paths=DocPaths(root=folder, name=name), info=info, outputs={}), pages)
    return folder


def layout_page(n: int) -> PageResult:
    cells = [cell(0, Category.PAGE_HEADER, [80, 40, 500, 70], f"Running header {n}"),
             cell(1, Category.TITLE, [80, 100, 700, 160], f"# Title of page {n}"),
             cell(2, Category.TEXT, [80, 180, 740, 400], f"Body text of page {n} with **bold** and $x_i^2$."),
             cell(3, Category.TABLE, [80, 420, 740, 600],
                  "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>", CellFormat.HTML),
             cell(4, Category.FORMULA, [120, 620, 700, 700], r"\frac{a}{b} = \sqrt{c}", CellFormat.LATEX),
             cell(5, Category.TEXT, None, "A block whose box was unusable."),
             cell(6, Category.PAGE_FOOTER, [400, 1100, 430, 1130], str(n)),
             cell(7, Category.PICTURE, [80, 720, 300, 900], "", CellFormat.NONE, asset=f"images/p{n:04d}-007.png")]
    return PageResult(page=n, status=PageStatus.OK, geometry=geometry(), cells=cells)


@dataclass
class Opened:
    page: object
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser):
    """Open a file:// page; every request is routed (and recorded) and anything not file:// is aborted."""
    contexts = []

    def open_(path: Path, width: int = 1400, height: int = 900, scale: float = 1.0, hash_: str = "",
              wait: bool = True) -> Opened:
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page=page)

        def route(r):
            opened.requests.append(r.request.url)
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: opened.errors.append(str(e)))

        def dialog(d):
            opened.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.add_init_script("window.__pwned = []; window.addEventListener('securitypolicyviolation', "
                             "e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));")
        page.goto(path.resolve().as_uri() + hash_)
        if wait:
            page.wait_for_selector("#pages > section")
        return opened

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def layout_doc(tmp_path) -> Path:
    """A two-page layout document with a real source PDF; returns the viewer's HTML file."""
    out = tmp_path / "out"
    source = make_source(tmp_path / "source.pdf", 2)
    write_output(out, "doc", [layout_page(1), layout_page(2)], source)
    from PIL import Image

    (out / "doc" / "images").mkdir()
    for n in (1, 2):
        Image.new("RGB", (220, 180), (200, 120, 40)).save(out / "doc" / "images" / f"p{n:04d}-007.png")
    build_views(out)
    return out / "doc" / "doc.html"


def wait_until(page, expression: str, timeout_s: float = 10.0) -> None:
    """Poll `expression` from Python: Playwright's wait_for_function compiles it in the page, which the
    viewer's policy (no eval) rightly refuses."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)
