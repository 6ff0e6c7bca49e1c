"""End to end through the CLI against a real local server that answers like dots.ocr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dotsparse import __version__
from dotsparse.cli import app
from tests.support.docgen import Block, DocSpec, PageSpec, make_image, make_pdf, simple_doc
from tests.support.fake_server import Fault

runner = CliRunner()


def parse(*args: str):
    return runner.invoke(app, ["parse", *map(str, args), "--quiet"], catch_exceptions=False)


def load_doc(out: Path, name: str) -> dict:
    return json.loads((out / name / f"{name}.json").read_text())


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_layout_end_to_end_boxes_exact_and_files_complete(tmp_path, server, make_doc, validate):
    path, spec = make_doc(doc_id=1, pages=2)
    out = tmp_path / "out"
    result = parse(path, "-o", out, "--server", server.url, "--dpi", 150, "--overlay")
    assert result.exit_code == 0, result.output
    overlays = sorted((out / "doc1" / "overlay").glob("p*.png"))
    assert [p.name for p in overlays] == ["p0001.png", "p0002.png"]
    data = validate(out / "doc1" / "doc1.json")
    assert data["document"]["sha256"] and data["document"]["mode"] == "layout"
    assert [p["page"] for p in data["pages"]] == [1, 2]
    for page, page_spec in zip(data["pages"], spec.pages):
        assert page["status"] == "ok" and page["geometry"]["dpi"] == 150
        assert [c["category"] for c in page["cells"]] == [b.category for b in page_spec.blocks]
        for cell, block in zip(page["cells"], page_spec.blocks):
            expected_px = [v * 150 / 72 for v in block.rect]
            assert all(abs(a - b) <= 1.0 for a, b in zip(cell["bbox_px"], expected_px)), (cell, block)
            assert all(abs(a - b) <= 72 / 150 for a, b in zip(cell["bbox_pt"], block.rect))
    md = (out / "doc1" / "doc1.md").read_text()
    assert "<!-- page 2 -->" in md and "# Synthetic Document 1" in md and "$$\nE_{1}" in md
    assert "Test report 1 - running header" in md
    nohf = (out / "doc1" / "doc1_nohf.md").read_text()
    assert "running header" not in nohf and "Footnote of page 1" in nohf
    pictures = [c for c in data["pages"][0]["cells"] if c["category"] == "Picture"]
    assert pictures and (out / "doc1" / pictures[0]["asset"]).is_file() and f"]({pictures[0]['asset']})" in md
    tables = sorted((out / "doc1" / "tables").glob("*.html"))
    assert len(tables) == 2 and "<table>" in tables[0].read_text()
    assert len(list((out / "doc1" / "formulas").glob("*.tex"))) == 2
    run = json.loads((out / "run.json").read_text())
    assert run["pages_by_status"] == {"ok": 2}


def test_request_shape_and_api_key(tmp_path, server, make_doc, monkeypatch):
    monkeypatch.setenv("DOTSPARSE_API_KEY", "sk-test")
    path, _ = make_doc(doc_id=2, pages=1)
    result = parse(path, "-o", tmp_path / "o", "--server", server.url, "--temperature", 0.2, "--max-tokens", 999)
    assert result.exit_code == 0
    req = server.requests[0]
    assert req.has_image_prefix and req.prompt_name == "layout_all" and tuple(req.roles) == ("user",)
    assert (req.temperature, req.top_p, req.max_tokens) == (0.2, 1.0, 999)
    assert req.image_size[0] % 28 == 0 and req.image_size[1] % 28 == 0
    assert req.authorization == "Bearer sk-test"


def test_modes(tmp_path, server, make_doc, validate):
    path, spec = make_doc(doc_id=3, pages=1)
    blocks = spec.pages[0].blocks
    runs = {}
    for mode in ("detect", "text", "tables", "formulas", "order"):
        out = tmp_path / mode
        assert parse(path, "-o", out, "--server", server.url, "--mode", mode).exit_code == 0
        runs[mode] = validate(out / "doc3" / "doc3.json")["pages"][0]["cells"]
    assert [c["category"] for c in runs["detect"]] == [b.category for b in blocks]
    assert all(c["text"] == "" and c["format"] == "none" for c in runs["detect"])
    assert [c["order"] for c in runs["order"]] == list(range(len(blocks)))
    assert "Paragraph 1 of page 1" in runs["text"][0]["text"] and "running header" not in runs["text"][0]["text"]
    assert [c["category"] for c in runs["tables"]] == ["Table"] and runs["tables"][0]["format"] == "html"
    assert [c["category"] for c in runs["formulas"]] == ["Formula"] and runs["formulas"][0]["format"] == "latex"
    order_md = (tmp_path / "order" / "doc3" / "doc3.md").read_text()
    assert "Paragraph" not in order_md and "![Picture](images/" in order_md  # no text; crops still linked


def test_box_mode_reads_the_given_region(tmp_path, server, make_doc, validate):
    path, spec = make_doc(doc_id=4, pages=1)
    target = next(b for b in spec.pages[0].blocks if b.category == "Caption")
    box = ",".join(str(round(v * 200 / 72)) for v in target.rect)
    out = tmp_path / "box"
    assert parse(path, "-o", out, "--server", server.url, "--mode", "box", "--box", box).exit_code == 0
    cell = validate(out / "doc4" / "doc4.json")["pages"][0]["cells"][0]
    assert cell["text"] == target.text
    assert server.requests[0].prompt.endswith("]") and server.requests[0].prompt_name == "grounding_ocr"


def test_stdout_json_lines_only(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=5, pages=3)
    result = runner.invoke(app, ["parse", str(path), "-o", "-", "--server", server.url])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["page"] for r in lines) == [1, 2, 3]
    assert all(r["source"] == str(path) and r["status"] == "ok" and r["cells"] for r in lines)


@pytest.mark.parametrize("fault,status,repair", [
    (Fault.truncate(900), "truncated", "truncated"),
    (Fault.loop(3000), "truncated", "repetition_trimmed"),
    (Fault.duplicate(), "repaired", "duplicates_removed"),
    (Fault.missing_commas(), "repaired", "missing_comma"),
    (Fault.trailing_comma(), "repaired", "trailing_comma"),
    (Fault.bad_boxes(), "repaired", "bbox_inverted"),
    (Fault.unknown_category(), "repaired", "category_alias"),
    (Fault.garbage(), "failed", None),
    (Fault.empty(), "failed", None),
])
def test_broken_answers_without_fallback(tmp_path, server, make_doc, validate, fault, status, repair):
    path, spec = make_doc(doc_id=6, pages=2)
    server.set_fault_for((6, 0), fault)
    out = tmp_path / "o"
    result = parse(path, "-o", out, "--server", server.url, "--fallback", "none")
    assert result.exit_code == (1 if status == "failed" else 0)
    data = validate(out / "doc6" / "doc6.json")
    first, second = data["pages"]
    assert first["status"] == status and second["status"] == "ok"
    if repair:
        assert repair in [r["kind"] for r in first["repairs"]]
        assert first["cells"]
    else:
        assert first["error"] and first["cells"] == []
        assert "<!-- page 1 failed" in (out / "doc6" / "doc6.md").read_text()


def test_fallback_ladder_recovers_a_truncated_page(tmp_path, server, make_doc, validate):
    path, spec = make_doc(doc_id=7, pages=1)
    server.set_fault_for((7, 0), Fault.truncate(500), times=1)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    page = validate(out / "doc7" / "doc7.json")["pages"][0]
    assert page["status"] == "fallback" and page["fallbacks"] == ["rescale"]
    assert len(page["cells"]) == len(spec.pages[0].blocks)


def test_server_errors_are_retried(tmp_path, server, make_doc, validate):
    path, _ = make_doc(doc_id=8, pages=1)
    server.fail_next(2, Fault.status(500))
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    page = validate(out / "doc8" / "doc8.json")["pages"][0]
    assert page["status"] == "ok" and page["usage"]["attempts"] == 3


def test_bad_files_do_not_stop_the_folder(tmp_path, server, make_doc, validate):
    folder = tmp_path / "in"
    folder.mkdir()
    make_doc(doc_id=9, pages=1, name="in/good.pdf")
    make_pdf(folder / "locked.pdf", simple_doc(10, 1), password="pw")
    (folder / "fake.pdf").write_text("this is not a pdf")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "bad.png").write_bytes(b"\x89PNG garbage")
    (folder / "notes.txt").write_text("skipped")
    out = tmp_path / "out"
    result = parse(folder, "-o", out, "--server", server.url)
    assert result.exit_code == 1
    assert validate(out / "good" / "good.json")["pages"][0]["status"] == "ok"
    run = json.loads((out / "run.json").read_text())
    failed = {Path(f["source"]).name: f["error"] for f in run["failed_files"]}
    assert set(failed) == {"locked.pdf", "fake.pdf", "empty.pdf", "bad.png"}
    assert "--password" in failed["locked.pdf"] and run["skipped_files"] == 1
    assert parse(folder / "locked.pdf", "-o", out, "--server", server.url, "--password", "pw").exit_code == 0


def test_images_use_their_own_pixels(tmp_path, server, validate):
    page = PageSpec(400, 300, [Block("Text", (40, 40, 360, 120), "Hello image world")])
    server.add_doc(DocSpec(11, [page]))
    path = make_image(tmp_path / "scan.png", page, dpi=72, doc_id=11)
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    cell = validate(out / "scan" / "scan.json")["pages"][0]["cells"][0]
    assert cell["text"] == "Hello image world"
    assert all(abs(a - b) <= 1.0 for a, b in zip(cell["bbox_px"], (40, 40, 360, 120)))


@pytest.mark.parametrize("name", ["..pdf", "...pdf", "a\nb.pdf", "<script>x.pdf", "CON.pdf", "x" * 240 + ".pdf",
                                  "%2e%2e.pdf", " .pdf"])
def test_hostile_names_stay_inside_out(tmp_path, server, make_doc, name):
    make_doc(doc_id=12, pages=1, name=name)
    out = tmp_path / "out"
    assert parse(tmp_path / name, "-o", out, "--server", server.url).exit_code == 0
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".md", ".json", ".html", ".png", ".tex")]
    assert written and all(p.resolve().is_relative_to(out.resolve()) for p in written)
    assert len(list(out.glob("*/*.json"))) == 1


def test_usage_errors_exit_2(tmp_path, make_doc):
    path, _ = make_doc(doc_id=14, pages=1)
    assert parse(tmp_path / "nothing.pdf").exit_code == 2
    assert parse(path, "--pages", "3-1").exit_code == 2
    assert parse(path, "--mode", "box").exit_code == 2
    assert parse(path, "--fallback", "pray").exit_code == 2
    assert parse(path, "--engine", "openai").exit_code == 2  # no --server


def test_prompts_and_schema_commands():
    listed = runner.invoke(app, ["prompts"])
    assert listed.exit_code == 0 and "layout_all" in listed.stdout and "grounding_ocr" in listed.stdout
    assert runner.invoke(app, ["prompts", "ocr"]).stdout == "Extract the text content from this image."
    assert json.loads(runner.invoke(app, ["schema"]).stdout)["title"] == "DocumentResult"


def test_real_subprocess_streams_json_lines(tmp_path, server, make_doc):
    path, _ = make_doc(doc_id=13, pages=2)
    proc = subprocess.run([sys.executable, "-m", "dotsparse", "parse", str(path), "-o", "-", "--server", server.url],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == 2 and {r["page"] for r in records} == {1, 2}
    assert "dotsparse" in proc.stderr  # the summary goes to stderr


def _two_column_page() -> PageSpec:
    """Reading order (left column, then right) differs from position order (row by row)."""
    return PageSpec(595, 842, [
        Block("Section-header", (56, 60, 280, 80), "Left heading"),
        Block("Text", (56, 100, 280, 300), "Left column text"),
        Block("Section-header", (315, 58, 540, 78), "Right heading"),  # a little higher: the same row
        Block("Text", (315, 102, 540, 300), "Right column text"),
        Block("Picture", (56, 400, 540, 600)),
    ])


def test_detect_lists_blocks_by_position_and_order_by_reading(tmp_path, server, validate):
    server.add_doc(DocSpec(13, [_two_column_page()]))
    path = make_pdf(tmp_path / "cols.pdf", DocSpec(13, [_two_column_page()]))
    cells, md = {}, {}
    for mode in ("detect", "order"):
        out = tmp_path / mode
        assert parse(path, "-o", out, "--server", server.url, "--mode", mode).exit_code == 0
        cells[mode] = validate(out / "cols" / "cols.json")["pages"][0]["cells"]
        md[mode] = (out / "cols" / "cols.md").read_text()
    assert [c["order"] for c in cells["detect"]] == list(range(5))
    lefts = [c["bbox_px"][0] < 280 * 200 / 72 for c in cells["detect"]]
    assert lefts == [True, False, True, False, True]  # row by row, each row left to right
    assert [c["category"] for c in cells["order"]] == ["Section-header", "Text", "Section-header", "Text", "Picture"]
    assert [c["bbox_px"][0] < 280 * 200 / 72 for c in cells["order"][:4]] == [True, True, False, False]
    assert [c["category"] for c in cells["detect"]][:2] == ["Section-header", "Section-header"]
    for mode in ("detect", "order"):  # a useful body: one row per block with its order, category, box and crop
        rows = [line for line in md[mode].splitlines() if line.startswith("| ") and not line.startswith("| order")]
        assert [r.split(" | ")[1] for r in rows] == [c["category"] for c in cells[mode]], md[mode]
        first = ", ".join(f"{v:.0f}" for v in cells[mode][0]["bbox_px"])
        assert first in rows[0] and "![Picture](images/" in md[mode]


@pytest.mark.parametrize("command", [[], ["parse"], ["doctor"], ["prompts"], ["models", "download"]])
def test_help_shows_no_value_placeholder_on_flags(command):
    """Flags take no value: no `<bool>` (typer 0.29) or `BOOLEAN` after them, --help included."""
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0 and "--help" in result.output
    assert "<bool>" not in result.output and "BOOLEAN" not in result.output
    if command == ["parse"]:
        flag_rows = [line for line in result.output.splitlines() if "--no-overlay" in line or "--quiet" in line]
        assert len(flag_rows) == 2 and all("Also write" in r or "No progress" in r for r in flag_rows)


def test_a_scan_without_dpi_metadata_goes_to_the_server_at_its_own_size(tmp_path, server, validate):
    from tests.support.docgen import render_page

    page = PageSpec(612, 810, [Block("Text", (72, 72, 540, 200), "A scan with no dpi tag")])  # 1700x2250 at 200 dpi
    server.add_doc(DocSpec(14, [page]))
    path = tmp_path / "scan.png"
    render_page(page, 200, doc_id=14).save(path)  # no dpi metadata
    out = tmp_path / "o"
    assert parse(path, "-o", out, "--server", server.url).exit_code == 0
    assert server.requests[0].image_size == (1708, 2240)  # was 2912x3864: ~3x the image tokens
    cell = validate(out / "scan" / "scan.json")["pages"][0]["cells"][0]
    assert cell["text"] == "A scan with no dpi tag"
    assert all(abs(a - b) <= 2.0 for a, b in zip(cell["bbox_px"], (200, 200, 1500, 556)))
