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


def strip_math_delimiters(text: str) -> str:
    body = text.strip()
    for left, right in _DELIMS:
        if body.startswith(left) and body.endswith(right) and len(body) > len(left) + len(right):
            return body[len(left): len(body) - len(right)].strip()
    return body
