import io

import numpy as np
import pytest
from PIL import Image

from dotsparse.png import png_bytes


def test_every_pixel_survives_in_every_mode_including_byte_wraparound():

    rng = np.random.default_rng(7)
    for mode, channels in (("RGB", 3), ("L", 1), ("RGBA", 4)):
        for w, h in ((1, 1), (37, 1), (1, 29), (61, 43), (5, 64), (5, 65), (17, 130)):  # 64-row chunks
            data = rng.integers(0, 256, size=(h, w, channels), dtype=np.uint8)
            image = Image.fromarray(data.squeeze(-1) if channels == 1 else data, mode)
            decoded = Image.open(io.BytesIO(png_bytes(image)))
            decoded.load()  # Pillow checks each chunk's CRC and the zlib stream
            assert decoded.mode == mode and decoded.size == (w, h)
            assert decoded.tobytes() == image.tobytes()


def test_palette_and_bilevel_images_are_sent_as_rgb():
    image = Image.new("P", (20, 10))
    image.putpalette([255, 0, 0] + [0, 0, 255] * 255)
    image.paste(1, (5, 0, 15, 10))
    assert Image.open(io.BytesIO(png_bytes(image))).tobytes() == image.convert("RGB").tobytes()
    bilevel = Image.new("1", (9, 9), 1)
    assert Image.open(io.BytesIO(png_bytes(bilevel))).convert("RGB").getpixel((4, 4)) == (255, 255, 255)


def test_arrays_encode_like_the_images_that_hold_them():
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, size=(70, 33, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, size=(70, 33), dtype=np.uint8)
    assert png_bytes(rgb) == png_bytes(Image.fromarray(rgb))
    assert Image.open(io.BytesIO(png_bytes(rgb))).tobytes() == rgb.tobytes()
    assert Image.open(io.BytesIO(png_bytes(grey))).tobytes() == grey.tobytes()
    with pytest.raises(ValueError):
        png_bytes(rgb.astype(np.float32))
