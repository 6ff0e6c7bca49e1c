"""Images that are bombs, truncated or half-corrupt: refused from the header, or failed page by page."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest
from PIL import Image

from dotsparse import raster
from dotsparse.engines.embedded.scan import _render
from tests.hostile.conftest import failed_files, good_is_ok
from tests.hostile.material import png_bomb, tiff_with_corrupt_frame, truncated_png
from tests.run.conftest import load_doc, load_run, parse

BOMB_RSS_SCRIPT = """
import resource, sys
from dotsparse.discover import Source
from dotsparse.errors import SourceError
from dotsparse.raster import OpenSource
from pathlib import Path
try:
    OpenSource(Source(Path(sys.argv[1]), "image", "bomb.png"))
except SourceError as exc:
    print(exc)
# This process's own peak (VmHWM). Linux's ru_maxrss also keeps the parent's RSS from before exec (the
# pytest process, over 1 GB late in the suite), which once failed this test with nothing decoded.
status = Path("/proc/self/status")
peaks = [line.split()[1] for line in status.read_text().splitlines() if line.startswith("VmHWM:")] if status.exists() else []
print(peaks[0] if peaks else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_png_bomb_is_refused_from_its_header_with_flat_memory(tmp_path):
    bomb = png_bomb(tmp_path / "bomb.png")
    done = subprocess.run([sys.executable, "-c", BOMB_RSS_SCRIPT, str(bomb)], capture_output=True, text=True,
                          timeout=60)
    message, rss_kb = done.stdout.strip().splitlines()
    assert "28000x28000 pixels" in message and "over the 100 MP limit" in message
    assert int(rss_kb) < 1024 * 1024  # peak RSS under 1 GB (it is ~100 MB: nothing is decoded)


def test_png_bomb_fails_alone_in_a_batch(tmp_path, server, inputs):
    png_bomb(inputs / "bomb.png", 12000, 12000)
    out = tmp_path / "o"
    assert parse(inputs, "-o", out, "--server", server.url).exit_code == 1
    assert "over the 100 MP limit" in failed_files(out)["bomb.png"]
    good_is_ok(out)


def test_large_jpeg_is_decoded_reduced(tmp_path, server, monkeypatch):
    monkeypatch.setattr(raster, "PIXEL_LIMIT", 1_000_000)
    Image.new("RGB", (2400, 1800), "white").save(tmp_path / "big.jpg", dpi=(300, 300))
    out = tmp_path / "o"
    parse(tmp_path / "big.jpg", "-o", out, "--server", server.url, "--fallback", "none")
    page = load_doc(out, "big")["pages"][0]
    g = page["geometry"]
    assert g["width_px"] * g["height_px"] <= 1_000_000  # drafted to 1/4 at decode time
    assert abs(g["width_pt"] - 2400 * 72 / 300) < 1  # the page keeps its physical size
    assert load_run(out)["unaccounted"] == []


@pytest.mark.parametrize("name,writer", [
    ("truncated.png", truncated_png),
    ("garbage.png", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)),
    ("text.jpg", lambda p: p.write_text("not an image")),
])
def test_broken_images_fail_alone(tmp_path, server, inputs, name, writer):
    writer(inputs / name)
    out = tmp_path / "o"
    assert parse(inputs, "-o", out, "--server", server.url).exit_code == 1
    assert "cannot decode the image" in failed_files(out)[name]
    good_is_ok(out)


@pytest.mark.parametrize("engine", ["openai", "embedded"])
def test_corrupt_tiff_frame_fails_that_page(tmp_path, server, engine):
    path = tiff_with_corrupt_frame(tmp_path / "scan.tif")
    out = tmp_path / "o"
    args = ["--server", server.url, "--fallback", "none"] if engine == "openai" else ["--engine", "embedded",
                                                                                       "--workers", "1"]
    assert parse(path, "-o", out, "--pages", "2", *args).exit_code == 1
    page = load_doc(out, "scan")["pages"][0]
    assert page["status"] == "failed" and "render" in page["error"] and "decoder error" in page["error"]


@pytest.mark.parametrize("size,dpi", [((30, 40), None), ((1708, 2212), None), ((300, 400), (72, 72)),
                                      ((500, 400), (0, 0))])
def test_ordinary_images_get_a_status(tmp_path, server, size, dpi):
    Image.new("RGB", size, "white").save(tmp_path / "img.png", **({"dpi": dpi} if dpi else {}))
    out = tmp_path / "o"
    parse(tmp_path / "img.png", "-o", out, "--server", server.url, "--fallback", "none")
    assert len(load_doc(out, "img")["pages"]) == 1 and load_run(out)["unaccounted"] == []


@pytest.mark.parametrize("dpi", [72.0, 96.5, 133.33])
def test_embedded_scan_renders_at_a_float_dpi(dpi):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=200, height=100)
    pixels = _render(page, dpi)  # PyMuPDF's dpi= raised TypeError in fz_pixmap_xres_set for a float
    assert abs(pixels.shape[0] - 100 * dpi / 72) <= 1 and abs(pixels.shape[1] - 200 * dpi / 72) <= 1
