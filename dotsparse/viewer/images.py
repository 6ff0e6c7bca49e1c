"""Page images for viewing: JPEGs of the whole page, rendered again from the source the JSON names.

The source is used only if it is still the file that was parsed (same sha256); otherwise the viewer shows
the boxes on a blank page of the page's size and says why. Not thread-safe (PyMuPDF): call from one thread.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Optional

import pymupdf
from PIL import Image, ImageOps

from ..fileio import atomic_write_bytes, file_sha256
from ..model import DocumentInfo

VIEW_LONG_SIDE = 1200  # pixels on the longer side: sharp in a half-screen pane; ~100 KB and 4 MB decoded a page
JPEG_QUALITY = 80


def locate_source(info: DocumentInfo, roots: list[Path]) -> tuple[Optional[Path], Optional[str]]:
    """(the source file, None) when found unchanged, else (None, why not). Relative sources were relative to
    the working folder of the run: try there, then beside each of `roots`."""
    recorded = Path(info.source)
    candidates = [recorded] if recorded.is_absolute() else [recorded, *(r / recorded for r in roots)]
    seen = [c for c in candidates if c.is_file()]
    if not seen:
        return None, f"source not found at {info.source}: boxes are drawn on a blank page"
    for path in seen:
        if file_sha256(path) == info.sha256:
            return path, None
    return None, f"{info.source} has changed since it was parsed: boxes are drawn on a blank page"


class PageImages:
    """Opens the source once and writes one JPEG per requested page."""

    def __init__(self, source: Path, kind: str, password: Optional[str] = None):
        self._pdf: Optional[pymupdf.Document] = None
        self._img: Optional[Image.Image] = None
        if kind == "pdf":
            self._pdf = pymupdf.open(source, filetype="pdf")
            if self._pdf.needs_pass and not (password and self._pdf.authenticate(password)):
                self.close()
                raise ValueError("the PDF is password-protected: pass --password")
        else:
            self._img = Image.open(source)

    def write(self, page_no: int, path: Path) -> None:
        atomic_write_bytes(path, _jpeg(self._render(page_no - 1)))

    def _render(self, index: int) -> Image.Image:
        if self._pdf is not None:
            page = self._pdf[index]
            zoom = VIEW_LONG_SIDE / max(page.rect.width, page.rect.height)
            pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, colorspace=pymupdf.csRGB)
            return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        assert self._img is not None
        self._img.seek(index)
        frame = ImageOps.exif_transpose(self._img).convert("RGB")
        frame.thumbnail((VIEW_LONG_SIDE, VIEW_LONG_SIDE), Image.Resampling.LANCZOS)
        return frame

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
        if self._img is not None:
            self._img.close()
        self._pdf = self._img = None


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
