"""The CLI builds its options like the API: defaults, then `--config FILE`, then flags; every usage error exits 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dotsparse.cli import app
from dotsparse.config import Options
from tests.support.docgen import make_pdf, simple_doc
from tests.support.replay import record, write_answers

runner = CliRunner()


def parse(*args):
    return runner.invoke(app, ["parse", *map(str, args), "--quiet"], catch_exceptions=False)


@pytest.fixture
def replayed(tmp_path):
    spec = simple_doc(1, 2)
    pdf = make_pdf(tmp_path / "a.pdf", spec)
    return pdf, write_answers(tmp_path / "answers", record(pdf, spec, dpi=50))


@pytest.mark.parametrize("flags", [
    ["--device", "gpu"], ["--dtype", "int3"], ["--ocr", "sometimes"], ["--engine", "nope"], ["--fallback", "pray"],
    ["--batch-size", "0"], ["--workers", "0"], ["--dpi", "0"], ["--concurrency", "0"], ["--max-failed-ratio", "2"],
    ["--pages", "x"], ["--mode", "box"], ["--box", "1,2,3"], ["--config", "missing.toml"], ["--engine", "replay"],
    ["--engine", "transformers"], ["--no-such-flag"], ["--engine", "replay", "--replay", "no-such-folder"],
])
def test_every_usage_error_exits_2_with_a_message(tmp_path, flags):
    pdf = make_pdf(tmp_path / "a.pdf", simple_doc(1, 1))
    result = parse(pdf, "-o", tmp_path / "o", "--engine", "embedded", *flags)
    assert result.exit_code == 2, (flags, result.output)
    assert "error" in result.output.lower() or "usage" in result.output.lower()


def test_config_file_settings_apply_and_flags_override_them(tmp_path, replayed):
    pdf, answers = replayed
    config = tmp_path / "dotsparse.toml"
    config.write_text(f'engine = "replay"\nreplay = "{answers}"\ndpi = 50\npage_furniture = false\n'
                      f'fallback = []\n[embedded]\nocr = "never"\n')
    out = tmp_path / "o"
    assert parse(pdf, "-o", out, "--config", config).exit_code == 0
    assert "running header" not in (out / "a" / "a.md").read_text()
    run = json.loads((out / "run.json").read_text())
    assert run["engine"] == "replay" and run["pages_by_status"] == {"ok": 2}
    assert parse(pdf, "-o", out, "--config", config, "--page-furniture").exit_code == 0  # the flag wins
    assert "running header" in (out / "a" / "a.md").read_text()
    result = parse(pdf, "-o", out, "--config", config, "--dpi", "72")  # answers recorded at dpi 50
    assert result.exit_code == 1


def test_flag_defaults_are_the_options_defaults():
    from click.testing import CliRunner as ClickRunner  # noqa: F401 - typer's runner wraps it
    from typer.main import get_command

    command = get_command(app).commands["parse"]  # type: ignore[attr-defined]
    defaults = {p.name: p.default for p in command.params}
    options = Options()
    for name in ("dpi", "min_pixels", "max_pixels", "temperature", "top_p", "max_tokens", "concurrency",
                 "timeout", "max_retries", "unavailable_timeout", "overlay", "page_furniture"):
        assert defaults[name] == getattr(options, name), name
    assert defaults["device"] == options.transformers.device and defaults["ocr"] == options.embedded.ocr
    assert defaults["fallback"] == ",".join(options.fallback)


def test_config_file_errors_name_the_setting_as_written(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", simple_doc(1, 1))
    config = tmp_path / "c.toml"
    for text, expected in (('[transformers]\nbogus = 2\n', "[transformers] bogus: unknown setting"),
                           ("transformers = 3\n", "[transformers]: "), ('fallback = "pray"\n', "unknown step")):
        config.write_text(text)
        result = parse(pdf, "-o", tmp_path / "o", "--engine", "embedded", "--config", config)
        assert result.exit_code == 2 and expected in result.output, (text, result.output)
        assert "Traceback" not in result.output
