import json

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
