"""Open a source and render its pages: the exact multiple-of-28 image the engine sees, plus geometry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pymupdf
from PIL import Image, ImageOps, UnidentifiedImageError

from .discover import Source
from .errors import SourceError
from .fileio import display, file_sha256  # noqa: F401  (file_sha256 was here; callers keep the name)
from .model import Box, PageGeometry
from .sent_image import SentImage
from .sizing import ASSUMED_IMAGE_DPI, MAX_PIXELS, MIN_PIXELS, image_scale, smart_resize

ORIENTATION_TAG = 0x0112  # EXIF orientation; 5–8 swap width and height
# Checked from the header, before any pixel is decoded: a 134 KB PNG can declare 28000x28000 (2.3 GB of RGB).
# 100 MP is a 600-dpi A3 scan with room to spare; a JPEG over it is decoded reduced (draft), anything else fails.
PIXEL_LIMIT = 100_000_000
Image.MAX_IMAGE_PIXELS = None  # Pillow's own bomb check raises mid-open with a vaguer message; ours runs first


@dataclass(frozen=True)
class RenderOptions:
    dpi: float = 200.0
    min_pixels: int = MIN_PIXELS
    max_pixels: int = MAX_PIXELS


@dataclass
class PageImage:
    pixels: np.ndarray  # RGB, sent_height x sent_width x 3, uint8
    geometry: PageGeometry

    @property
    def image(self) -> Image.Image:
        return Image.fromarray(self.pixels)


class OpenSource:
    """An opened PDF or image file; not thread-safe (PyMuPDF objects are not)."""

    def __init__(self, source: Source, password: Optional[str] = None):
        self.source = source
        self._doc: Optional[pymupdf.Document] = None
        self._img: Optional[Image.Image] = None
        if source.kind == "pdf":
            self._doc = _open_pdf(source.path, password)
            self.page_count = _page_count(self._doc, source.path)
        else:
            self._img = _open_image(source.path)
            self.page_count = getattr(self._img, "n_frames", 1)
        if self.page_count == 0:
            self.close()
            raise SourceError("the file has no pages", source=str(source.path), stage="open")

    def render(self, index: int, options: RenderOptions) -> PageImage:
        if self._doc is not None:
            return _render_pdf_page(self._doc[index], options)
        return _render_image(self._frame(index), options)

    def render_sent(self, index: int, options: RenderOptions) -> tuple[SentImage, PageGeometry]:
        """The page as an engine receives it, encoded; its pixels exist only during this call."""
        if self._doc is not None:
            page = self._doc[index]
            g = _pdf_geometry(page, options)
            pix = _sent_pixmap(page, g)
            return SentImage.encode(_at_sent_size(_pixmap_view(pix), g)), g  # from the pixmap's memory, not a copy
        whole = self.render(index, options)
        return SentImage.encode(whole.pixels), whole.geometry

    def render_regions(self, index: int, options: RenderOptions, boxes_px: list[Box]) -> list[Image.Image]:
        """Parts of the page as `render` draws it, each `boxes_px` box (page pixels) as pixels.

        A PDF renders only the regions, which is several times cheaper than the whole page or than
        decoding the page's PNG again. An image is cut from its own pixels (upright), not from the
        resized copy sent to the engine: page pixels are the file's pixels.
        """
        if self._doc is None:
            assert self._img is not None
            self._img.seek(index)
            upright = ImageOps.exif_transpose(self._img).convert("RGB")
            return [upright.crop(_whole_pixels(b, upright.size)) for b in boxes_px]
        page = self._doc[index]
        g = _pdf_geometry(page, options)
        matrix = _sent_matrix(g)
        if tuple((page.rect * matrix).irect)[2:] == (g.sent_width, g.sent_height):
            return [_render_pdf_region(page, matrix, _pixel_box(g.px_to_sent(b), g)) for b in boxes_px]
        whole = self.render(index, options)
        g = whole.geometry
        return [Image.fromarray(_crop(whole.pixels, _pixel_box(g.px_to_sent(b), g))) for b in boxes_px]

    def geometry(self, index: int, options: RenderOptions) -> PageGeometry:
        """The geometry `render` would give, without rendering (for engines that read the page themselves)."""
        if self._doc is not None:
            return _pdf_geometry(self._doc[index], options)
        frame = self._frame(index)
        frame.load()  # engines that read the file themselves must not get a frame that cannot decode
        return _image_geometry(frame, options)

    def _frame(self, index: int) -> Image.Image:
        assert self._img is not None
        self._img.seek(index)
        if index:  # frame 1 was checked when the file was opened
            _check_pixels(self._img, self.source.path, index)
        return self._img

    def pdf_page(self, index: int) -> Optional[pymupdf.Page]:
        """The PDF page for text-layer reads (None for images); on this object's thread only."""
        return self._doc[index] if self._doc is not None else None

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
    if not doc.is_pdf:  # MuPDF sniffs the content: an HTML error page saved as .pdf opens as HTML
        kind = doc.metadata.get("format") if doc.metadata else None
        doc.close()
        raise SourceError(f"not a readable PDF (the content is {kind or 'another format'})", source=where,
                          stage="open", hint="re-download it: this is often a saved error page")
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


def _page_count(doc: pymupdf.Document, path: Path) -> int:
    try:
        return doc.page_count  # a lying page tree (/Count 1000000, negative) raises here
    except Exception as exc:
        doc.close()
        raise SourceError(f"the page tree is broken ({exc})", source=display(path), stage="open",
                          hint="repair the PDF (e.g. qpdf or mutool clean)") from exc


def _open_image(path: Path) -> Image.Image:
    img = None
    try:
        img = Image.open(path)  # reads the header only
        _check_pixels(img, path, 0)
        img.load()
    except SourceError:
        if img is not None:
            img.close()
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        if img is not None:
            img.close()
        raise SourceError(f"cannot decode the image ({exc})", source=display(path), stage="open",
                          hint="check the file is a complete PNG/JPEG/TIFF/WebP/BMP") from exc
    return img


def _check_pixels(img: Image.Image, path: Path, index: int) -> None:
    """Refuse a frame over PIXEL_LIMIT before decoding it; a JPEG is decoded at 1/2, 1/4 or 1/8 instead."""
    width, height = img.size
    if width * height <= PIXEL_LIMIT:
        return
    reduce = next((k for k in (2, 4, 8) if -(-width // k) * -(-height // k) <= PIXEL_LIMIT), None)
    if img.format == "JPEG" and reduce:
        img.draft(img.mode, (-(-width // reduce), -(-height // reduce)))  # the decoder's own 1/k scaling
        if img.size[0] * img.size[1] <= PIXEL_LIMIT:
            dpi = _image_dpi(img)
            if dpi:  # the page keeps its physical size: fewer pixels per inch
                img.info["dpi"] = (dpi * img.size[0] / width, dpi * img.size[1] / height)
            return
    raise SourceError(f"the image is {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the "
                      f"{PIXEL_LIMIT / 1e6:.0f} MP limit; not decoded", source=display(path),
                      page=index + 1 if index else None, stage="open",
                      hint="downscale it (e.g. to 600 dpi) and run again")


def _pdf_geometry(page: pymupdf.Page, options: RenderOptions) -> PageGeometry:
    rect = page.rect  # already accounts for /Rotate
    width_px = max(1, round(rect.width * options.dpi / 72))
    height_px = max(1, round(rect.height * options.dpi / 72))
    sent_w, sent_h = smart_resize(width_px, height_px, options.min_pixels, options.max_pixels)
    return PageGeometry(width_pt=rect.width, height_pt=rect.height, dpi=options.dpi, width_px=width_px,
                        height_px=height_px, sent_width=sent_w, sent_height=sent_h)


def _sent_matrix(g: PageGeometry) -> pymupdf.Matrix:
    # Render straight at the sent size (separate x/y zoom) so no resampling step blurs small text.
    return pymupdf.Matrix(g.sent_width / g.width_pt, g.sent_height / g.height_pt)


def _sent_pixmap(page: pymupdf.Page, g: PageGeometry) -> pymupdf.Pixmap:
    return page.get_pixmap(matrix=_sent_matrix(g), alpha=False, colorspace=pymupdf.csRGB)


def _at_sent_size(pixels: np.ndarray, g: PageGeometry) -> np.ndarray:
    """The render, resampled in the rare case that rounding made it a pixel off the sent size."""
    if pixels.shape[:2] == (g.sent_height, g.sent_width):
        return pixels
    return np.asarray(Image.fromarray(pixels).resize((g.sent_width, g.sent_height), Image.Resampling.BICUBIC))


def _render_pdf_page(page: pymupdf.Page, options: RenderOptions) -> PageImage:
    g = _pdf_geometry(page, options)
    pix = _sent_pixmap(page, g)  # held while its view is copied
    return PageImage(pixels=np.array(_at_sent_size(_pixmap_view(pix), g)), geometry=g)


def _pixmap_view(pix: pymupdf.Pixmap) -> np.ndarray:
    """The pixmap's samples as an array sharing its memory: valid only while `pix` lives."""
    rows = np.frombuffer(pix.samples_mv, dtype=np.uint8).reshape(pix.height, pix.stride)
    return rows[:, :pix.width * pix.n].reshape(pix.height, pix.width, pix.n)


PixelBox = tuple[int, int, int, int]


def _pixel_box(box_sent: Box, g: PageGeometry) -> PixelBox:
    """Whole pixels inside the sent image, at least one pixel wide and high."""
    x1 = min(max(0, round(box_sent.x1)), g.sent_width - 1)
    y1 = min(max(0, round(box_sent.y1)), g.sent_height - 1)
    return x1, y1, min(max(x1 + 1, round(box_sent.x2)), g.sent_width), min(max(y1 + 1, round(box_sent.y2)), g.sent_height)


def _whole_pixels(box: Box, size: tuple[int, int]) -> PixelBox:
    """A page-pixel box as whole pixels inside an image of `size`, at least one pixel wide and high."""
    x1, y1 = min(max(0, round(box.x1)), size[0] - 1), min(max(0, round(box.y1)), size[1] - 1)
    return x1, y1, min(max(x1 + 1, round(box.x2)), size[0]), min(max(y1 + 1, round(box.y2)), size[1])


def _crop(pixels: np.ndarray, box: PixelBox) -> np.ndarray:
    x1, y1, x2, y2 = box
    return pixels[y1:y2, x1:x2]


def _render_pdf_region(page: pymupdf.Page, matrix: pymupdf.Matrix, box: PixelBox) -> Image.Image:
    x1, y1, x2, y2 = box
    # One pixel of margin: the clip's pixel rectangle is rounded outwards, never inwards.
    clip = pymupdf.Rect((x1 - 1) / matrix.a, (y1 - 1) / matrix.d, (x2 + 1) / matrix.a, (y2 + 1) / matrix.d)
    pix = page.get_pixmap(matrix=matrix, clip=clip, alpha=False, colorspace=pymupdf.csRGB)
    ox, oy = pix.irect[0], pix.irect[1]
    return Image.fromarray(_crop(_pixmap_view(pix), (x1 - ox, y1 - oy, x2 - ox, y2 - oy)).copy())


def _image_geometry(frame: Image.Image, options: RenderOptions) -> PageGeometry:
    known_dpi = _image_dpi(frame)
    dpi = known_dpi or ASSUMED_IMAGE_DPI
    width_px, height_px = _upright_size(frame)
    scale = image_scale(width_px, height_px, known_dpi, options.dpi)  # only images too small to read grow
    sent_w, sent_h = smart_resize(max(1, round(width_px * scale)), max(1, round(height_px * scale)),
                                  options.min_pixels, options.max_pixels)
    return PageGeometry(width_pt=width_px * 72 / dpi, height_pt=height_px * 72 / dpi, dpi=dpi,
                        width_px=width_px, height_px=height_px, sent_width=sent_w, sent_height=sent_h)


def _render_image(frame: Image.Image, options: RenderOptions) -> PageImage:
    g = _image_geometry(frame, options)
    image = ImageOps.exif_transpose(frame).convert("RGB")
    if (g.sent_width, g.sent_height) != image.size:
        image = image.resize((g.sent_width, g.sent_height), Image.Resampling.LANCZOS)
    return PageImage(pixels=np.asarray(image), geometry=g)


def _upright_size(frame: Image.Image) -> tuple[int, int]:
    """The size after EXIF orientation, without transposing the pixels."""
    orientation = frame.getexif().get(ORIENTATION_TAG, 1)
    return (frame.height, frame.width) if orientation in (5, 6, 7, 8) else (frame.width, frame.height)


def _image_dpi(image: Image.Image) -> Optional[float]:
    """The DPI the file's metadata gives, None when it gives none or an implausible one."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 20 <= value <= 2400 else None
