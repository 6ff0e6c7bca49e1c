"""The page image as an engine receives it, kept as PNG bytes.

A 200-dpi page is ~11 MB as pixels and ~0.2–1 MB as PNG. Holding only the PNG, base64-encoded as
the request body carries it, keeps one copy per page in flight; the PNG and the pixels are decoded
again only for the rare consumers that need them (crops, overlays, in-process models, fallbacks).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image

PNG_LEVEL = 1  # zlib level 1: several times faster than the default, files ~25% larger


@dataclass(frozen=True)
class SentImage:
    b64: bytes  # base64 of the PNG
    width: int
    height: int

    @property
    def png(self) -> bytes:
        return base64.b64decode(self.b64)

    @classmethod
    def encode(cls, image: Image.Image) -> "SentImage":
        """Lossless PNG; Pillow releases the GIL while encoding, so encoding threads use every core."""
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=PNG_LEVEL)
        return cls(b64=base64.b64encode(buf.getvalue()), width=image.width, height=image.height)

    def decode(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.png))
        image.load()
        return image.convert("RGB") if image.mode != "RGB" else image
