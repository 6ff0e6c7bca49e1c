"""The Python API on one document: a typed Document with statuses, boxes and Markdown.

    python examples/python_api.py                       # the embedded engine: no GPU, no server
    python examples/python_api.py --server http://gpu:8000/v1
    python examples/python_api.py path/to/your.pdf --pages 1-3

No `if __name__ == "__main__"` guard and no asyncio needed: the Parser owns its event loop and workers.
"""

import argparse
from pathlib import Path

import dotsparse

args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
args.add_argument("pdf", nargs="?", default=str(Path(__file__).parent / "docs" / "paper.pdf"))
args.add_argument("--server", help="OpenAI-compatible URL serving dots.ocr (default: the embedded engine)")
args.add_argument("--pages", default=None, help="e.g. 1-3")
opts = args.parse_args()

engine = "openai" if opts.server else "embedded"
with dotsparse.Parser(engine=engine, server=opts.server, mode="layout", dpi=200) as parser:
    doc = parser.parse(opts.pdf, pages=opts.pages)

print(f"{doc.source}: {doc.status.value}, {len(doc.pages)} page(s), engine {doc.document.engine}")
for page in doc.pages:
    print(f"  page {page.page}: {page.status.value}, {len(page.cells)} cells")
    for cell in page.cells[:3]:
        print(f"    {cell.order:2} {cell.category.value:15} {cell.bbox_pt}  {cell.text[:50]!r}")
print("--- Markdown without page headers and footers ---")
print(doc.markdown(furniture=False)[:600])
