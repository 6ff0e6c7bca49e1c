"""Every file a browser or renderer may open runs no script and makes no request, whatever the model
or the PDF says: hostile answers served by the fake server, hostile text layers read by the embedded
engine. Each `.md` is rendered by markdown-it-py (CommonMark) and Python-Markdown (plain and "extra"),
each `.html` is opened as written (and once more without its CSP, to test the sanitizer alone), all in
one headless Chromium."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import markdown
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from dotsparse.cli import app
from tests.browser.hostile import EVIL, PDF_LINES, hostile_answers, hostile_pdf
from tests.support.docgen import make_pdf, simple_doc
from tests.support.fake_server import FakeDotsServer, Fault

ORIGIN = "http://dotsparse.test"
HOOKS = """
window.__hits = [];
window.__pwned = (tag) => { window.__hits.push(String(tag)); console.log('PWNED ' + tag); };
"""
POKE = """() => {
  for (const el of document.querySelectorAll('*')) {
    for (const type of ['click', 'mouseover', 'focus', 'toggle']) el.dispatchEvent(new Event(type, {bubbles: true}));
    if (el.tagName === 'DETAILS') el.open = !el.open;
  }
  for (const a of document.querySelectorAll('a[href]')) a.click();
}"""
RENDERERS = {
    "markdown-it": MarkdownIt().render,
    "python-markdown": markdown.markdown,
    "python-markdown-extra": lambda text: markdown.markdown(text, extensions=["extra"]),
}
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')


def _run(*args) -> None:
    """The CLI in a thread of its own: Playwright's sync API keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(CliRunner().invoke, app, ["parse", *map(str, args), "--dpi", "50", "--quiet"],
                             catch_exceptions=False).result()
    assert result.exit_code in (0, 1, 3), result.output  # hostile pages may fail; they must not crash the run


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """One run over the hostile answers, one with a hostile file name, one embedded run over hostile PDFs."""
    tmp = tmp_path_factory.mktemp("hostile")
    answers = hostile_answers()
    assert len(answers) >= 50
    out = tmp / "out"
    with FakeDotsServer({}) as server:
        spec = simple_doc(41, len(answers))
        server.add_doc(spec)
        pdf = make_pdf(tmp / "answers.pdf", spec)
        server.faults = lambda no, key, prompt_name: Fault.answer(answers[key[1]]) if key else None
        _run(pdf, "-o", out, "--server", server.url, "--fallback", "none", "-j", 4)
        text_spec = simple_doc(43, 4)
        server.add_doc(text_spec)
        plain = make_pdf(tmp / "text_mode.pdf", text_spec)
        server.faults = lambda no, key, prompt_name: Fault.answer("\n\n".join(answers[key[1]::4])) if key else None
        _run(plain, "-o", out, "--server", server.url, "--mode", "text", "--fallback", "none")
        named = make_pdf(tmp / "x--><img src=x onerror=__pwned('filename')>.pdf", simple_doc(42, 2))
        server.add_doc(simple_doc(42, 2))
        server.faults = lambda no, key, prompt_name: Fault.hang(2) if key == (42, 1) else None
        _run(named, "-o", out, "--server", server.url, "--fallback", "none", "--page-timeout", 0.5,
             "--max-retries", 0)
    pdfs = tmp / "pdfs"
    pdfs.mkdir()
    for i, lines in enumerate(PDF_LINES):
        hostile_pdf(pdfs / f"hostile{i}.pdf", lines)
    _run(pdfs, "-o", out, "--engine", "embedded", "--workers", "1")
    return out


def _pages(out: Path) -> dict[str, str]:
    """URL -> HTML of every file to open: rendered Markdown next to its document, table pages as written."""
    pages = {}
    for md in sorted(out.rglob("*.md")):
        text = md.read_text(encoding="utf-8")
        for name, render in RENDERERS.items():
            url = f"{ORIGIN}/{quote(md.relative_to(out).parent.as_posix())}/{quote(md.stem)}.{name}.html"
            pages[url] = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{render(text)}</body></html>"
    for page in sorted(out.rglob("*.html")):
        written = page.read_text(encoding="utf-8")
        url = f"{ORIGIN}/{quote(page.relative_to(out).as_posix())}"
        pages[url] = written
        pages[url.replace(".html", ".no-csp.html")] = CSP.sub("", written)
    return pages


def test_outputs_hold_every_hostile_input(outputs):
    docs = {p.stem for p in outputs.glob("*/*.json")}
    assert {"answers", "text_mode", "hostile0", "hostile4"} <= docs and len(docs) == 8
    answers = json.loads((outputs / "answers" / "answers.json").read_text())
    assert len(answers["pages"]) >= 50
    tables = list((outputs / "answers" / "tables").glob("*.html"))
    assert len(tables) >= 25
    md = (outputs / "answers" / "answers.md").read_text()
    assert "before &lt;script>__pwned('script')&lt;/script> after" in md  # kept as text, not dropped
    named = next(p for p in outputs.rglob("*.md") if "filename" in p.read_text() and "page 2" in p.read_text())
    assert "page timeout" in named.read_text()


def open_all(browser, pages: dict[str, str], folder: Path) -> tuple[list[str], list[str]]:
    """Open every page in one headless Chromium page; returns (script hits, requests that left the page)."""
    hits: list[str] = []
    requests: list[str] = []
    context = browser.new_context(java_script_enabled=True)
    context.add_init_script(HOOKS)

    def route(r):
        url = r.request.url
        if url in pages:
            return r.fulfill(status=200, content_type="text/html; charset=utf-8", body=pages[url])
        parts = urlsplit(url)
        own = folder / unquote(parts.path).lstrip("/")
        if parts.scheme + "://" + parts.netloc == ORIGIN and own.is_file() and own.suffix == ".png":
            return r.fulfill(status=200, path=str(own))  # our own crops, next to the document
        if not url.endswith("/favicon.ico"):
            requests.append(url)
        return r.abort()

    context.route("**/*", route)
    current = [""]
    page = context.new_page()  # one page navigated file after file: the hooks run again on every load
    page.on("console", lambda m: "PWNED" in m.text and hits.append(f"{current[0]}: console {m.text}"))
    page.on("dialog", lambda d: (hits.append(f"{current[0]}: dialog {d.message}"), d.dismiss()))
    page.on("popup", lambda p: hits.append(f"{current[0]}: popup"))
    try:
        for url in pages:
            current[0] = url
            page.goto(url, wait_until="load")
            page.evaluate(POKE)
            hits.extend(f"{url}: ran {tag}" for tag in page.evaluate("() => window.__hits"))
    finally:
        context.close()
    return hits, requests


def test_the_harness_sees_script_dialogs_and_requests(browser, tmp_path):
    pages = {f"{ORIGIN}/a.html": "<img src=x onerror=__pwned('control')>",
             f"{ORIGIN}/b.html": "<b onclick=__pwned('click')>x</b><script>alert(1)</script>",
             f"{ORIGIN}/c.html": f"<img src={EVIL}/leak.png>"}
    hits, requests = open_all(browser, pages, tmp_path)
    assert any("ran control" in h for h in hits) and any("console PWNED control" in h for h in hits)
    assert any("ran click" in h for h in hits) and any("dialog" in h for h in hits)
    assert f"{ORIGIN}/x" in requests and f"{EVIL}/leak.png" in requests


def test_no_output_runs_script_or_makes_a_request(browser, outputs):
    pages = _pages(outputs)
    assert len(pages) >= 60
    hits, requests = open_all(browser, pages, outputs)
    assert hits == []
    assert requests == []


# The viewer's own links navigate (to a table's page, to the index): events are fired at every element,
# and links are checked for their scheme instead of followed.
VIEWER_POKE = POKE.replace("for (const a of document.querySelectorAll('a[href]')) a.click();", "")
UNSAFE_LINKS = r"""() => Array.from(document.querySelectorAll('[href], [src], [action], [formaction]'))
  .map(el => ['href', 'src', 'action', 'formaction'].map(n => el.getAttribute(n)).find(v => v !== null))
  .filter(v => /^\s*[a-z][a-z0-9+.-]*:/i.test(v) && !/^(https?|mailto):/i.test(v))"""


def test_the_viewer_of_every_hostile_output_runs_no_script(browser, outputs, tmp_path):
    """The same outputs through `dotsparse view` (issue 14), opened from file:// with every page rendered."""
    import shutil

    from dotsparse.viewer import build_views

    out = tmp_path / "out"
    shutil.copytree(outputs, out)
    index, entries, problems = build_views(out)
    assert problems == [] and len(entries) == 8
    hits: list[str] = []
    requests: list[str] = []
    context = browser.new_context()
    context.add_init_script(HOOKS)

    def route(r):
        if not r.request.url.startswith("file://"):
            requests.append(r.request.url)
            return r.abort()
        return r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: "PWNED" in m.text and hits.append(f"console {m.text}"))
    page.on("dialog", lambda d: (hits.append(f"dialog {d.message}"), d.dismiss()))
    page.on("popup", lambda p: hits.append("popup"))
    try:
        for entry in entries:
            page.goto(entry.html_path.resolve().as_uri(), wait_until="load")
            for number, _ in entry.statuses:  # every page's content and boxes, rendered
                page.evaluate(f"location.hash = '#p{number}'")
                page.wait_for_selector(f"#p{number} .content :is(.cell, p.muted, p.error, details.raw)")
            page.evaluate(VIEWER_POKE)
            page.wait_for_timeout(100)
            hits.extend(f"{entry.name}: ran {tag}" for tag in page.evaluate("() => window.__hits"))
            hits.extend(f"{entry.name}: link {href}" for href in page.evaluate(UNSAFE_LINKS))
        page.goto(index.resolve().as_uri(), wait_until="load")
        page.evaluate(VIEWER_POKE)
        hits.extend(f"index: link {href}" for href in page.evaluate(UNSAFE_LINKS))
        hits.extend(f"index: ran {tag}" for tag in page.evaluate("() => window.__hits"))
    finally:
        context.close()
    assert hits == []
    assert requests == []
