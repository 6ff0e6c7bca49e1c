"""Helpers shared by the run tests: invoke the CLI in-process and read what it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dotsparse.cli import app

runner = CliRunner()


def parse(*args, quiet: bool = True):
    extra = ["--quiet"] if quiet else []
    return runner.invoke(app, ["parse", *map(str, args), "--dpi", "50", *extra], catch_exceptions=False)


def load_doc(out: Path, name: str) -> dict:
    return json.loads((out / name / f"{name}.json").read_text())


def load_run(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def statuses(out: Path, name: str) -> list[str]:
    return [p["status"] for p in load_doc(out, name)["pages"]]


def without_timings(doc: dict) -> dict:
    """<doc>.json minus the per-run fields: each page's `timings` (seconds measured by whichever run made it)."""
    return {**doc, "pages": [{k: v for k, v in page.items() if k != "timings"} for page in doc["pages"]]}


@pytest.fixture
def cli():
    return parse
