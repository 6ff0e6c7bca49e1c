"""The model's image-size rule: sides multiple of 28 px within a pixel budget."""

from __future__ import annotations

import math

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
