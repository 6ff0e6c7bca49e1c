"""Many documents: yielded as each finishes, files written to an output folder, resumable.

    python examples/parse_many.py [INPUTS...] [-o OUT]

Run it twice: the second run reuses every finished page (see `report.pages_reused`) and only
re-applies output options, here `page_furniture=False`, without asking the engine again.
"""

import argparse
import tempfile
from pathlib import Path

import dotsparse

args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
args.add_argument("inputs", nargs="*", default=[str(Path(__file__).parent / "docs")])
args.add_argument("-o", "--output", default=str(Path(tempfile.gettempdir()) / "dotsparse-api-example"))
opts = args.parse_args()

with dotsparse.Parser(engine="embedded") as parser:
    for doc in parser.parse_many(opts.inputs, output=opts.output):
        print(f"{doc.status.value:8} {doc.source}  pages {[p.status.value for p in doc.pages]}"
              + (f"  ({doc.error})" if doc.error else ""))
    print(f"first run: {parser.report.pages} pages, {parser.report.pages_reused} reused")
    for doc in parser.parse_many(opts.inputs, output=opts.output, page_furniture=False):
        pass
    print(f"second run: {parser.report.pages} pages, {parser.report.pages_reused} reused; files in {opts.output}")
