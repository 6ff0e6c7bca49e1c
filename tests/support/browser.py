"""Headless Chromium for browser tests: Debian's `chromium` driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    explicit = os.environ.get("DOTSPARSE_CHROMIUM")
    if explicit:
        return explicit
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser():
    """A Playwright Chromium browser; skipped with a reason where Chromium or Playwright is missing (CI has both).

    Module-scoped: while it lives, Playwright's sync API keeps an event loop running on the main thread,
    so `asyncio.run` (every CLI call) fails there; tests that run the CLI beside it do so in a thread."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium: .ci/run installs it")
        pytest.skip("no chromium executable on PATH")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()
