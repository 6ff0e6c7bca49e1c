import base64

from PIL import Image

from dotsparse.sent_image import SentImage


def test_png_round_trip_is_lossless_and_much_smaller_than_pixels():
    image = Image.new("RGB", (560, 840), "white")
    for y in range(0, 840, 14):
        image.paste((20, 40, 200), (28, y, 532, y + 6))
    sent = SentImage.encode(image)
    assert (sent.width, sent.height) == image.size
    assert sent.png.startswith(b"\x89PNG")
    assert len(sent.png) < len(image.tobytes()) / 10
    assert base64.b64decode(sent.b64) == sent.png
    back = sent.decode()
    assert back.mode == "RGB" and back.tobytes() == image.tobytes()
