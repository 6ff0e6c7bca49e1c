"""Generated hostile material: PDFs whose structure lies, broken images, special files, odd names."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pymupdf
from PIL import Image

from tests.support.docgen import make_pdf, simple_doc


def plain_pdf(pages: int = 3) -> bytes:
    """An uncompressed PDF whose objects can be edited with bytes.replace (MuPDF repairs the xref)."""
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page()
    return doc.tobytes(garbage=0, no_new_id=1)


def lying_pdf(path: Path, how: str) -> Path:
    base = plain_pdf(3)
    edits = {
        "count_huge": (b"/Count 3", b"/Count 1000000"),
        "count_negative": (b"/Count 3", b"/Count -5"),
        "kid_cycle": (b"/Kids[4 0 R 6 0 R 8 0 R]", b"/Kids[4 0 R 2 0 R 8 0 R]"),
        "self_parent": (b"/Type/Page/MediaBox[0 0 595 842]/Rotate 0/Resources 3 0 R/Parent 2 0 R",
                        b"/Type/Pages/Count 2/Kids[2 0 R]/Parent 2 0 R"),
        "zero_mediabox": (b"/MediaBox[0 0 595 842]", b"/MediaBox[0 0 0 0]"),
        "huge_mediabox": (b"/MediaBox[0 0 595 842]", b"/MediaBox[0 0 14400 14400]"),
        "no_pages": (b"/Count 3/Kids[4 0 R 6 0 R 8 0 R]", b"/Count 0/Kids[]"),
    }
    old, new = edits[how]
    assert old in base, how
    path.write_bytes(base.replace(old, new))
    return path


def truncated_pdf(path: Path, doc_id: int = 90) -> Path:
    make_pdf(path, simple_doc(doc_id, 2))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def png_bomb(path: Path, width: int = 28000, height: int = 28000) -> Path:
    """A valid PNG header declaring width x height grey pixels, with a tiny (highly compressed) body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = (b"\x00" + b"\xff" * width) * 500
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(rows) for _ in range(height // 500)) + comp.flush()
    height = height // 500 * 500
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def tiff_with_corrupt_frame(path: Path) -> Path:
    """Two frames; the second frame's strip data is overwritten with garbage."""
    frames = [Image.new("RGB", (200, 150), c) for c in ("white", "grey")]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    data = bytearray(buf.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as img:
        img.seek(1)
        offset = img.tag_v2[273][0]  # StripOffsets of frame 2
        length = img.tag_v2[279][0]
    data[offset:offset + length] = b"\xff\x00" * (length // 2) + b"\xff" * (length % 2)
    path.write_bytes(bytes(data))
    return path


def truncated_png(path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buf, format="PNG")
    path.write_bytes(buf.getvalue()[:60])
    return path
