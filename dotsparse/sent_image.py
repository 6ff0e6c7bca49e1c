"""The page image as an engine receives it, kept as PNG bytes.

A 200-dpi page is ~11 MB as pixels and ~0.2–1 MB as PNG. Holding only the PNG while a request is in
flight keeps memory small and flat however many pages are in flight; the pixels are decoded again
only for the rare consumers that need them (crops, overlays, in-process models).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

PNG_LEVEL = 1  # zlib level 1: several times faster than the default, files ~25% larger


@dataclass(frozen=True)
class SentImage:
    png: bytes
    width: int
    height: int

    @classmethod
    def encode(cls, image: Image.Image) -> "SentImage":
        """Lossless PNG; Pillow releases the GIL while encoding, so encoding threads use every core."""
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=PNG_LEVEL)
        return cls(png=buf.getvalue(), width=image.width, height=image.height)

    def decode(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.png))
        image.load()
        return image.convert("RGB") if image.mode != "RGB" else image
