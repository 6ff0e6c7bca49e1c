"""Recover the list of layout elements from a dots.ocr answer, however broken.

The answer should be a JSON array of {"bbox", "category", "text"} objects. Real answers arrive
truncated, with `}{` between objects, trailing commas, a missing `]`, unescaped LaTeX backslashes,
duplicated elements and repetition loops. We decode object by object, so one bad element never
costs the others, and every fix is recorded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import json_repair

from ..model import Repair
from ..repetition import find_repetition, trim_repetition

_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings are common
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?|\n?\s*```\s*$")
_BAD_ESCAPE = re.compile(r'(?<!\\)((?:\\\\)*)\\(?![\\"/bfnrtu])')


@dataclass
class Recovered:
    elements: list[dict] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    parsed: bool = True  # False: nothing resembling the layout JSON was found

    def note(self, kind: str, detail: str = "") -> None:
        self.repairs.append(Repair(kind=kind, detail=detail))


def recover_elements(answer: str) -> Recovered:
    """Parse a layout answer into element dicts (not yet validated) plus the repairs applied."""
    out = Recovered()
    text = answer.strip()
    if not text:
        out.parsed = False
        out.note("empty_answer")
        return out
    stripped = _FENCE.sub("", text)
    if stripped != text:
        out.note("code_fence_removed")
        text = stripped.strip()
    whole = _try_whole(text)
    if whole is not None:
        out.elements = whole
    else:
        _scan_objects(text, out)
    _drop_duplicates(out)
    _trim_element_loop(out)
    return out


def _try_whole(text: str) -> list[dict] | None:
    try:
        value = json.loads(text, strict=False)
    except ValueError:
        return None
    if isinstance(value, dict):
        for key in ("layout", "elements", "blocks", "layout_dets"):
            if isinstance(value.get(key), list):
                value = value[key]
                break
        else:
            value = [value]
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return value
    return None


def _scan_objects(text: str, out: Recovered) -> None:
    """Decode `{...}` objects one by one from wherever the array should be."""
    pos = text.find("[")
    first_obj = text.find("{")
    if first_obj < 0:
        out.parsed = False
        out.note("no_json_found")
        return
    if pos < 0 or pos > first_obj:
        out.note("missing_open_bracket")
    pos = first_obj
    expect_comma = False
    closed = False
    while pos < len(text):
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
        elif ch == ",":
            if not expect_comma:
                out.note("extra_comma", f"at char {pos}")
            expect_comma = False
            pos += 1
        elif ch == "]":
            if not expect_comma and out.elements:
                out.note("trailing_comma")
            closed = True
            tail = text[pos + 1:].strip()
            if tail:
                out.note("text_after_array", tail[:40])
            break
        elif ch == "{":
            if expect_comma:
                out.note("missing_comma", f"at char {pos}")
            pos = _decode_one(text, pos, out)
            expect_comma = True
        else:
            nxt = text.find("{", pos)
            out.note("junk_skipped", text[pos:pos + 20] if nxt < 0 else text[pos:nxt][:40])
            if nxt < 0:
                break
            pos = nxt
    if not closed:
        out.note("missing_close_bracket")


def _decode_one(text: str, pos: int, out: Recovered) -> int:
    """Decode the object at `pos`; returns the position after it (or the end on truncation)."""
    try:
        obj, end = _DECODER.raw_decode(text, pos)
    except ValueError:
        obj, end = _decode_with_fixes(text, pos, out)
    if isinstance(obj, dict):
        out.elements.append(obj)
    return end


def _decode_with_fixes(text: str, pos: int, out: Recovered) -> tuple[object, int]:
    end = _object_end(text, pos)
    fragment = text[pos:end]
    if end < len(text) or fragment.rstrip().endswith("}"):
        fixed = _BAD_ESCAPE.sub(r"\1\\\\", fragment)
        try:
            obj = json.loads(fixed, strict=False)
            out.note("invalid_escape_fixed")
            return obj, end
        except ValueError:
            pass
    # The last, unterminated object: keep what it says, flagged as truncated.
    fragment, looped = trim_repetition(fragment)
    if looped:
        out.note("repetition_trimmed", "inside the last element")
    obj = json_repair.loads(_BAD_ESCAPE.sub(r"\1\\\\", fragment))
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        obj = obj[0]
    if isinstance(obj, dict) and obj:
        obj["__truncated__"] = end >= len(text)
        out.note("truncated_element_recovered" if end >= len(text) else "broken_element_recovered",
                 f"at char {pos}")
        return obj, end
    out.note("element_unrecoverable", fragment[:60])
    return None, end


def _object_end(text: str, pos: int) -> int:
    """Index just past the `}` that closes the object at `pos`, honouring strings; len(text) if none."""
    depth = 0
    in_str = False
    i = pos
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def _drop_duplicates(out: Recovered) -> None:
    """Remove exact repeats (same box, category and text); keeps the first, text with braces included."""
    seen: set[str] = set()
    kept: list[dict] = []
    dropped = 0
    for el in out.elements:
        key = json.dumps([el.get("bbox"), el.get("category"), el.get("text")], sort_keys=True, default=str)
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(el)
    if dropped:
        out.note("duplicates_removed", str(dropped))
        out.elements = kept


def _trim_element_loop(out: Recovered) -> None:
    """The answer ending in the same element(s) over and over (boxes drifting) is a loop: keep one copy."""
    keys = [(el.get("category"), el.get("text")) for el in out.elements]
    found = find_repetition(keys, max_period=8, min_repeats=4, min_chars=4)
    if found is None:
        return
    start, period = found
    removed = len(out.elements) - (start + period)
    out.elements = out.elements[: start + period]
    out.note("element_loop_trimmed", f"{removed} repeated elements")
