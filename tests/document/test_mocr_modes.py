"""dots.mocr's web, scene and svg modes through the CLI and the fake server."""

from __future__ import annotations

import lxml.etree

from tests.run.conftest import load_doc, parse


def test_web_mode_sends_the_web_prompt_and_parses_layout(tmp_path, server, make_doc, validate):
    path, spec = make_doc(doc_id=7, pages=1)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--mode", "web").exit_code == 0
    [request] = server.requests
    assert request.prompt_name == "web_parsing" and request.temperature == 0.1
    doc = validate(out / "doc7" / "doc7.json")
    assert doc["document"]["mode"] == "web"
    assert [c["category"] for c in doc["pages"][0]["cells"]] == [b.category for b in spec.pages[0].blocks]


def test_scene_mode_gives_text_cells_with_boxes(tmp_path, server, make_doc):
    path, spec = make_doc(doc_id=8, pages=1)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--mode", "scene").exit_code == 0
    assert server.requests[0].prompt_name == "scene_spotting"
    page = load_doc(out, "doc8")["pages"][0]
    assert page["status"] == "ok" and page["cells"] and all(c["category"] == "Text" for c in page["cells"])
    assert all(c["bbox_px"] for c in page["cells"])


def test_svg_mode_writes_a_sanitized_svg_file(tmp_path, server, make_doc, validate):
    path, _ = make_doc(doc_id=9, pages=1)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url, "--mode", "svg").exit_code == 0
    [request] = server.requests
    doc = validate(out / "doc9" / "doc9.json")
    geometry = doc["pages"][0]["geometry"]
    assert request.prompt_name == "svg" and request.temperature == 0.9
    assert request.prompt.endswith(f'viewBox="0 0 {geometry["width_px"]} {geometry["height_px"]}"')
    [cell] = doc["pages"][0]["cells"]
    assert cell["format"] == "svg" and cell["asset"].startswith("svg/") and cell["asset"].endswith(".svg")
    svg = (out / "doc9" / cell["asset"]).read_bytes()
    root = lxml.etree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    names = {lxml.etree.QName(e).localname for e in root.iter()}
    assert {"rect", "circle", "text"} <= names and not names & {"script", "foreignObject", "image", "a", "iframe"}
    attrs = [(k, v) for e in root.iter() for k, v in e.attrib.items()]
    assert not [a for a in attrs if a[0].startswith("on") or "http" in a[1] or "javascript" in a[1]]
    assert f"]({cell['asset']})" in (out / "doc9" / "doc9.md").read_text()
    assert not list((out / "doc9").glob("images/*"))  # no page crop for the SVG cell


def test_an_explicit_temperature_wins_and_embedded_refuses_mocr_modes(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=10, pages=1)
    assert parse(path, "-o", tmp_path / "o", "--server", server.url, "--mode", "svg",
                 "--temperature", "0.5").exit_code == 0
    assert server.requests[0].temperature == 0.5
    result = parse(path, "-o", tmp_path / "e", "--engine", "embedded", "--mode", "scene")
    assert result.exit_code == 2 and "dots.mocr" in result.output


def test_plain_scene_text_is_kept_and_an_svg_less_answer_fails_visibly(tmp_path, server, make_doc):
    from tests.support.fake_server import GARBAGE_TEXT, Fault

    path, _ = make_doc(doc_id=12, pages=1)
    server.faults = lambda no, key, name: Fault.garbage()
    assert parse(path, "-o", tmp_path / "s", "--server", server.url, "--mode", "scene").exit_code == 0
    [cell] = load_doc(tmp_path / "s", "doc12")["pages"][0]["cells"]
    assert cell["category"] == "Text" and cell["text"] == GARBAGE_TEXT
    result = parse(path, "-o", tmp_path / "v", "--server", server.url, "--mode", "svg", "--fallback", "none")
    page = load_doc(tmp_path / "v", "doc12")["pages"][0]
    assert result.exit_code == 1 and page["status"] == "failed" and page["error"] == "the answer holds no <svg>"
    assert "<!-- page 1 failed: the answer holds no &lt;svg&gt; -->" in (tmp_path / "v" / "doc12" / "doc12.md").read_text()
