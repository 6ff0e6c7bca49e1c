"""`dotsparse view`'s building rules, without a browser: page images reused, never drawn from a changed source."""

from __future__ import annotations

import json

from dotsparse.viewer import build_views
from tests.viewer.conftest import layout_page, make_source, write_output


def summary(html_path) -> dict:
    text = html_path.read_text()
    start = text.index('id="dotsparse-document">') + len('id="dotsparse-document">')
    return json.loads(text[start:text.index("</script>", start)])


def test_images_are_reused_from_the_same_source_and_dropped_when_it_changed(tmp_path):
    out = tmp_path / "out"
    source = make_source(tmp_path / "s.pdf", 2)
    write_output(out, "doc", [layout_page(1), layout_page(2)], source)
    build_views(out)
    image = out / "doc" / "view" / "p0001.jpg"
    first = image.stat().st_mtime_ns
    build_views(out)
    assert image.stat().st_mtime_ns == first, "same source: the page image is not rendered again"
    assert summary(out / "doc" / "doc.html")["pages"][0]["image"] == "view/p0001.jpg"
    make_source(source, 3)  # the file at the recorded path is now another document
    build_views(out)
    assert image.stat().st_mtime_ns == first, "images rendered from the parsed file stay valid"
    image.unlink()
    build_views(out)
    page = summary(out / "doc" / "doc.html")["pages"][0]
    assert not image.exists(), "never rendered from a file that is not the one parsed"
    assert "image" not in page and "has changed since it was parsed" in page["image_note"]


def test_a_relative_source_is_found_beside_the_output_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    source = make_source(project / "docs" / "a.pdf", 1)
    out = project / "out"
    folder = write_output(out, "a", [layout_page(1)], source)
    data = json.loads((folder / "a.json").read_text())
    data["document"]["source"] = "docs/a.pdf"  # as a run started in project/ records it
    (folder / "a.json").write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)  # `dotsparse view project/out` from elsewhere
    build_views(project / "out")
    assert (folder / "view" / "p0001.jpg").is_file()
