"""Input folders holding special files, links, unreadable parts and undecodable names."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.hostile.conftest import failed_files, good_is_ok
from tests.run.conftest import load_run, parse


@pytest.mark.parametrize("make,reason", [
    (lambda p: os.mkfifo(p), "a FIFO"),
    (lambda p: os.symlink("/dev/zero", p), "a device"),
    (lambda p: os.symlink(p.parent / "nowhere.pdf", p), "a symlink to nothing"),
])
def test_special_files_are_never_opened(tmp_path, server, inputs, make, reason):
    make(inputs / "special.pdf")
    out = tmp_path / "o"
    result = parse(inputs, "-o", out, "--server", server.url, "--timeout", 10)  # a hang would time the test out
    assert result.exit_code == 1
    assert reason in failed_files(out)["special.pdf"]
    good_is_ok(out)
    assert load_run(out)["unaccounted"] == []


def test_special_file_given_by_name_is_not_opened(tmp_path, server, inputs):
    os.mkfifo(inputs / "pipe.pdf")
    out = tmp_path / "o"
    assert parse(inputs / "pipe.pdf", inputs / "good.pdf", "-o", out, "--server", server.url).exit_code == 1
    assert "not a regular file (a FIFO)" in failed_files(out)["pipe.pdf"]
    good_is_ok(out)


def _deny(monkeypatch, target):
    """As root, chmod 000 denies nothing: make the walk meet the PermissionError a user would."""
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) == os.fspath(target):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)
    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_subfolder_is_reported_and_fails_the_run(tmp_path, server, inputs, make_doc, monkeypatch):
    locked = inputs / "locked"
    locked.mkdir()
    make_doc(doc_id=71, pages=1, name="in/locked/hidden-from-us.pdf")
    if os.geteuid() == 0:
        _deny(monkeypatch, locked)
    else:
        locked.chmod(0)
    try:
        out = tmp_path / "o"
        result = parse(inputs, "-o", out, "--server", server.url)
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1
    assert "cannot list the folder (Permission denied)" in failed_files(out)["locked"]
    good_is_ok(out)


def test_unreadable_file_fails_alone(tmp_path, server, inputs, monkeypatch):
    shutil.copy(inputs / "good.pdf", inputs / "secret.pdf")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p).endswith("secret.pdf") else real(p, mode))
    out = tmp_path / "o"
    assert parse(inputs, "-o", out, "--server", server.url).exit_code == 1
    assert "permission denied" in failed_files(out)["secret.pdf"]
    good_is_ok(out)


def test_hidden_and_unsupported_files_are_named(tmp_path, server, inputs):
    (inputs / "notes.txt").write_text("x")
    (inputs / ".DS_Store").write_bytes(b"x")
    (inputs / ".git").mkdir()
    (inputs / ".git" / "x.pdf").write_bytes(b"x")
    out = tmp_path / "o"
    result = parse(inputs, "-o", out, "--server", server.url, quiet=False)
    assert result.exit_code == 0
    skipped = {os.path.basename(s["path"]): s["reason"] for s in load_run(out)["skipped"]}
    assert skipped == {"notes.txt": "not a PDF or image", ".DS_Store": "hidden file", ".git": "hidden folder"}
    assert "skipped 3 file(s)" in result.stderr and "notes.txt" in result.stderr


def test_non_utf8_file_name_is_parsed_and_reported(tmp_path, server, inputs):
    odd = os.path.join(os.fsencode(inputs), b"caf\xe9-\xff.pdf")
    os.rename(os.fsencode(inputs / "good.pdf"), odd)
    out = tmp_path / "o"
    assert parse(inputs, "-o", out, "--server", server.url).exit_code == 0
    run = json.loads((out / "run.json").read_bytes().decode("utf-8"))  # valid UTF-8
    assert run["pages_by_status"] == {"ok": 2} and run["unaccounted"] == []
    docs = list(out.glob("*/*.json"))
    assert len(docs) == 1
    source = json.loads(docs[0].read_text())["document"]["source"]
    assert source.endswith("caf\\xe9-\\xff.pdf")  # the undecodable bytes, shown escaped


def test_output_inside_the_input_folder_is_never_an_input(tmp_path, server, inputs):
    out = inputs / "results"
    assert parse(inputs, "-o", out, "--server", server.url, "--overlay").exit_code == 0
    assert list(out.rglob("overlay/*.png"))
    second = parse(inputs, "-o", out, "--server", server.url, "--overlay")
    run = load_run(out)
    assert second.exit_code == 0 and run["documents"] == 1 and run["pages_reused"] == 2
    assert {"path": str(out), "reason": "the output folder"} in run["skipped"]


def test_output_folder_that_is_the_input_folder_reads_only_the_inputs(tmp_path, server, inputs):
    assert parse(inputs, "-o", inputs, "--server", server.url, "--overlay").exit_code == 0
    again = parse(inputs, "-o", inputs, "--server", server.url, "--overlay")
    run = load_run(inputs)
    assert again.exit_code == 0 and run["documents"] == 1 and run["pages_reused"] == 2
    assert {"path": str(inputs / "good"), "reason": "a dotsparse output folder"} in run["skipped"]
    # given by name, a file inside a document folder a run wrote is not an input either
    overlay = next((inputs / "good" / "overlay").glob("*.png"))
    assert parse(overlay, inputs / "good.pdf", "-o", tmp_path / "o2", "--server", server.url).exit_code == 0
    assert load_run(tmp_path / "o2")["skipped"] == [{"path": str(overlay), "reason": "inside a dotsparse output folder"}]
