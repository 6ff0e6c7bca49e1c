"""Detect and trim the model's repetition loops (`<td></td>` forever, `....`, one line again and again).

Shared by the answer repair and by the transformers engine's stopping criterion, so a loop is
recognised the same way whether generation is cut early or the answer arrives already looping.
"""

from __future__ import annotations

from typing import Optional, Sequence

MAX_PERIOD = 200  # longest repeated unit considered (a table row, a sentence)
MIN_REPEATS = 12  # a unit repeated this often in a row at the end is a loop
MIN_LOOP_CHARS = 120  # ...and covers at least this many characters
KEEP_REPEATS = 3  # how many copies of the unit a trimmed text keeps


def find_repetition(text: Sequence, max_period: int = MAX_PERIOD, min_repeats: int = MIN_REPEATS,
                    min_chars: int = MIN_LOOP_CHARS) -> Optional[tuple[int, int]]:
    """Return (start, period) of a loop that runs to the end of `text`, or None.

    `start` is where the first copy of the repeated unit begins; `text[start:start+period]`
    is the unit. Only loops that reach the end count: that is what an unterminated generation
    looks like, and it keeps legitimate repeated content in the middle of a page intact.
    """
    n = len(text)
    best: Optional[tuple[int, int]] = None
    for period in range(1, min(max_period, n // min_repeats) + 1):
        start = _loop_start(text, period)
        covered = n - start
        if covered >= period * min_repeats and covered >= min_chars:
            if best is None or start < best[0]:
                best = (start, period)
    return best


def _loop_start(text: Sequence, period: int) -> int:
    """The smallest i with text[i:] == text[i+period:] + one unit, i.e. where the run of period `period` starts.

    Compared in slices that double while they match and halve when they do not, so a 1M-character
    loop costs a few C-level comparisons per period instead of a Python step per character.
    """
    i = len(text) - period  # text[j] == text[j + period] holds for every j in [i, n - period)
    step = 16
    while step and i > 0:
        j = max(0, i - step)
        if text[j:i] == text[j + period:i + period]:
            i = j
            step *= 2
        else:
            step //= 2
    return i


def trim_repetition(text: str, keep: int = KEEP_REPEATS) -> tuple[str, bool]:
    """Cut a trailing loop down to `keep` copies of its unit; returns (text, trimmed?)."""
    found = find_repetition(text)
    if found is None:
        return text, False
    start, period = found
    return text[: start + keep * period], True
