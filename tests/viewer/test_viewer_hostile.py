"""Hostile answers in the viewer: cells built straight from the model (no sanitizing on the way in) run no
script, load nothing from the network, and the text stays readable."""

from __future__ import annotations

import json

from dotsparse.model import Category, CellFormat, DocumentInfo, Mode, PageResult, PageStatus, Repair
from dotsparse.parse.html import clean_table_html
from dotsparse.parse.safe_markdown import safe_markdown
from dotsparse.raster import file_sha256
from dotsparse.viewer import build_views
from dotsparse.viewer.assets import SCRIPTS
from dotsparse.writers.document import write_document
from dotsparse.writers.paths import DocPaths
from dotsparse.writers.registry import DocumentTarget
from tests.viewer.conftest import cell, geometry, make_source, wait_until

PWN = "window.__pwned.push"
MARKDOWN = [
    f"<script>{PWN}('script')</script>",
    f"<img src=x onerror=\"{PWN}('onerror')\">",
    f"[click me](javascript:{PWN}('js-link'))",
    f"<a href=\"javascript:{PWN}('a-href')\">anchor</a>",
    f"text </script><script>{PWN}('breakout')</script> more",
    f"<svg onload=\"{PWN}('svg')\"><script>{PWN}('svg-script')</script><a xlink:href=\"javascript:1\">s</a></svg>",
    "<style>body{background:url(http://evil.example/style.png)}</style>",
    "<div style=\"background:url(http://evil.example/inline.png)\">styled</div>",
    "<iframe src=\"http://evil.example/frame\"></iframe><object data=\"http://evil.example/o\"></object>",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/\"><base href=\"http://evil.example/\">",
    "![remote](http://evil.example/md.png) <img src=\"http://evil.example/img.png\">",
    f"<math><mtext><table><mglyph><style><img src=x onerror=\"{PWN}('mxss')\"></style></mglyph></table></mtext></math>",
    f"<noscript><p title=\"</noscript><img src=x onerror={PWN}('noscript')>\"></p></noscript>",
    f"<form action=\"http://evil.example/f\"><button formaction=\"javascript:{PWN}('form')\">go</button></form>",
    f"$x$ <details open ontoggle=\"{PWN}('toggle')\">d</details> $\\href{{javascript:{PWN}('katex-inline')}}{{k}}$",
]
TABLE = (f"<table><tr><td><img src=x onerror=\"{PWN}('td-img')\"></td><td style=\"background:url(http://evil.example/"
         f"td.png)\"><a href=\"javascript:{PWN}('td-a')\">a</a></td></tr></table><script>{PWN}('after-table')</script>")
LATEX = [f"\\href{{javascript:{PWN}('katex-href')}}{{x}}", f"\\url{{javascript:{PWN}('katex-url')}}",
         "\\htmlClass{x}{y} \\includegraphics{http://evil.example/k.png}", f"</script><script>{PWN}('tex')</script>"]
PLAIN = f"<script>{PWN}('plain')</script> & </script>"


def hostile_pages() -> list[PageResult]:
    cells, y = [], 20
    items = [(Category.TEXT, CellFormat.MARKDOWN, t) for t in MARKDOWN]
    items += [(Category.TABLE, CellFormat.HTML, TABLE)] + [(Category.FORMULA, CellFormat.LATEX, t) for t in LATEX]
    items += [(Category.FORMULA, CellFormat.TEXT, PLAIN)]
    for i, (cat, fmt, text) in enumerate(items):
        cells.append(cell(i, cat, [40, y, 780, y + 40], text, fmt))
        y += 50
    n = len(cells)
    for j, asset in enumerate(["javascript:alert(1)", "../../../etc/passwd", "http://evil.example/p.png",
                               "/etc/hostname", "images/missing.png"]):
        cells.append(cell(n + j, Category.PICTURE, [40, y, 300, y + 20], f"<img src=x onerror={PWN}('desc')>",
                          CellFormat.NONE, asset=asset))
        y += 25
    hostile_error = f"<img src=x onerror=\"{PWN}('error')\"></script><script>{PWN}('error2')</script>"
    return [PageResult(page=1, status=PageStatus.REPAIRED, geometry=geometry(), cells=cells,
                       repairs=[Repair(kind="<b>kind</b>", detail=hostile_error)], fallbacks=[hostile_error]),
            PageResult(page=2, status=PageStatus.FAILED, geometry=geometry(), error=hostile_error,
                       raw_answer=f"</script><script>{PWN}('raw')</script>")]


def test_the_hostile_corpus_runs_no_script_and_loads_nothing_remote(open_page, tmp_path):
    out = tmp_path / "out"
    folder = out / "doc"
    folder.mkdir(parents=True)
    source = make_source(tmp_path / "source.pdf", 2)
    from dotsparse.raster import file_sha256

    info = DocumentInfo(source=str(source), sha256=file_sha256(source), kind="pdf", page_count=2,
                        pages_selected=[1, 2], dpi=100, engine="openai",
                        model=f"\"><script>{PWN}('model')</script>", mode=Mode.LAYOUT, dotsparse_version="t",
                        error=f"<img src=x onerror={PWN}('doc-error')>")
    write_document(DocumentTarget(paths=DocPaths(root=folder, name="doc"), info=info, outputs={}), hostile_pages())
    build_views(out)
    html = (folder / "doc.html").read_text()
    assert html.count("<script") == 1 + len(SCRIPTS), "only the data block, KaTeX and the viewer: nothing from the answer"
    opened = open_page(folder / "doc.html")
    page = opened.page
    wait_until(page, "document.querySelectorAll('#pages .cell').length > 20")
    wait_until(page, "document.querySelector('#p2 details.raw') !== null")
    for node in page.locator("#pages .box").all()[:8]:
        node.click()
    for node in page.locator("#pages .cell a").all():
        node.click(no_wait_after=True)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") == []
    assert opened.dialogs == [] and opened.errors == []
    assert [u for u in opened.requests if not u.startswith("file://")] == []
    dangerous = page.evaluate("""(() => {
        const found = [];
        const banned = ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE', 'META', 'BASE', 'FORM', 'SVG', 'IMG'];
        document.querySelectorAll('#pages *').forEach(n => {
          const ours = n.closest('.katex') || n.classList.contains('page-image') || n.classList.contains('crop');
          if (banned.includes(n.tagName.toUpperCase()) && !ours) found.push(n.tagName);
          for (const a of n.attributes) {
            if (a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)) found.push(n.tagName + '[' + a.name + ']');
            if (a.name === 'style' && n.closest('.cell-body') && !n.closest('.katex')) found.push(n.tagName + '[style]');
          }
        });
        return found; })()""")
    assert dangerous == []
    assert page.locator("#p1 .cell.cat-formula .plain").text_content() == PLAIN, "plain text shown as written"
    assert "</script>" in page.locator("#p2 details.raw pre").text_content()
    assert page.locator("#p1 img.crop").count() == 0, "no picture path outside the document folder"
    assert "onerror" in page.locator("#p2 .page-notes .error").text_content()  # the error is text, readable
    index = open_page(out / "index.html", wait=False)
    assert index.page.evaluate("window.__pwned") == [] and index.dialogs == []
    assert [u for u in index.requests if not u.startswith("file://")] == []
    assert index.page.locator("script, img, iframe").count() == 0


def test_plain_text_reaches_no_file_a_browser_opens(tmp_path):
    """`Cell.plain` decodes `&lt;script>` back to `<script>`: it is data for `<doc>.json` alone."""
    out = tmp_path / "out"
    folder = out / "doc"
    folder.mkdir(parents=True)
    source = make_source(tmp_path / "source.pdf", 1)
    texts = [(Category.TEXT, CellFormat.MARKDOWN, safe_markdown(f"a <script>{PWN}('plain')</script> & *b*")),
             (Category.TEXT, CellFormat.MARKDOWN, safe_markdown(f"`<img src=x onerror={PWN}('code')>`")),
             (Category.TABLE, CellFormat.HTML, clean_table_html(f"<tr><td>&lt;svg onload={PWN}('td')&gt;</td></tr>")[0]),
             (Category.FORMULA, CellFormat.TEXT, safe_markdown(f"<iframe src=javascript:{PWN}('text')>"))]
    cells = [cell(i, cat, [40, 20 + 50 * i, 780, 60 + 50 * i], text, fmt) for i, (cat, fmt, text) in enumerate(texts)]
    plains = [c.plain for c in cells]
    assert all("<" in p and PWN in p for p in plains)
    info = DocumentInfo(source=str(source), sha256=file_sha256(source), kind="pdf", page_count=1, pages_selected=[1],
                        dpi=100, engine="openai", model="m", mode=Mode.LAYOUT, dotsparse_version="t")
    page = PageResult(page=1, status=PageStatus.OK, geometry=geometry(), cells=cells)
    write_document(DocumentTarget(paths=DocPaths(root=folder, name="doc"), info=info, outputs={}), [page])
    build_views(out)
    written_cells = json.loads((folder / "doc.json").read_text())["pages"][0]["cells"]
    assert [c["plain"] for c in written_cells] == plains
    opened = [p for p in out.rglob("*") if p.is_file() and p.name != "doc.json" and ".dotsparse" not in p.parts]
    assert any(p.suffix == ".html" for p in opened) and any(p.suffix == ".js" for p in opened)
    for path in opened:
        written = path.read_text(encoding="utf-8", errors="replace")
        assert not [p for p in plains if p in written], path
        assert "<script>window" not in written and "<img src=x" not in written and "<iframe" not in written, path
