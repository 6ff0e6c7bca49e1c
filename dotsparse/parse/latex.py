"""LaTeX text fixes: delimiters, and backslashes that JSON decoding turned into control characters."""

from __future__ import annotations

import re

# An unescaped "\frac" in JSON decodes to form feed + "rac"; "\beta" to backspace + "eta"; "\tau" to
# tab + "au"; "\nu" to newline + "u". Control characters never belong in LaTeX, so we restore them.
_CONTROL = {"\f": "\\f", "\b": "\\b", "\t": "\\t", "\r": "\\r"}
_NEWLINE_COMMANDS = ("nu", "neq", "ne", "nabla", "not", "newline", "ni", "notin", "nolimits", "neg",
                     "nexists", "nleq", "ngeq", "nmid", "nparallel", "nsubseteq", "nsupseteq")
# After decoding, "\nu" is a newline then "u": match the command's tail after its leading "n".
_NEWLINE_CMD = re.compile(r"\n(" + "|".join(sorted((c[1:] for c in _NEWLINE_COMMANDS), key=len, reverse=True))
                          + r")(?![a-zA-Z])")
_DELIMS = [("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")]
# Math inside prose: `$...$`, `$$...$$`, `\(...\)`, `\[...\]` (decoded controls may sit anywhere inside).
_MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
_FF_BS = re.compile(r"[\f\b](?=[a-zA-Z])")


def restore_latex_escapes(text: str) -> tuple[str, list[str]]:
    restored: list[str] = []
    for ch, esc in _CONTROL.items():
        if ch in text:
            restored.append(esc)
            text = text.replace(ch, esc)
    if _NEWLINE_CMD.search(text):
        restored.append("\\n")
        text = _NEWLINE_CMD.sub(lambda m: "\\n" + m.group(1), text)
    return text, restored


def restore_inline_latex_escapes(text: str) -> tuple[str, list[str]]:
    """The same for prose (Text, List-item, Caption, table cells): inside math spans every decoded escape
    is restored; outside them only form feed and backspace before a letter (never text, always `\\frac`,
    `\\beta`), since a tab or newline there may be the writer's own."""
    restored: set[str] = set()

    def in_math(m: re.Match) -> str:
        fixed, found = restore_latex_escapes(m.group(0))
        restored.update(found)
        return fixed

    def outside(m: re.Match) -> str:
        restored.add(_CONTROL[m.group(0)])
        return _CONTROL[m.group(0)]

    if not any(c in text for c in "\f\b\t\r\n"):
        return text, []
    text = _FF_BS.sub(outside, text)
    text = _MATH_SPAN.sub(in_math, text)
    return text, sorted(restored)


def strip_math_delimiters(text: str) -> str:
    """`$$x$$` -> `x`; a cell holding several formulas (`$x$, $y$`) keeps its own delimiters."""
    body = text.strip()
    for left, right in _DELIMS:
        if body.startswith(left) and body.endswith(right) and len(body) > len(left) + len(right):
            inner = body[len(left): len(body) - len(right)]
            if left in inner or right in inner:
                return body
            return inner.strip()
    return body


def has_math_delimiters(latex: str) -> bool:
    """Whether the LaTeX carries its own math delimiters (so a writer must not wrap it again)."""
    return bool(_MATH_SPAN.search(latex))
