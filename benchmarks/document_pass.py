"""Cost of the document-level pass (tables, headings, captions) when a document's files are assembled.

    python benchmarks/document_pass.py --pages 2000

Commits N synthetic pages (a heading, text, a caption, a picture and a table continued from the page
before on every page) to a DocStore, then assembles <doc>.md/_nohf.md/.json from it twice: as before
(one read of the pages) and with the document pass (a second read, plan_document, the plan applied).
Prints both times, their ratio, and the peak traced Python memory of each (flat: the plan keeps only
what spans pages).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from dotsparse.document.plan import plan_document
from dotsparse.model import (Category, Cell, CellFormat, DocumentInfo, Mode, PageGeometry, PageResult,
                             PageStatus)
from dotsparse.run.store import DocStore
from dotsparse.writers.document import write_document
from dotsparse.writers.paths import DocPaths
from dotsparse.writers.registry import DocumentTarget

G = PageGeometry(width_pt=595, height_pt=842, dpi=200, width_px=1654, height_px=2339, sent_width=1652,
                 sent_height=2352)


def _cell(order, category, text, box, fmt=CellFormat.MARKDOWN):
    px = [box[0] * 1654, box[1] * 2339, box[2] * 1654, box[3] * 2339]
    return Cell(order=order, category=category, text=text, format=fmt, bbox_px=px, bbox_pt=px)


def page(n: int) -> PageResult:
    rows = "".join(f"<tr><td>{n}.{i}</td><td>{i * n}</td><td>x</td></tr>" for i in range(20))
    head = "<tr><th>Item</th><th>Value</th><th>Note</th></tr>"
    cells = [
        _cell(0, Category.TABLE, f"<table>{head}{rows}</table>", (0.1, 0.03, 0.9, 0.3), CellFormat.HTML),
        _cell(1, Category.SECTION_HEADER, f"## {n // 10 + 1}.{n % 10 + 1} Section {n}", (0.1, 0.32, 0.9, 0.34)),
        _cell(2, Category.TEXT, "Lorem ipsum dolor sit amet. " * 40, (0.1, 0.35, 0.9, 0.5)),
        _cell(3, Category.PICTURE, "", (0.1, 0.52, 0.9, 0.6), CellFormat.NONE),
        _cell(4, Category.CAPTION, f"Figure {n}: a picture", (0.1, 0.61, 0.9, 0.62)),
        _cell(5, Category.TABLE, f"<table>{head}{rows}</table>", (0.1, 0.65, 0.9, 0.97), CellFormat.HTML),
    ]
    return PageResult(page=n, status=PageStatus.OK, geometry=G, cells=cells)


def assemble(store: DocStore, out: Path, pages: list[int], info: DocumentInfo, with_plan: bool) -> tuple[float, int]:
    """Seconds (best of 3, untraced), then peak traced memory of one more run."""
    def once() -> None:
        plan = plan_document(store.iter_pages(pages)) if with_plan else None
        write_document(DocumentTarget(paths=DocPaths(root=out, name="d"), info=info, outputs={}, plan=plan),
                       store.iter_pages(pages))

    took = []
    for _ in range(3):
        started = time.perf_counter()
        once()
        took.append(time.perf_counter() - started)
    tracemalloc.start()
    once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(took), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        store = DocStore(out, "k")
        for n in range(1, args.pages + 1):
            store.save_page(page(n))
        pages = list(range(1, args.pages + 1))
        info = DocumentInfo(source="bench.pdf", sha256="0" * 64, kind="pdf", page_count=args.pages,
                            pages_selected=pages, dpi=200, engine="openai", model="m", mode=Mode.LAYOUT,
                            dotsparse_version="bench")
        base, base_mem = assemble(store, out, pages, info, with_plan=False)
        planned, plan_mem = assemble(store, out, pages, info, with_plan=True)
        merged = plan_document(store.iter_pages(pages[:50])).merged_tables
    print(f"pages {args.pages}: assemble {base:.2f}s, with document pass {planned:.2f}s "
          f"(x{planned / base:.2f}; {1000 * (planned - base) / args.pages:.2f} ms/page more)")
    print(f"peak traced memory: {base_mem / 2**20:.1f} MiB without, {plan_mem / 2**20:.1f} MiB with")
    print(f"check: the first 50 pages give {len(merged)} merged tables of {sorted({len(t.parts) for t in merged})} parts")


if __name__ == "__main__":
    main()
