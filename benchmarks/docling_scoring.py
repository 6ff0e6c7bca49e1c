"""Scoring against docling's reference Markdown: token F1, reading order, character accuracy.

Applied alike to every tool: HTML tags and link targets are stripped, text is lower-cased and
split into letter/digit tokens (any script, so Arabic and Chinese count too).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from difflib import SequenceMatcher

_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")  # HTML table markup: <td colspan="2"> is syntax, not page text
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # Markdown image/link: keep the label, drop the target
_COMMENT = re.compile(r"<!--.*?-->", re.S)  # docling's "<!-- image -->" placeholders
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def visible_text(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", _LINK.sub(r"\1", _COMMENT.sub(" ", markup))))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(visible_text(text).lower())


def token_f1(truth: str, got: str) -> float:
    t, g = Counter(tokens(truth)), Counter(tokens(got))
    common = sum((t & g).values())
    if not common:
        return 0.0
    p, r = common / sum(g.values()), common / sum(t.values())
    return 2 * p * r / (p + r)


def blocks(markdown: str) -> list[str]:
    """The reference's paragraphs (blank-line separated), those with at least four tokens."""
    return [b for b in re.split(r"\n\s*\n", markdown) if len(tokens(b)) >= 4]


def _occurrences(flat: str, probe: str) -> list[int]:
    out, at = [], flat.find(probe)
    while at >= 0:
        out.append(at)
        at = flat.find(probe, at + 1)
    return out


def order_score(truth_md: str, got: str) -> float:
    """Share of consecutive reference paragraphs, both found in the output, that appear in the same order.

    A paragraph is found by its first eight tokens; where those occur several times (boilerplate,
    lorem ipsum) the first occurrence after the previous paragraph's counts, else the first one."""
    flat = " ".join(tokens(got))
    pos, last = [], -1
    for b in blocks(truth_md):
        hits = _occurrences(flat, " ".join(tokens(b)[:8]))
        after = [h for h in hits if h > last]
        at = after[0] if after else (hits[0] if hits else -1)
        pos.append(at)
        if at >= 0:
            last = at
    found = [p for p in pos if p >= 0]
    pairs = list(zip(found, found[1:]))
    return sum(a < b for a, b in pairs) / len(pairs) if pairs else 1.0


def char_accuracy(truth: str, got: str) -> float:
    """1 - normalised edit distance (via difflib's matching blocks) over whitespace-normalised visible text."""
    a = " ".join(tokens(truth))
    b = " ".join(tokens(got))
    if not a:
        return 1.0 if not b else 0.0
    matched = sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return 2 * matched / (len(a) + len(b))
