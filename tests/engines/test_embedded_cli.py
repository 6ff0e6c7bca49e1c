"""The quick start: no server and no model configured, so `--engine auto` runs the embedded engine."""

import json

from PIL import Image
from typer.testing import CliRunner

from dotsparse.cli import app
from tests.support.docgen import Block, DocSpec, PageSpec, make_pdf, simple_doc


def test_default_engine_without_server_is_embedded_and_writes_everything(tmp_path, validate, monkeypatch):
    monkeypatch.delenv("DOTSPARSE_SERVER", raising=False)
    pdf = make_pdf(tmp_path / "report.pdf", simple_doc(1, 3), marker=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["parse", str(pdf), "-o", str(out), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = validate(out / "report" / "report.json")
    assert data["document"]["engine"] == "embedded"
    assert all(p["status"] == "ok" for p in data["pages"])
    md = (out / "report" / "report.md").read_text()
    assert "Synthetic Document 1" in md and "<table>" in md and "<!-- page 3 -->" in md
    nohf = (out / "report" / "report_nohf.md").read_text()
    assert "running header" not in nohf and "Paragraph 1 of page 2" in nohf


def test_pages_are_rendered_only_when_a_crop_needs_the_pixels(tmp_path, monkeypatch):
    """The embedded engine reads pages itself: the pipeline draws only the regions it crops, never whole pages."""
    from dotsparse.raster import OpenSource

    monkeypatch.delenv("DOTSPARSE_SERVER", raising=False)
    rendered: list[int] = []
    whole: list[int] = []
    real_regions, real_render = OpenSource.render_regions, OpenSource.render

    def counting_regions(self, index, options, boxes):
        rendered.append(index + 1)
        return real_regions(self, index, options, boxes)

    def counting_render(self, index, options):
        whole.append(index + 1)
        return real_render(self, index, options)

    monkeypatch.setattr(OpenSource, "render_regions", counting_regions)
    monkeypatch.setattr(OpenSource, "render", counting_render)
    full = simple_doc(1, 1).pages[0]
    plain = PageSpec(595, 842, [Block("Text", (56, 80, 539, 160), "Only prose on this page, nothing to crop.")])
    pdf = make_pdf(tmp_path / "report.pdf", DocSpec(1, [full, plain, full]), marker=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["parse", str(pdf), "-o", str(out), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    pages = json.loads((out / "report" / "report.json").read_text())["pages"]
    cropped = sorted({p["page"] for p in pages for c in p["cells"] if c["asset"] and c["asset"].endswith(".png")})
    assert sorted(rendered) == cropped == [1, 3]
    assert whole == []
    for page in pages:
        for cell in page["cells"]:
            if cell["asset"] and cell["asset"].endswith(".png"):
                with Image.open(out / "report" / cell["asset"]) as crop:
                    assert crop.width > 10 and crop.height > 10
