"""The model's image-size rule: sides multiple of 28 px within a pixel budget."""

from __future__ import annotations

import math
from typing import Optional

PATCH = 28
MIN_PIXELS = 3136
MAX_PIXELS = 11_289_600
MAX_ASPECT = 200


def smart_resize(width: int, height: int, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS,
                 factor: int = PATCH) -> tuple[int, int]:
    """Return (width, height) the model will see; raises ValueError on an aspect ratio it refuses."""
    if width <= 0 or height <= 0:
        raise ValueError(f"image has no pixels ({width}x{height})")
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ValueError(f"aspect ratio {max(width, height) / min(width, height):.0f} is over {MAX_ASPECT}")
    w = max(factor, round(width / factor) * factor)
    h = max(factor, round(height / factor) * factor)
    if w * h > max_pixels:
        beta = math.sqrt(width * height / max_pixels)
        w = max(factor, math.floor(width / beta / factor) * factor)
        h = max(factor, math.floor(height / beta / factor) * factor)
    elif w * h < min_pixels:
        beta = math.sqrt(min_pixels / (width * height))
        w = math.ceil(width * beta / factor) * factor
        h = math.ceil(height * beta / factor) * factor
        if w * h > max_pixels:
            return smart_resize(w, h, min_pixels, max_pixels, factor)
    return w, h


ASSUMED_IMAGE_DPI = 96.0  # an image without DPI metadata may be a screen capture (the reference parser's assumption)
PAGE_SQUARE_INCHES = 8.5 * 11  # US Letter, the smaller of the two common page sizes (A4 is 8.27 x 11.69)


def legible_pixels(dpi: float) -> float:
    """The pixels of a page at `dpi`: text in an image that size is as large as on a PDF page rendered at `dpi`."""
    return PAGE_SQUARE_INCHES * dpi * dpi


def image_scale(width: int, height: int, image_dpi: Optional[float], dpi: float) -> float:
    """How much an image's own pixels are scaled before the model's 28-px rounding and pixel budget.

    - A scan whose metadata says it is finer than `dpi` comes down to `dpi`, like a PDF page.
    - Otherwise an image keeps its own pixels unless it has fewer than a page at `dpi` (3.74 MP at 200 dpi):
      then its text is smaller than the model reads best, and it is upscaled towards that size, by at most
      `dpi` over its own dpi (96 when unknown). More pixels for a larger image add tokens, not legibility.
    """
    if image_dpi is not None and image_dpi >= dpi:
        return dpi / image_dpi
    area = width * height
    if area >= legible_pixels(dpi):
        return 1.0
    return max(1.0, min(dpi / (image_dpi or ASSUMED_IMAGE_DPI), math.sqrt(legible_pixels(dpi) / area)))
