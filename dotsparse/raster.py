"""Open a source and render its pages: the exact multiple-of-28 image the engine sees, plus geometry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pymupdf
from PIL import Image, ImageOps, UnidentifiedImageError

from .discover import Source
from .errors import SourceError
from .model import PageGeometry
from .sizing import MAX_PIXELS, MIN_PIXELS, smart_resize

ORIENTATION_TAG = 0x0112  # EXIF orientation; 5–8 swap width and height
DEFAULT_IMAGE_DPI = 96.0  # images without DPI metadata count as screen resolution, as in the reference parser
Image.MAX_IMAGE_PIXELS = 400_000_000  # large scans are legitimate; the pixel budget bounds what we keep


@dataclass(frozen=True)
class RenderOptions:
    dpi: float = 200.0
    min_pixels: int = MIN_PIXELS
    max_pixels: int = MAX_PIXELS


@dataclass
class PageImage:
    image: Image.Image  # RGB, exactly geometry.sent_width x sent_height
    geometry: PageGeometry


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class OpenSource:
    """An opened PDF or image file; not thread-safe (PyMuPDF objects are not)."""

    def __init__(self, source: Source, password: Optional[str] = None):
        self.source = source
        self._doc: Optional[pymupdf.Document] = None
        self._img: Optional[Image.Image] = None
        if source.kind == "pdf":
            self._doc = _open_pdf(source.path, password)
            self.page_count = self._doc.page_count
        else:
            self._img = _open_image(source.path)
            self.page_count = getattr(self._img, "n_frames", 1)
        if self.page_count == 0:
            self.close()
            raise SourceError("the file has no pages", source=str(source.path), stage="open")

    def render(self, index: int, options: RenderOptions) -> PageImage:
        if self._doc is not None:
            return _render_pdf_page(self._doc[index], options)
        assert self._img is not None
        self._img.seek(index)
        return _render_image(self._img, options)

    def geometry(self, index: int, options: RenderOptions) -> PageGeometry:
        """The geometry `render` would give, without rendering (for engines that read the page themselves)."""
        if self._doc is not None:
            return _pdf_geometry(self._doc[index], options)
        assert self._img is not None
        self._img.seek(index)
        return _image_geometry(self._img, options)

    def close(self) -> None:
        if self._doc is not None:
            self._doc.close()
        if self._img is not None:
            self._img.close()
        self._doc = self._img = None

    def __enter__(self) -> "OpenSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_pdf(path: Path, password: Optional[str]) -> pymupdf.Document:
    where = str(path)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises FileDataError, RuntimeError, ... for broken files
        raise SourceError(f"not a readable PDF ({exc})", source=where, stage="open",
                          hint="check the file is a complete PDF; re-download or repair it") from exc
    if doc.needs_pass:
        if password is None:
            doc.close()
            raise SourceError("the PDF is password-protected", source=where, stage="open",
                              hint="pass --password")
        if not doc.authenticate(password):
            doc.close()
            raise SourceError("the password does not open this PDF", source=where, stage="open",
                              hint="check --password")
    return doc


def _open_image(path: Path) -> Image.Image:
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SourceError(f"cannot decode the image ({exc})", source=str(path), stage="open",
                          hint="check the file is a complete PNG/JPEG/TIFF/WebP/BMP") from exc
    return img


def _pdf_geometry(page: pymupdf.Page, options: RenderOptions) -> PageGeometry:
    rect = page.rect  # already accounts for /Rotate
    width_px = max(1, round(rect.width * options.dpi / 72))
    height_px = max(1, round(rect.height * options.dpi / 72))
    sent_w, sent_h = smart_resize(width_px, height_px, options.min_pixels, options.max_pixels)
    return PageGeometry(width_pt=rect.width, height_pt=rect.height, dpi=options.dpi, width_px=width_px,
                        height_px=height_px, sent_width=sent_w, sent_height=sent_h)


def _render_pdf_page(page: pymupdf.Page, options: RenderOptions) -> PageImage:
    g = _pdf_geometry(page, options)
    # Render straight at the sent size (separate x/y zoom) so no resampling step blurs small text.
    matrix = pymupdf.Matrix(g.sent_width / g.width_pt, g.sent_height / g.height_pt)
    pix = page.get_pixmap(matrix=matrix, alpha=False, colorspace=pymupdf.csRGB)
    image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    if image.size != (g.sent_width, g.sent_height):
        image = image.resize((g.sent_width, g.sent_height), Image.Resampling.BICUBIC)
    return PageImage(image=image, geometry=g)


def _image_geometry(frame: Image.Image, options: RenderOptions) -> PageGeometry:
    dpi = _image_dpi(frame)
    width_px, height_px = _upright_size(frame)
    scale = options.dpi / dpi  # small images are upscaled so small text stays legible
    sent_w, sent_h = smart_resize(max(1, round(width_px * scale)), max(1, round(height_px * scale)),
                                  options.min_pixels, options.max_pixels)
    return PageGeometry(width_pt=width_px * 72 / dpi, height_pt=height_px * 72 / dpi, dpi=dpi,
                        width_px=width_px, height_px=height_px, sent_width=sent_w, sent_height=sent_h)


def _render_image(frame: Image.Image, options: RenderOptions) -> PageImage:
    g = _image_geometry(frame, options)
    image = ImageOps.exif_transpose(frame).convert("RGB")
    if (g.sent_width, g.sent_height) != image.size:
        image = image.resize((g.sent_width, g.sent_height), Image.Resampling.LANCZOS)
    return PageImage(image=image, geometry=g)


def _upright_size(frame: Image.Image) -> tuple[int, int]:
    """The size after EXIF orientation, without transposing the pixels."""
    orientation = frame.getexif().get(ORIENTATION_TAG, 1)
    return (frame.height, frame.width) if orientation in (5, 6, 7, 8) else (frame.width, frame.height)


def _image_dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 20 <= value <= 2400 else DEFAULT_IMAGE_DPI
