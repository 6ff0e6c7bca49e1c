"""`aparse` for async programs (a web service, an agent): documents parsed concurrently on the Parser's loop.

    python examples/async_api.py [FILES...]
"""

import asyncio
import sys
from pathlib import Path

import dotsparse

DOCS = Path(__file__).parent / "docs"


async def main(paths: list[str]) -> None:
    with dotsparse.Parser(engine="embedded", raise_on_error=True) as parser:
        try:
            docs = await asyncio.gather(*(parser.aparse(p) for p in paths))
        except dotsparse.DotsparseError as exc:  # raise_on_error: typed, naming file, page and stage
            print(f"failed: {exc}")
            return
    for doc in docs:
        print(f"{doc.source}: {doc.status.value}, {sum(len(p.cells) for p in doc.pages)} cells")


asyncio.run(main(sys.argv[1:] or [str(DOCS / "paper.pdf"), str(DOCS / "scanned-page.png")]))
