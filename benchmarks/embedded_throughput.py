"""Embedded engine vs pymupdf4llm.to_markdown on generated papers: speed and accuracy against truth.

Run: python benchmarks/embedded_throughput.py [n_docs]. Prints numbers, asserts nothing.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dotsparse import layout_gate  # noqa: E402
from dotsparse.engines.embedded import EmbeddedEngine  # noqa: E402
from tests.engines import embedded_docs as docs  # noqa: E402
from tests.engines.embedded_run import markdown, request, run  # noqa: E402

PAGES = 3


_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")  # HTML table markup: <td colspan="2"> is syntax, not page text
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # Markdown image/link: keep the label, drop the target


def visible_text(markup: str) -> str:
    """What a reader sees of Markdown/HTML output; applied alike to every tool scored."""
    return html.unescape(_TAG.sub(" ", _LINK.sub(r"\1", markup)))


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", visible_text(text).lower())


def token_f1(truth: str, got: str) -> float:
    t, g = Counter(tokens(truth)), Counter(tokens(got))
    common = sum((t & g).values())
    if not common:
        return 0.0
    p, r = common / sum(g.values()), common / sum(t.values())
    return 2 * p * r / (p + r)


def order_score(truth: list[str], got: str) -> float:
    """Share of consecutive truth blocks that appear in the same order in the output."""
    flat = " ".join(tokens(got))
    pos = [flat.find(" ".join(tokens(b))[:60]) for b in truth]
    pairs = [(a, b) for a, b in zip(pos, pos[1:]) if a >= 0 and b >= 0]
    return sum(a < b for a, b in pairs) / max(1, len(truth) - 1)


def leakage(furniture: list[str], got: str) -> float:
    flat = " ".join(tokens(got))
    return sum(" ".join(tokens(f)) in flat for f in furniture) / max(1, len(furniture))


def score(name: str, truths: list, outputs: list[str]) -> None:
    f1 = sum(token_f1(" ".join(t.body + t.table_cells), o) for t, o in zip(truths, outputs)) / len(truths)
    order = sum(order_score(t.body, o) for t, o in zip(truths, outputs)) / len(truths)
    leak = sum(leakage(t.furniture, o) for t, o in zip(truths, outputs)) / len(truths)
    print(f"  {name:<28} token F1 {f1:.3f}   reading order {order:.3f}   header/footer leakage {leak:.3f}")


def pymupdf4llm_pages(paths: list[Path]) -> tuple[list[str], float]:
    import pymupdf4llm

    # dotsparse keeps the layout model out of its main process, so `import pymupdf` set pymupdf4llm to
    # its legacy mode, which ignores header=False/footer=False. Compare against its layout mode.
    layout_gate.load()
    pymupdf4llm.use_layout(True)

    start = time.perf_counter()
    out = []
    for p in paths:
        chunks = pymupdf4llm.to_markdown(str(p), page_chunks=True, header=False, footer=False, show_progress=False)
        out += [c["text"] for c in chunks]
    return out, time.perf_counter() - start


def engine_pages(paths: list[Path], workers: int) -> tuple[list[str], float]:
    engine = EmbeddedEngine(workers=workers, ocr="never")
    run(engine, [request(paths[0], 0)] * workers * 2)  # start every worker: process start-up is not page throughput
    reqs = [request(p, i) for p in paths for i in range(PAGES)]
    start = time.perf_counter()
    answers = run(engine, reqs)
    elapsed = time.perf_counter() - start
    import asyncio

    asyncio.run(engine.aclose())
    return [markdown(a) if not isinstance(a, Exception) else "" for a in answers], elapsed


def main(n_docs: int = 20) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths, truths = [], []
        for i in range(n_docs):
            path = Path(tmp) / f"paper{i:02d}.pdf"
            truths += docs.paper(path, pages=PAGES, columns=2 + i % 2, seed=i)
            paths.append(path)
        n = len(truths)
        ref, t_ref = pymupdf4llm_pages(paths)
        one, t_one = engine_pages(paths, workers=1)
        cores = os.cpu_count() or 1
        many, t_many = engine_pages(paths, workers=cores)
    print(f"{n_docs} generated papers, {n} pages (2 and 3 columns, tables, formulas, figures, headers/footers)")
    print(f"  pymupdf4llm.to_markdown, 1 process : {n / t_ref:6.2f} pages/s")
    print(f"  embedded, workers=1                : {n / t_one:6.2f} pages/s")
    print(f"  embedded, workers={cores} (folder)       : {n / t_many:6.2f} pages/s")
    print(f"  ratio embedded-on-folder / pymupdf4llm single process: {t_ref / t_many:.2f}x (target >= 1.8x)")
    print("accuracy against the generated truth (body only; furniture should be absent):")
    score("pymupdf4llm.to_markdown", truths, ref)
    score("embedded", truths, many)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
