"""The viewer of a large document in headless Chromium: time to open, browser memory, and `dotsparse view`'s speed.

Run: python benchmarks/viewer_open.py [--pages 2000] [--keep DIR]. Prints numbers, asserts nothing.

A generated PDF of N text pages (title, paragraphs, a table and a formula on each) and its <doc>.json with
the matching cells (12 a page), built into a viewer by `dotsparse view` (page images rendered for real from
the PDF), then opened from file:// in Debian's chromium (through Playwright, 1400x900): at the top, at a deep
link in the middle, at the last page, then scrolled from the first page to the last.

Memory is read from /proc, not from the page: the proportional set size (PSS, shared pages counted once) of
every process of the browser, summed by process type (browser, renderer, gpu-process, utility, zygote) and
in all, sampled every 20 scroll steps while scrolling, so the peak is reported, not only the end. "renderer"
is the tab's own process (Chrome's task manager calls it the tab's memory); "all" is the whole browser, whose
idle baseline (about:blank) is printed first. The JS heap (CDP Performance.getMetrics JSHeapUsedSize) is
printed too: it is a small part of a tab's memory.

Two scrolls: a fling from the first page to the last (900 px every 25 ms: the viewer builds nothing while
the view flies past, then builds the pages where it stops), and reading pace (900 px every 400 ms over 60
screens, every page built, image and formulas included).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymupdf  # noqa: E402

from dotsparse.model import (Category, Cell, CellFormat, DocumentInfo, Mode, PageGeometry, PageResult,  # noqa: E402
                             PageStatus)
from dotsparse.raster import file_sha256  # noqa: E402
from dotsparse.viewer import build_views  # noqa: E402
from dotsparse.writers.document import write_document  # noqa: E402
from dotsparse.writers.paths import DocPaths  # noqa: E402
from dotsparse.writers.registry import DocumentTarget  # noqa: E402

DPI = 200.0
WORDS = ("document parsing layout reading order table formula caption footnote header paragraph model "
         "answer page image text box category scan column heading").split()
MARK = """(() => { window.__t = {}; const mark = (k) => { if (!(k in window.__t)) window.__t[k] = performance.now(); };
  new MutationObserver(() => {
    if (document.querySelector('#pages .cell')) mark('content');
    if (document.querySelector('#pages canvas.page-image[data-loaded]')) mark('image');
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-loaded']}); })();"""


def sentence(seed: int, n: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n)).capitalize() + "."


def page_cells(n: int) -> tuple[list[tuple[list[float], str]], list[Cell]]:
    """(text to draw at each box, in points), and the cells as an engine would report them."""
    s = DPI / 72
    drawn, cells = [], []
    layout = [(Category.PAGE_HEADER, [50, 30, 400, 45], f"Large document, page {n}")]
    layout.append((Category.SECTION_HEADER, [50, 60, 545, 85], f"## {n}.1 {sentence(n, 5)}"))
    y = 95.0
    for k in range(7):
        layout.append((Category.TEXT, [50, y, 545, y + 60], " ".join(sentence(n + k + j, 12) for j in range(4))))
        y += 70
    layout.append((Category.TABLE, [50, y, 545, y + 60],
                   "<table><tr><th>run</th><th>pages/s</th></tr>"
                   + "".join(f"<tr><td>{i}</td><td>{(n * i) % 97 / 10}</td></tr>" for i in range(3)) + "</table>"))
    layout.append((Category.FORMULA, [150, y + 70, 445, y + 95], rf"E_{{{n}}} = \sum_{{i=1}}^{{{n}}} x_i^2"))
    layout.append((Category.PAGE_FOOTER, [290, 805, 305, 820], str(n)))
    for order, (cat, rect, text) in enumerate(layout):
        fmt = {Category.TABLE: CellFormat.HTML, Category.FORMULA: CellFormat.LATEX}.get(cat, CellFormat.MARKDOWN)
        cells.append(Cell(order=order, category=cat, bbox_px=[v * s for v in rect], bbox_pt=rect, text=text,
                          format=fmt))
        drawn.append((rect, text.lstrip("# ") if cat is not Category.TABLE else "run | pages/s"))
    return drawn, cells


def make_document(folder: Path, pages: int) -> Path:
    out = folder / "out"
    pdf_path = folder / "large.pdf"
    pdf = pymupdf.open()
    results = []
    for n in range(1, pages + 1):
        page = pdf.new_page(width=595, height=842)
        drawn, cells = page_cells(n)
        for rect, text in drawn:
            page.insert_textbox(pymupdf.Rect(*rect), text, fontsize=9)
        w, h = round(595 * DPI / 72), round(842 * DPI / 72)
        results.append(PageResult(page=n, status=PageStatus.OK, cells=cells,
                                  geometry=PageGeometry(width_pt=595, height_pt=842, dpi=DPI, width_px=w, height_px=h,
                                                        sent_width=1652, sent_height=2352)))
    pdf.save(pdf_path)
    pdf.close()
    info = DocumentInfo(source=str(pdf_path), sha256=file_sha256(pdf_path), kind="pdf", page_count=pages,
                        pages_selected=list(range(1, pages + 1)), dpi=DPI, engine="openai", model="dots.ocr",
                        mode=Mode.LAYOUT, dotsparse_version="bench")
    doc = out / "large"
    doc.mkdir(parents=True)
    write_document(DocumentTarget(paths=DocPaths(root=doc, name="large"), info=info, outputs={}), results)
    return out


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid]
        found.extend(kids)
        frontier.extend(kids)
    return found


def browser_pss_mb() -> dict[str, float]:
    """PSS in MB by Chromium process type (browser, renderer, gpu-process, utility, zygote), and in all."""
    by_type: dict[str, float] = {}
    for pid in descendants(os.getpid()):
        try:
            if "chrom" not in Path(f"/proc/{pid}/comm").read_text():
                continue
            found = re.search(rb"--type=([\w-]+)", Path(f"/proc/{pid}/cmdline").read_bytes())
            kind = found.group(1).decode() if found else "browser"
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    by_type[kind] = by_type.get(kind, 0.0) + int(line.split()[1]) / 1024
        except OSError:
            continue
    by_type["all"] = sum(by_type.values())
    return by_type


def poll(page, expression: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.01)


def open_viewer(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.add_init_script(MARK)
    started = time.monotonic()
    page.goto(url)
    poll(page, "window.__t && 'content' in window.__t && 'image' in window.__t")
    return context, page, time.monotonic() - started


def report_open(browser, url: str, label: str, pages: int) -> None:
    context, page, wall = open_viewer(browser, url)
    t = page.evaluate("window.__t")
    nav = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    page.wait_for_timeout(300)
    pss = browser_pss_mb()
    print(f"{label:34} open {wall * 1000:6.0f} ms (DOMContentLoaded {nav:5.0f} ms, first content {t['content']:5.0f} ms, "
          f"first image {t['image']:5.0f} ms) | {memory(pss)} | {counts(page)}")
    context.close()


def memory(pss: dict[str, float]) -> str:
    return (f"PSS all {pss['all']:4.0f} MB (renderer {pss.get('renderer', 0):4.0f}, browser {pss.get('browser', 0):3.0f}, "
            f"gpu {pss.get('gpu-process', 0):3.0f}, utility {pss.get('utility', 0):3.0f}, zygote {pss.get('zygote', 0):3.0f})")


def counts(page) -> str:
    shown = page.evaluate("document.querySelectorAll('#pages .cell').length")
    built = page.evaluate("document.querySelectorAll('#pages > section:not(:empty)').length")
    nodes = page.evaluate("document.getElementsByTagName('*').length")
    return f"{built} pages built, {shown} cells, {nodes} DOM nodes"


def report_scroll(browser, url: str, label: str, step_ms: int, screens: int | None) -> None:
    """Scroll 900 px a step; screens=None: from the first page to the last."""
    context, page, _ = open_viewer(browser, url)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    peak: dict[str, float] = {}
    started, steps, last_y = time.monotonic(), 0, -1.0
    while screens is None or steps < screens:
        page.mouse.wheel(0, 900)
        page.wait_for_timeout(step_ms)
        steps += 1
        if steps % 20 == 0:
            for kind, value in browser_pss_mb().items():
                peak[kind] = max(peak.get(kind, 0.0), value)
            y = page.evaluate("scrollY")
            if screens is None and y == last_y:
                break
            last_y = y
    page.wait_for_timeout(1000)  # the pages where it stopped are built
    end = browser_pss_mb()
    for kind, value in end.items():
        peak[kind] = max(peak.get(kind, 0.0), value)
    heap = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    at = page.evaluate("(() => { const s = document.querySelector('#pages > section:not(:empty)'); "
                       "return s ? s.dataset.page : '-'; })()")
    print(f"{label:34} {steps} steps in {time.monotonic() - started:4.0f} s, ended at page {at}")
    print(f"{'  peak while scrolling':34} {memory(peak)}")
    print(f"{'  at the end':34} {memory(end)}, JS heap {heap.get('JSHeapUsedSize', 0) / 2**20:4.1f} MB | {counts(page)}")
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (run again: reuse it)")
    parser.add_argument("--only-open", action="store_true", help="measure only the open at the top")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dotsparse-viewer-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.monotonic()
        out = folder / "out"
        if not (args.keep and (out / "large" / "large.json").is_file()):  # --keep DIR again reuses the document
            out = make_document(folder, args.pages)
        t1 = time.monotonic()
        build_views(out)
        t2 = time.monotonic()
        html_path = out / "large" / "large.html"
        size = sum(p.stat().st_size for p in (out / "large" / "view").iterdir())
        print(f"{args.pages} pages: generated in {t1 - t0:.1f} s; `dotsparse view` built the viewer in {t2 - t1:.1f} s "
              f"({args.pages / (t2 - t1):.0f} pages/s, page images included); <doc>.html "
              f"{html_path.stat().st_size / 1024:.0f} KB, view/ {size / 2**20:.0f} MB")
        from playwright.sync_api import sync_playwright

        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
            url = html_path.resolve().as_uri()
            blank = browser.new_page()
            blank.goto("about:blank")
            blank.wait_for_timeout(500)
            print(f"{'about:blank (baseline)':34} {memory(browser_pss_mb())}")
            blank.close()
            report_open(browser, url, "open at the top", args.pages)
            if args.only_open:
                browser.close()
                return
            report_open(browser, url + f"#p{args.pages // 2}-c3", f"deep link #p{args.pages // 2}-c3", args.pages)
            report_open(browser, url + f"#p{args.pages}", f"deep link #p{args.pages}", args.pages)
            report_scroll(browser, url, "fling, first page to last", 25, None)
            report_scroll(browser, url, "reading pace, 60 screens", 400, 60)
            browser.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
