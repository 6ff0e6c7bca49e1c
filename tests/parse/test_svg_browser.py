"""The sanitized SVG opened as a file in headless Chromium: nothing runs, nothing is fetched."""

from __future__ import annotations

from dotsparse.parse.svg import sanitize_svg
from dotsparse.writers.assets import write_svg
from tests.parse.test_svg import HOSTILE
from tests.support.fake_server import svg_text


def _open(browser, path) -> tuple[list[str], list[str]]:
    page = browser.new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    page.wait_for_timeout(150)
    page.mouse.click(5, 5)  # handlers on click would fire now
    page.wait_for_timeout(50)
    page.close()
    return dialogs, requests


def test_sanitized_svg_runs_no_script_and_loads_nothing(browser, tmp_path):
    raw = tmp_path / "raw.svg"
    raw.write_text(svg_text(200, 100))
    dialogs, requests = _open(browser, raw)
    assert dialogs and requests  # control: unsanitized, the same SVG alerts and fetches
    for i, answer in enumerate([svg_text(200, 100), *HOSTILE]):
        path = tmp_path / f"s{i}.svg"
        write_svg(path, sanitize_svg(answer))
        assert _open(browser, path) == ([], []), answer
