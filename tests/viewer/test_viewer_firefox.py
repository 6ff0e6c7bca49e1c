"""The viewer in headless Firefox (Debian's firefox-esr over WebDriver BiDi): it opens from file://, draws the
boxes where the JSON says, selects both ways, typesets KaTeX, and makes no request outside file://."""

from __future__ import annotations

import json
import os
import socket

import pytest

from dotsparse.model import Category, CellFormat, PageResult, PageStatus
from dotsparse.viewer import build_views
from tests.support.firefox import BiDiError, Firefox, firefox_path
from tests.viewer.conftest import cell, geometry, write_output
from tests.viewer.test_viewer_page import FORMULAS

pytestmark = pytest.mark.firefox

# KaTeX's SVG arrows (\vec) are built with an empty style="" attribute: the policy refuses it (Firefox says so,
# Chromium does not) and nothing is lost. Every other refusal is a failure.
CSP_HOOK = ("() => { window.__csp = []; window.addEventListener('securitypolicyviolation', e => { "
            "const empty = e.violatedDirective === 'style-src-attr' && e.target && e.target.getAttribute "
            "&& e.target.getAttribute('style') === ''; "
            "if (!empty) window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample); }); }")


@pytest.fixture(scope="module")
def firefox():
    pytest.importorskip("websockets.sync.client", reason="websockets is not installed (the test extra has it)")
    path = firefox_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Firefox: .ci/run installs firefox-esr")
        pytest.skip("no firefox-esr or firefox executable on PATH")
    browser = Firefox(path)
    try:
        browser.send("script.addPreloadScript", {"functionDeclaration": CSP_HOOK})
        assert_requests_are_seen(browser)
        yield browser
    finally:
        browser.close()


def assert_requests_are_seen(browser: Firefox) -> None:
    """Firefox reports no file:// load as a network request, so the tests below see an empty list: prove here
    that a request that would leave file:// is seen (a closed port on this machine, so nothing is sent)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/probe"
    with pytest.raises(BiDiError):
        browser.tab().goto(url)
    assert url in browser.requests()
    browser.events.clear()


def test_the_viewer_works_in_firefox_from_file(firefox, layout_doc):
    data = json.loads((layout_doc.parent / "doc.json").read_text())
    tab = firefox.tab()
    firefox.events.clear()
    tab.goto(layout_doc.resolve().as_uri())
    assert tab.evaluate("location.protocol") == "file:"
    for page in data["pages"]:
        n = page["page"]
        tab.evaluate(f"document.getElementById('p{n}').scrollIntoView({{block: 'start'}})")
        tab.wait_until(f"!!document.querySelector('#p{n} .content .cell') && "
                       f"!!document.querySelector('#p{n} canvas.page-image[data-loaded]')")
        w, h = page["geometry"]["width_px"], page["geometry"]["height_px"]
        got = tab.evaluate(f"""(() => {{
            const img = document.querySelector('#p{n} canvas.page-image').getBoundingClientRect();
            return Array.from(document.querySelectorAll('#p{n} .box')).map(b => {{ const r = b.getBoundingClientRect();
              return [Number(b.dataset.order), r.x - img.x, r.y - img.y, r.width, r.height, img.width, img.height]; }}); }})()""")
        boxed = [c for c in page["cells"] if c["bbox_px"]]
        assert [g[0] for g in got] == [c["order"] for c in boxed]
        for c, (_, x, y, bw, bh, iw, ih) in zip(boxed, got):
            x1, y1, x2, y2 = c["bbox_px"]
            expected = (x1 / w * iw, y1 / h * ih, (x2 - x1) / w * iw, (y2 - y1) / h * ih)
            for a, b in zip((x, y, bw, bh), expected):
                assert abs(a - b) <= 1.0, (n, c["order"], (x, y, bw, bh), expected)

    tab.evaluate("document.getElementById('p1').scrollIntoView({block: 'start'})")
    tab.wait_until("!!document.querySelector('#p1 .box[data-order=\"4\"]')")
    tab.click("#p1 .box[data-order='4']")
    tab.wait_until("document.getElementById('p1-c4').classList.contains('selected')")
    assert tab.evaluate("location.hash") == "#p1-c4"
    tab.click("#p1-c2")
    tab.wait_until("document.querySelector('#p1 .box[data-order=\"2\"]').classList.contains('selected')")
    assert tab.evaluate("document.querySelectorAll('.selected').length") == 2

    assert tab.evaluate("document.querySelectorAll('#p1-c2 .katex').length") == 1
    assert tab.evaluate("document.querySelectorAll('#p1-c4 .katex-display').length") == 1
    assert tab.evaluate("window.__csp") == []
    assert firefox.requests() == [], "no request left file:// (the fixture shows one that would is seen)"


def test_a_set_of_latex_formulas_typesets_in_firefox(firefox, tmp_path):
    cells = [cell(i, Category.FORMULA, [50, 40 + 60 * i, 700, 90 + 60 * i], tex, CellFormat.LATEX)
             for i, tex in enumerate(FORMULAS)]
    out = tmp_path / "out"
    write_output(out, "doc", [PageResult(page=1, status=PageStatus.OK, geometry=geometry(), cells=cells)])
    build_views(out)
    tab = firefox.tab()
    firefox.events.clear()
    tab.goto((out / "doc" / "doc.html").resolve().as_uri())
    tab.wait_until(f"document.querySelectorAll('#p1 .cell').length === {len(FORMULAS)}")
    assert tab.evaluate("document.querySelectorAll('.katex-display').length") == len(FORMULAS)
    assert tab.evaluate("document.querySelectorAll('.katex-error, .math-error').length") == 0
    tab.wait_until("document.fonts.status === 'loaded'")
    assert tab.evaluate("Array.from(document.fonts).some(f => f.family.includes('KaTeX') && f.status === 'loaded')"), \
        "KaTeX's own fonts loaded (from file://, the only place the policy allows)"
    assert tab.evaluate("window.__csp") == []
    assert firefox.requests() == [], "the fonts came from the package's copy, not the network"
