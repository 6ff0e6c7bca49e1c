"""Open documents, cached per worker process so consecutive pages of one file do not reopen it."""

from __future__ import annotations

import io
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import pymupdf

from ...errors import EngineError

_CACHE_SIZE = 4
_open: "OrderedDict[tuple[str, float, str], pymupdf.Document]" = OrderedDict()


def open_document(path: Path, password: Optional[str]) -> pymupdf.Document:
    key = (str(path), path.stat().st_mtime, password or "")
    doc = _open.get(key)
    if doc is not None:
        _open.move_to_end(key)
        return doc
    try:
        doc = pymupdf.open(path)
    except Exception as exc:
        doc = _open_with_pillow(path, exc)
    if doc.needs_pass and not doc.authenticate(password or ""):
        doc.close()
        raise EngineError("the document is encrypted and the password is missing or wrong",
                          source=str(path), stage="embedded", hint="pass the password")
    _open[key] = doc
    while len(_open) > _CACHE_SIZE:
        _, old = _open.popitem(last=False)
        old.close()
    return doc


def load_page(doc: pymupdf.Document, index: int) -> pymupdf.Page:
    page = doc[index]
    if doc.is_pdf and page.rotation:
        # Work in the page as displayed: the pipeline's page pixels are the rotated rendering.
        page.remove_rotation()
    return page


def _open_with_pillow(path: Path, first_error: Exception) -> pymupdf.Document:
    """Image formats MuPDF cannot read (WebP, ...) are decoded by Pillow, one PNG page per frame."""
    from PIL import Image, ImageSequence

    try:
        frames = []
        with Image.open(path) as img:
            for frame in ImageSequence.Iterator(img):
                frames.append(frame.convert("RGB"))
    except Exception:
        raise EngineError(f"cannot open: {first_error}", source=str(path), stage="embedded") from first_error
    doc = pymupdf.open()
    for frame in frames:
        buf = io.BytesIO()
        frame.save(buf, format="PNG")
        page = doc.new_page(width=frame.width, height=frame.height)
        page.insert_image(page.rect, stream=buf.getvalue())
    return doc
