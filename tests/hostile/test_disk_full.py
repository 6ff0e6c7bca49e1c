"""A full disk, on a real small filesystem: new pages stop, what is done stays, a re-run completes."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from tests.run.conftest import load_run, parse


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs mounted for the test; skipped where mounting is not allowed (no root, containers)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot run mount: {exc}")
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not allowed here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=10)


def fill(mount, leave: int) -> os.PathLike:
    filler = mount / "filler"
    free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
    filler.write_bytes(b"\0" * max(0, free - leave))
    return filler


def test_disk_full_stops_new_pages_keeps_the_rest_and_a_rerun_completes(tmp_path, server, make_doc, small_disk):
    paths = [make_doc(doc_id=80 + i, pages=3)[0] for i in range(6)]
    out = small_disk / "out"
    filler = fill(small_disk, 160 * 1024)
    result = parse(*paths, "-o", out, "--server", server.url, "-j", 2, quiet=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "disk full" in result.stderr and "run the same command again" in result.stderr
    committed = list(out.glob("*/.dotsparse/pages/*.json"))
    assert committed, "some pages were done before the disk filled"
    filler.unlink()
    server.clear_requests()
    again = parse(*paths, "-o", out, "--server", server.url)
    assert again.exit_code == 0
    run = load_run(out)
    assert run["pages_by_status"] == {"ok": 18} and run["pages_reused"] >= len(committed) - 6
    assert len(server.requests) == 18 - run["pages_reused"]
    assert all((out / f"doc{80 + i}" / f"doc{80 + i}.json").is_file() for i in range(6))
