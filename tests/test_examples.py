"""The scripts in examples/ run as a user would run them (the embedded engine, the shipped example docs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_python_api_example(tmp_path):
    out = _run(str(EXAMPLES / "python_api.py"), cwd=tmp_path)
    assert "paper.pdf: ok, 2 page(s)" in out and "Reading Documents the Way People Do" in out


@pytest.mark.slow
def test_parse_many_example_resumes(tmp_path):
    # the PDF only: OCR of the scanned page is the slow part and adds nothing to what this checks
    out = _run(str(EXAMPLES / "parse_many.py"), str(EXAMPLES / "docs" / "paper.pdf"), "-o", str(tmp_path / "out"),
               cwd=tmp_path)
    assert "first run: 2 pages, 0 reused" in out and "second run: 2 pages, 2 reused" in out
    assert (tmp_path / "out" / "paper" / "paper.md").is_file()
