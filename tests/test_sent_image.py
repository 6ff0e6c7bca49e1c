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
    back = sent.decode()
    assert back.mode == "RGB" and back.tobytes() == image.tobytes()


def test_base64_pieces_concatenate_to_the_whole_encoding():
    for size in (1, 2, 3, 49151, 49152, 49153, 3 * 49152 + 7):
        sent = SentImage(png=bytes(range(256)) * (size // 256) + bytes(size % 256), width=1, height=1)
        whole = base64.b64encode(sent.png)
        assert b"".join(sent.b64_pieces()) == whole and sent.b64_length == len(whole)
