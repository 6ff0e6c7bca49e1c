"""`<doc>.json` and the `-o -` JSON Lines from a real run: each cell's `plain` beside its safe Markdown."""

from __future__ import annotations

import json

import pymupdf
from typer.testing import CliRunner

from dotsparse.cli import app
from dotsparse.model import Cell

LINES = ["If a < b and R&D wins: x<y", "Use <script>alert(1)</script> & *stars*"]


def _pdf(path):
    doc = pymupdf.open()
    page = doc.new_page()
    for i, line in enumerate(LINES):
        page.insert_text((72, 72 + 28 * i), line)
    doc.save(path)
    doc.close()
    return path


def _parse(*args):
    return CliRunner().invoke(app, ["parse", *map(str, args), "--engine", "embedded", "--workers", "1", "--quiet"],
                              catch_exceptions=False)


def test_plain_text_is_what_a_reader_sees_in_the_json_and_the_json_lines(tmp_path, validate):
    pdf = _pdf(tmp_path / "hostile.pdf")
    result = _parse(pdf, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = validate(tmp_path / "out" / "hostile" / "hostile.json")
    cells = data["pages"][0]["cells"]
    assert [c["text"] for c in cells] == ["If a &lt; b and R&D wins: x&lt;y",
                                          "Use &lt;script>alert(1)&lt;/script> & \\*stars\\*"]  # safe Markdown
    # the PDF's literal stars are escaped in the Markdown, so a reader (and `plain`) sees them as stars
    assert [c["plain"] for c in cells] == ["If a < b and R&D wins: x<y", "Use <script>alert(1)</script> & *stars*"]
    assert all(Cell.model_validate(c).plain == c["plain"] for c in cells)

    streamed = _parse(pdf, "-o", "-")
    assert streamed.exit_code == 0
    [line] = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert [c["plain"] for c in line["cells"]] == [c["plain"] for c in cells]
