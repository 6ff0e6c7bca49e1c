import json
import time

import pytest

from hypothesis import HealthCheck, given, settings, strategies as st

from dotsparse.parse.repair import recover_elements

ELEMENTS = [
    {"bbox": [10, 20, 300, 60], "category": "Title", "text": "# A title"},
    {"bbox": [10, 70, 300, 200], "category": "Text", "text": "Body with {braces} and \"quotes\"\nand lines."},
    {"bbox": [10, 210, 300, 260], "category": "Formula", "text": "\\frac{a}{b} = \\sum_{i} x_{i}"},
    {"bbox": [10, 270, 300, 400], "category": "Table", "text": "<table><tr><td rowspan=\"2\">1</td></tr></table>"},
    {"bbox": [10, 410, 300, 500], "category": "Picture"},
    {"bbox": [10, 510, 300, 540], "category": "Page-footer", "text": "7"},
]
VALID = json.dumps(ELEMENTS)


def kinds(rec):
    return [r.kind for r in rec.repairs]


def test_valid_answer_needs_no_repair():
    rec = recover_elements(VALID)
    assert rec.elements == ELEMENTS and rec.repairs == []


def test_missing_and_trailing_commas_and_brackets():
    broken = "[" + "".join(json.dumps(e) for e in ELEMENTS) + ",]"
    rec = recover_elements(broken)
    assert rec.elements == ELEMENTS
    assert "missing_comma" in kinds(rec) and "trailing_comma" in kinds(rec)
    rec = recover_elements(VALID[:-1])
    assert rec.elements == ELEMENTS and "missing_close_bracket" in kinds(rec)


def test_truncation_keeps_every_complete_element_and_the_partial_one():
    cut = VALID.index('"category": "Table"') + 40
    rec = recover_elements(VALID[:cut])
    assert rec.elements[:3] == ELEMENTS[:3]
    assert rec.elements[3]["category"] == "Table" and rec.elements[3]["__truncated__"]
    assert "truncated_element_recovered" in kinds(rec)


def test_duplicates_with_latex_braces_are_deduplicated_not_dropped():
    rec = recover_elements(json.dumps(ELEMENTS + [ELEMENTS[2], ELEMENTS[1]]))
    assert rec.elements == ELEMENTS and "duplicates_removed" in kinds(rec)


def test_repeated_element_loop_is_trimmed():
    loop = ELEMENTS[:2] + [{"bbox": [10, 600 + i, 300, 610 + i], "category": "Text", "text": "same"} for i in range(40)]
    rec = recover_elements(json.dumps(loop))
    assert len(rec.elements) == 3 and "element_loop_trimmed" in kinds(rec)


def test_repetition_loop_in_last_element_is_trimmed():
    answer = VALID[:-1] + ', {"bbox": [1, 2, 3, 4], "category": "Table", "text": "<table><tr>' + "<td></td>" * 2000
    rec = recover_elements(answer)
    assert rec.elements[:6] == ELEMENTS
    assert len(rec.elements[6]["text"]) < 200 and "repetition_trimmed" in kinds(rec)


def test_unescaped_latex_backslash_is_recovered():
    answer = '[{"bbox": [1, 2, 3, 4], "category": "Formula", "text": "\\alpha + \\(x\\)"}]'
    rec = recover_elements(answer)
    assert rec.elements[0]["text"] == "\\alpha + \\(x\\)"


def test_fences_objects_and_garbage():
    assert recover_elements("```json\n" + VALID + "\n```").elements == ELEMENTS
    assert recover_elements(json.dumps({"layout": ELEMENTS})).elements == ELEMENTS
    rec = recover_elements("I cannot help with that.")
    assert not rec.parsed and rec.elements == []
    assert not recover_elements("   ").parsed


def _complete_prefix_count(text: str) -> int:
    """How many elements of VALID are wholly contained in `text`."""
    count = 0
    for i in range(1, len(ELEMENTS) + 1):
        if json.dumps(ELEMENTS[:i])[:-1] in text:
            count = i
    return count


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(VALID)))
def test_any_truncation_never_crashes_and_keeps_complete_cells(cut):
    text = VALID[:cut]
    rec = recover_elements(text)
    complete = _complete_prefix_count(text)
    assert rec.elements[:complete] == ELEMENTS[:complete]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_corruption_never_crashes(data):
    text = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["delete", "insert", "dup"]))
        if op == "delete":
            text = text[:pos] + text[pos + data.draw(st.integers(1, 5)):]
        elif op == "insert":
            text = text[:pos] + data.draw(st.sampled_from(["{", "}", ",", "]", "[", '"', "\\", "}{", "\n"])) + text[pos:]
        else:
            text = text[:pos] + text[pos:pos + 30] * 20 + text[pos:]
    rec = recover_elements(text)
    assert all(isinstance(e, dict) for e in rec.elements)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(ELEMENTS) - 1), min_size=1, max_size=12), st.sampled_from(["", ",", ", ", "\n"]))
def test_any_separator_damage_keeps_every_element(order, sep):
    elements = [ELEMENTS[i] for i in order]
    text = "[" + sep.join(json.dumps(e) for e in elements) + "]"
    rec = recover_elements(text)
    unique = []
    for e in elements:
        if e not in unique:
            unique.append(e)
    # consecutive repeats may be collapsed as a loop, but nothing distinct is lost
    assert all(e in rec.elements for e in unique)


def test_an_element_missing_its_closing_brace_costs_only_itself():
    # Defect 2: a missing `}` used to swallow every later element and mark the page truncated.
    parts = [json.dumps(e) for e in ELEMENTS]
    parts[1] = parts[1][:-1]  # the Text element never closes
    rec = recover_elements("[" + ", ".join(parts) + "]")
    assert rec.elements[0] == ELEMENTS[0] and rec.elements[2:] == ELEMENTS[2:]
    assert rec.elements[1]["text"] == ELEMENTS[1]["text"] and not rec.elements[1]["__truncated__"]
    assert "broken_element_recovered" in kinds(rec) and "truncated_element_recovered" not in kinds(rec)


def test_an_element_missing_its_closing_quote_costs_only_itself():
    parts = [json.dumps(e) for e in ELEMENTS]
    parts[0] = parts[0].replace('"# A title"', '"# A title')
    rec = recover_elements("[" + ", ".join(parts) + "]")
    assert rec.elements[1:] == ELEMENTS[1:] and rec.elements[0]["category"] == "Title"


def test_a_loop_cut_by_the_token_limit_is_trimmed_with_its_half_written_copy():
    # Defect 3: the last, half-written copy used to stop loop detection; boxes drift by a few pixels.
    copy = {"category": "Text", "text": "Total ......................... 12"}
    loop = [dict(copy, bbox=[10, 600 + i % 3, 300, 640 + i % 5]) for i in range(40)]
    answer = json.dumps(ELEMENTS + loop)[:-1]
    answer = answer[: answer.rindex('"text"') + 20]  # the 40th copy is cut in its text
    rec = recover_elements(answer)
    assert rec.elements[:6] == ELEMENTS and len(rec.elements) == 7 and "element_loop_trimmed" in kinds(rec)


def test_repeated_elements_far_apart_are_not_a_loop():
    rows = [{"bbox": [10, 100 + 40 * i, 300, 130 + 40 * i], "category": "Text", "text": "Signature: ______"}
            for i in range(6)]
    assert recover_elements(json.dumps(ELEMENTS + rows)).elements == ELEMENTS + rows


def test_a_different_element_cut_after_a_loop_is_kept():
    loop = [{"bbox": [10, 600, 300, 640], "category": "Text", "text": "again"} for _ in range(10)]
    answer = json.dumps(loop + [{"bbox": [1, 2, 3, 4], "category": "Caption", "text": "Figure 1: the end"}])
    rec = recover_elements(answer[: answer.rindex("the end")])
    assert [e["category"] for e in rec.elements] == ["Text", "Caption"]


@pytest.mark.parametrize("answer", [
    '[{"bbox": [1, 2, 3, 4], "category": "Text", "text": "' + "a" * 1_000_000,  # one letter looping to the limit
    '[{"bbox": [1, 2, 3, 4], "category": "Text", "text": "a"}' + "\n" * 200_000 + " x",  # newlines forever
    "[" + ", ".join('{"bbox": [1, %d, 3, 400], "category": "Text", "text": "w%d"' % (i, i) for i in range(2000)) + "]",
])
def test_a_huge_or_broken_answer_is_recovered_in_linear_time(answer):
    # Each of these was quadratic or worse: every period of the loop walked a million characters in Python,
    # the fence regex rescanned every whitespace run, and each element missing its `}` scanned to the end.
    started = time.perf_counter()
    found = recover_elements(answer)
    assert time.perf_counter() - started < 5 and found.elements
