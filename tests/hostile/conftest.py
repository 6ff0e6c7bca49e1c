"""Shared by the hostile suite: a good document beside every bad one, and readers for what a run left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.run.conftest import load_run


@pytest.fixture
def inputs(tmp_path, make_doc) -> Path:
    """An input folder already holding good.pdf (two pages the fake server knows)."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_doc(doc_id=70, pages=2, name="in/good.pdf")
    return folder


def good_is_ok(out: Path, name: str = "good") -> None:
    """The good document beside the bad ones was processed in full."""
    doc = json.loads((out / name / f"{name}.json").read_text())
    assert [p["status"] for p in doc["pages"]] == ["ok", "ok"]


def failed_files(out: Path) -> dict[str, str]:
    return {Path(f["source"]).name: f["error"] for f in load_run(out)["failed_files"]}
