"""The viewer of a large document in headless Chromium: time to open, browser memory, and `dotsparse view`'s speed.

Run: python benchmarks/viewer_open.py [--pages 2000] [--keep DIR]. Prints numbers, asserts nothing.

A generated PDF of N text pages (title, paragraphs, a table and a formula on each) and its <doc>.json with
the matching cells (12 a page), built into a viewer by `dotsparse view` (page images rendered for real from
the PDF), then opened from file:// in Debian's chromium: at the top, at a deep link in the middle, after
scrolling through 100 pages, and at the last page. Memory is the PSS of every browser process (shared pages
counted once), read from /proc, plus the page's JS heap.
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
    const img = document.querySelector('#pages img.page-image');
    if (img && !window.__imgHooked) { window.__imgHooked = true;
      const done = () => mark('image'); img.complete ? done() : img.addEventListener('load', done); }
  }).observe(document, {subtree: true, childList: true}); })();"""


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


def measure(browser, url: str, label: str, pages: int, scroll: int = 0) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.add_init_script(MARK)
    started = time.monotonic()
    page.goto(url)
    poll(page, "window.__t && 'content' in window.__t && 'image' in window.__t")
    wall = time.monotonic() - started
    t = page.evaluate("window.__t")
    nav = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    for _ in range(scroll):
        page.mouse.wheel(0, 900)
        page.wait_for_timeout(25)
    if scroll:
        page.wait_for_timeout(500)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    heap = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    nodes = page.evaluate("document.getElementsByTagName('*').length")
    pss = browser_pss_mb()
    if scroll:  # what Chromium keeps only until the system asks for memory back (decoded images, caches)
        cdp.send("Memory.simulatePressureNotification", {"level": "critical"})
        page.wait_for_timeout(1000)
        after = browser_pss_mb()
        print(f"{'  ... after a memory-pressure signal':34} PSS {after['all']:4.0f} MB (renderer "
              f"{after.get('renderer', 0):4.0f})")
    shown = page.evaluate("document.querySelectorAll('#pages .cell').length")
    print(f"{label:34} open {wall * 1000:6.0f} ms (DOMContentLoaded {nav:5.0f} ms, first content {t['content']:5.0f} ms, "
          f"first image {t['image']:5.0f} ms) | PSS {pss['all']:4.0f} MB (renderer {pss.get('renderer', 0):4.0f}, "
          f"browser {pss.get('browser', 0):3.0f}, gpu {pss.get('gpu-process', 0):3.0f}), JS heap "
          f"{heap.get('JSHeapUsedSize', 0) / 2**20:5.1f} MB | {nodes} DOM nodes, {shown} cells rendered of "
          f"{pages * 12}")
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
            pss = browser_pss_mb()
            print(f"{'about:blank (baseline)':34} PSS {pss['all']:4.0f} MB (renderer {pss.get('renderer', 0):4.0f}, "
                  f"browser {pss.get('browser', 0):3.0f}, gpu {pss.get('gpu-process', 0):3.0f})")
            blank.close()
            measure(browser, url, "open at the top", args.pages)
            if args.only_open:
                browser.close()
                return
            measure(browser, url + f"#p{args.pages // 2}-c3", f"deep link #p{args.pages // 2}-c3", args.pages)
            measure(browser, url, "top, then 100 screens of scrolling", args.pages, scroll=100)
            measure(browser, url + f"#p{args.pages}", f"deep link #p{args.pages}", args.pages)
            browser.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
