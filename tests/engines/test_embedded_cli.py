"""The quick start: no server and no model configured, so `--engine auto` runs the embedded engine."""

from typer.testing import CliRunner

from dotsparse.cli import app
from tests.support.docgen import make_pdf, simple_doc


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
