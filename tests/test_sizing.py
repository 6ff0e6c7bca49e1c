import pytest
from hypothesis import given, strategies as st

from dotsparse.sizing import MAX_PIXELS, MIN_PIXELS, image_scale, legible_pixels, smart_resize


def test_reference_examples():
    assert smart_resize(1654, 2339) == (1652, 2352)
    assert smart_resize(5000, 7000) == (2828, 3948)


def test_refuses_extreme_aspect():
    with pytest.raises(ValueError):
        smart_resize(10, 5000)


@given(st.integers(30, 9000), st.integers(30, 9000))
def test_always_multiple_of_28_within_budget(w, h):
    if max(w, h) / min(w, h) > 200:
        return
    sw, sh = smart_resize(w, h)
    assert sw % 28 == 0 and sh % 28 == 0
    assert MIN_PIXELS <= sw * sh <= MAX_PIXELS


def test_a_page_sized_scan_without_dpi_is_not_upscaled():
    assert image_scale(1700, 2250, None, 200) == 1.0  # was x2.08 (96 dpi assumed): 2912x3864 after the budget cap
    assert image_scale(1654, 2339, None, 200) == 1.0  # A4 at 200 dpi
    assert image_scale(1700, 2250, 72, 200) == 1.0  # a meaningless 72-dpi tag changes nothing either


def test_small_images_are_upscaled_towards_a_page_at_dpi_by_at_most_dpi_over_their_own():
    assert image_scale(816, 1056, None, 200) == pytest.approx(200 / 96)  # a Letter page captured at 96 dpi
    assert image_scale(612, 792, 72, 200) == pytest.approx(200 / 72)
    assert image_scale(800, 200, None, 200) == pytest.approx(200 / 96)  # a small crop: the cap applies
    s = image_scale(1400, 1900, None, 200)  # a little under a page: only up to a page's pixels
    assert 1.0 < s < 200 / 96 and 1400 * 1900 * s * s == pytest.approx(legible_pixels(200))


def test_a_fine_scan_comes_down_to_dpi_like_a_pdf_page():
    assert image_scale(5100, 6600, 600, 200) == pytest.approx(1 / 3)


@given(st.integers(30, 9000), st.integers(30, 9000), st.sampled_from([None, 72.0, 96.0, 150.0, 300.0]),
       st.sampled_from([72.0, 150.0, 200.0, 300.0]))
def test_upscaling_never_passes_a_page_at_dpi_nor_the_dpi_ratio(w, h, image_dpi, dpi):
    s = image_scale(w, h, image_dpi, dpi)
    if s > 1:
        assert w * h * s * s <= legible_pixels(dpi) * 1.0001
        assert s <= dpi / (image_dpi or 96) + 1e-9
    elif image_dpi is None or image_dpi < dpi:
        assert s == 1.0  # without finer metadata an image is never shrunk below its own pixels
