import hashlib

import pytest

from dotsparse.errors import UsageError
from dotsparse.model import Box, Mode
from dotsparse.prompts import (PROMPT_NAMES, describe_prompt, grounding_prompt, load_prompt, prompt_for,
                               svg_prompt)

# sha256 of the reference strings (shared/reference/dots-ocr.md §1): the model was trained on these bytes.
EXPECTED = {
    "layout_all": "16ff71ac5d218f35e5b3db41240b6e70741498bc099db3fa922ce1ff972e3b2f",
    "layout_only": "d10f3720942d901f61cd1c313a6ba8305ec5e9674c56907ea92f82ad0d5f5fbf",
    "ocr": "8ee4c4b75c200c7f8877e3344318a5bb2280f3878d42007b2c717b3c46a11865",
    "grounding_ocr": "b18d62ea1e6619773144ba448c1f149ff694f9a8b673472b7706ae67c0f110a9",
    "web_parsing": "b73be01f5c6f81ab7e206406cab01b08eff8c30d0726face84946ae09970ce20",
    "scene_spotting": "5dec57c9dbd669545baafce3c40fed998b310df927a7692ba7a9edd506f9d71f",
    "svg": "eabc45c2af0cc8f5f8cf9a01ce84131f52d7fc91b89df4d1ab849f8d1b464df7",
    "describe_mocr": "cf3410c85a607d6682cda21cd0c9bf4ace9c9c1beefb4ef86966599a4e6f9bc4",
    "describe_picture": "80198fc9f8efbffd1d1be9438b9cf7478a25326cbdeb3bee870604a62777733a",
}


@pytest.mark.parametrize("name", PROMPT_NAMES)
def test_prompt_bytes_match_reference_hash(name):
    assert hashlib.sha256(load_prompt(name).encode("utf-8")).hexdigest() == EXPECTED[name]


def test_layout_prompt_shape():
    text = load_prompt("layout_all")
    assert text.endswith("single JSON object.\n") and "\n    - Picture:" in text
    assert not load_prompt("layout_only").endswith("\n")


def test_modes_pick_prompts_and_grounding_appends_box(tmp_path):
    assert prompt_for(Mode.TABLES) == load_prompt("layout_all")
    assert prompt_for(Mode.ORDER) == load_prompt("layout_only")
    assert grounding_prompt(load_prompt("grounding_ocr"), Box(x1=12.4, y1=34, x2=567, y2=889.6)).endswith(
        "Bounding Box:\n[12, 34, 567, 890]")
    own = tmp_path / "p.txt"
    own.write_text("My prompt")
    assert prompt_for(Mode.LAYOUT, own) == "My prompt"
    with pytest.raises(UsageError):
        prompt_for(Mode.LAYOUT, tmp_path / "missing.txt")


def test_sha256sums_lists_every_prompt_with_its_hash():
    from importlib.resources import files

    sums = dict(reversed(line.split("  ")) for line in
                files("dotsparse.prompt_files").joinpath("SHA256SUMS").read_text().splitlines() if line)
    assert {name: sums[f"{name}.txt"] for name in PROMPT_NAMES} == EXPECTED


def test_dots_mocr_prompts_exact_strings(tmp_path):
    assert load_prompt("web_parsing") == "Parsing the layout info of this webpage image with format json:\n"
    assert load_prompt("scene_spotting") == "Detect and recognize the text in the image."
    assert svg_prompt(prompt_for(Mode.SVG), 1654, 2339) == (
        'Please generate the SVG code based on the image.viewBox="0 0 1654 2339"')
    assert load_prompt("describe_mocr") == "Please describe the content of this image."
    assert (Mode.SVG.default_temperature, Mode.LAYOUT.default_temperature) == (0.9, 0.1)
    assert describe_prompt(None) == load_prompt("describe_picture")
    assert describe_prompt("describe_mocr") == load_prompt("describe_mocr")
    own = tmp_path / "d.txt"
    own.write_text("Describe {this}")
    assert describe_prompt(str(own)) == "Describe {this}"
    with pytest.raises(UsageError):
        describe_prompt(str(tmp_path / "missing.txt"))
