import pytest
from hypothesis import given, strategies as st

from dotsparse.sizing import MAX_PIXELS, MIN_PIXELS, smart_resize


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
