"""The transformers engine through the CLI, on a tiny random model built by the test (garbage answers by design)."""

import json

import pytest
from typer.testing import CliRunner

from dotsparse.cli import app
from tests.support.docgen import make_pdf, simple_doc

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.engines.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny"))


def test_parse_with_tiny_model_completes_with_explicit_statuses(tmp_path, tiny_model, validate):
    pdf = make_pdf(tmp_path / "doc.pdf", simple_doc(1, 2))
    out = tmp_path / "out"
    result = runner.invoke(app, ["parse", str(pdf), "-o", str(out), "--engine", "transformers",
                                 "--model", str(tiny_model), "--dpi", "20", "--max-tokens", "24",
                                 "--fallback", "none", "--quiet"])
    assert result.exit_code in (0, 1), result.output
    data = validate(out / "doc" / "doc.json")
    assert data["document"]["engine"] == "transformers"
    assert [p["page"] for p in data["pages"]] == [1, 2]
    for page in data["pages"]:
        # a random model never writes the layout JSON and never stops: each page says so explicitly
        assert page["status"] in ("failed", "truncated", "repaired")
        assert page["usage"]["finish_reason"] == "length"
        assert page["geometry"]["sent_width"] % 28 == 0
        if page["status"] == "failed":
            assert page["error"]
    assert (out / "doc" / "doc.md").is_file()


def test_auto_picks_transformers_for_a_local_model_folder(tmp_path, tiny_model):
    pdf = make_pdf(tmp_path / "doc.pdf", simple_doc(2, 1))
    result = runner.invoke(app, ["parse", str(pdf), "-o", "-", "--model", str(tiny_model), "--dpi", "20",
                                 "--max-tokens", "8", "--fallback", "none", "--quiet"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and records[0]["engine"] == "transformers"


def test_missing_model_folder_is_a_clear_error(tmp_path):
    pytest.importorskip("torch")
    pdf = make_pdf(tmp_path / "doc.pdf", simple_doc(3, 1))
    result = runner.invoke(app, ["parse", str(pdf), "-o", str(tmp_path / "o"), "--engine", "transformers",
                                 "--model", str(tmp_path / "no-such-model"), "--quiet"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
