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
_FENCE_OPEN = re.compile(r"\s*```[a-zA-Z]*\s*\n?")
_BAD_ESCAPE = re.compile(r'(?<!\\)((?:\\\\)*)\\(?![\\"/bfnrtu])')
# Where the next element starts: used to resynchronise after an element that never closes.
_ELEMENT_START = re.compile(r'\{\s*"(?:bbox|category|text)"\s*:')
BOX_DRIFT_PX = 12  # copies of one element whose box corners move less than this are the same loop


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
    stripped = _strip_fence(text)
    if stripped != text:
        out.note("code_fence_removed")
        text = stripped.strip()
    whole = _try_whole(text)
    if whole is not None:
        out.elements = whole
    else:
        _scan_objects(text, out)
        if not out.elements and out.parsed:  # JSON-like, yet not one element in it: a rejected answer
            out.parsed = False
            out.note("no_element_recovered")
    _drop_duplicates(out)
    _trim_element_loop(out)
    return out


def _strip_fence(text: str) -> str:
    """The answer without a Markdown code fence around it. No regex over the whole text: one that may
    start anywhere rescans every run of whitespace, quadratic on an answer that loops on newlines."""
    m = _FENCE_OPEN.match(text)
    if m:
        text = text[m.end():]
    tail = text.rstrip()
    return tail[:-3].rstrip() if tail.endswith("```") else text


def _try_whole(text: str) -> list[dict] | None:
    try:
        value = json.loads(text, strict=False)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than any layout answer
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
    except (ValueError, RecursionError):
        obj, end = _decode_with_fixes(text, pos, out)
    if isinstance(obj, dict):
        out.elements.append(obj)
    return end


def _decode_with_fixes(text: str, pos: int, out: Recovered) -> tuple[object, int]:
    nxt = _ELEMENT_START.search(text, pos + 1)
    # Scanning stops where the next element starts: a run of elements missing their `}` stays linear.
    end = _object_end(text, pos, nxt.start() + 1 if nxt is not None else len(text))
    if nxt is not None and nxt.start() < end:
        # The element never closed before the next one starts (a missing `}` or `"`): it costs only itself.
        return _recover_fragment(text[pos:nxt.start()].rstrip().rstrip(","), pos, out, truncated=False), nxt.start()
    fragment = text[pos:end]
    if end < len(text) or fragment.rstrip().endswith("}"):
        fixed = _BAD_ESCAPE.sub(r"\1\\\\", fragment)
        try:
            obj = json.loads(fixed, strict=False)
            out.note("invalid_escape_fixed")
            return obj, end
        except ValueError:
            pass
    # The last, unterminated object: keep what it says, flagged as truncated unless the array closed.
    truncated = end >= len(text) and not fragment.rstrip().endswith("]")
    return _recover_fragment(fragment, pos, out, truncated=truncated), end


def _recover_fragment(fragment: str, pos: int, out: Recovered, truncated: bool) -> object:
    fragment, looped = trim_repetition(fragment)
    if looped:
        out.note("repetition_trimmed", "inside the last element" if truncated else f"inside the element at char {pos}")
    try:
        obj = json_repair.loads(_BAD_ESCAPE.sub(r"\1\\\\", fragment))
    except Exception:  # json_repair gives up on some junk (deep nesting): the element is lost, alone
        obj = None
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        obj = obj[0]
    if isinstance(obj, dict) and obj:
        obj["__truncated__"] = truncated
        out.note("truncated_element_recovered" if truncated else "broken_element_recovered", f"at char {pos}")
        return obj
    out.note("element_unrecoverable", fragment[:60])
    return None


def _object_end(text: str, pos: int, stop: int) -> int:
    """Index just past the `}` that closes the object at `pos`, honouring strings; len(text) if none
    closes before `stop`."""
    depth = 0
    in_str = False
    i = pos
    while i < stop:
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


class _LoopKey:
    """An element as loop detection compares it: same category and text, box within a few pixels."""

    __slots__ = ("category", "text", "box")

    def __init__(self, el: dict):
        self.category, self.text = el.get("category"), el.get("text")
        box = el.get("bbox")
        self.box = box if isinstance(box, list) and all(isinstance(v, (int, float)) for v in box) else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _LoopKey) or (self.category, self.text) != (other.category, other.text):
            return False
        if self.box is None or other.box is None:
            return self.box is other.box
        return len(self.box) == len(other.box) and all(
            abs(a - b) <= BOX_DRIFT_PX for a, b in zip(self.box, other.box))


def _trim_element_loop(out: Recovered) -> None:
    """The answer ending in the same element(s) over and over (boxes drifting) is a loop: keep one copy.
    A last copy cut short by the token limit belongs to the loop too."""
    elements = out.elements
    partial = bool(elements) and bool(elements[-1].get("__truncated__"))
    complete = elements[:-1] if partial else elements
    keys = [_LoopKey(el) for el in complete]
    found = find_repetition(keys, max_period=8, min_repeats=4, min_chars=4)
    if found is None:
        return
    start, period = found
    unit = complete[start:start + period]
    if partial and not _continues(elements[-1], unit[(len(complete) - start) % period]):
        unit = unit + [elements[-1]]  # a different element after the loop: kept
    removed = len(elements) - start - len(unit)
    out.elements = elements[:start] + unit
    out.note("element_loop_trimmed", f"{removed} repeated elements")


def _continues(partial: dict, expected: dict) -> bool:
    """Whether a cut-off element is the start of the loop's next copy."""
    text, full = partial.get("text"), expected.get("text")
    same_text = text is None or (isinstance(text, str) and isinstance(full, str) and full.startswith(text))
    return partial.get("category") in (None, expected.get("category")) and same_text
