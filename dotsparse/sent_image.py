"""The page image as an engine receives it, kept as PNG bytes.

A 200-dpi page is ~11 MB as pixels and ~0.2–1 MB as PNG. Each page in flight holds only its PNG;
the base64 a request body carries (a third larger) is made piece by piece as the body is sent, and
the pixels are decoded again only for the rare consumers that need them (in-process models, the
rescale fallback).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Iterator

from PIL import Image

from .png import Pixels, as_array, png_bytes


B64_PIECE = 3 * 16384  # bytes of PNG per base64 piece: a multiple of 3, so pieces concatenate without padding


@dataclass(frozen=True)
class SentImage:
    png: bytes
    width: int
    height: int

    @classmethod
    def encode(cls, image: Pixels) -> "SentImage":
        """Lossless 8-bit PNG of grey, RGB or RGBA pixels (other image modes are converted to RGB first)."""
        pixels = as_array(image)
        return cls(png=png_bytes(pixels), width=pixels.shape[1], height=pixels.shape[0])

    @property
    def b64_length(self) -> int:
        return 4 * -(-len(self.png) // 3)

    def b64_pieces(self) -> Iterator[bytes]:
        """The PNG's base64, in pieces whose concatenation is `base64.b64encode(png)`."""
        view = memoryview(self.png)
        for start in range(0, len(view), B64_PIECE):
            yield base64.b64encode(view[start:start + B64_PIECE])

    def decode(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.png))
        image.load()
        return image.convert("RGB") if image.mode != "RGB" else image
