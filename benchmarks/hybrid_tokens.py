"""Full path vs hybrid path on born-digital PDFs: output tokens, modelled GPU-seconds and pages/s (not a test).

One run: generated documents with a known layout and exact text (dense prose pages, and mixed pages
with a table, a formula and a picture) are parsed twice by the CLI (`--text-source model`, then
`auto`) against the fake dots.ocr server with a GPU time model (tests/support/fake_server.GpuModel):
the GPU decodes --decode-tps output tokens/s and prefills --prefill-tps prompt tokens/s in all,
shared by S sequences at once, so a request holds a sequence for S x (prompt tokens not in the
prefix cache / prefill-tps + output tokens / decode-tps). Defaults: 3,200 and 20,000 tokens/s (a
~3B VLM on one datacenter GPU under vLLM; dots.ocr's 42-layer vision encoder makes its prefill
dearer than a text model's), vLLM's prefix cache on, S = 16. At saturation GPU-seconds per page and
pages/s do not depend on S; S only sets how many requests must be in flight. Modelled time runs
1 / --time-scale times faster than real time.

    python benchmarks/hybrid_tokens.py                   # 30 dense + 20 mixed pages, 200 dpi, ~3 min
    python benchmarks/hybrid_tokens.py --samples /work/shared/samples/docling   # also: what real PDFs' text layers hold

What is measured, and what is not:
- output and prompt tokens per page: the server counts them (fake_server.count_tokens: a Qwen2-like
  estimate, digits one token each) on the answers each path asks for; the full path's answers are the
  model's ideal (the known layout and text), so its token count is a lower bound of a real model's.
- GPU-seconds per page: the modelled service seconds of all the page's requests / S, i.e. the share of
  one GPU the page costs; its inverse is what one server sustains. The ratio is also recomputed from the
  same token counts for other prefill rates and without the prefix cache: it depends on them.
- pages/s per server: pages / the run's wall time (run.json), converted to modelled time; it includes
  the client's rendering, text-layer reading and round trips. `busy` is the modelled GPU time / that
  time: below ~0.9 the run was bound by the client (or by the last partial wave), not by the server.
- text accuracy: each text cell against the known text of its block (exact share, and a character-level
  similarity over all text). The full path's text is the fake server's own answer, i.e. the known text,
  so its 1.000 is true by construction and measures nothing; the hybrid figure measures the text-layer
  reading (dotsparse.run.textfill) against text it did not produce.
- `--samples DIR` (e.g. /work/shared/samples/docling, read in place): for each real dots.ocr answer in
  DIR/dots_answers whose PDF is in DIR, the model's own boxes are filled from the text layer and the
  content is compared with the model's own text; tokens of the real answer vs the hybrid requests.
  No server takes part: there is no model here to answer a layout_only prompt on a real page.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.docgen import DocSpec, make_pdf, simple_doc, text_heavy_doc  # noqa: E402
from tests.support.fake_server import FakeDotsServer, GpuModel, count_tokens  # noqa: E402

MODEL_TEXT = ("Table", "Formula", "Picture")


def run_path(pdfs: list[Path], specs: dict[str, DocSpec], source: str, gpu: GpuModel, args, work: Path) -> dict:
    out = work / f"out-{source}-{pdfs[0].parent.name}"
    with FakeDotsServer({s.doc_id: s for s in specs.values()}, gpu=gpu) as server:
        cmd = [sys.executable, "-m", "dotsparse", "parse", *map(str, pdfs), "-o", str(out), "--server", server.url,
               "--text-source", source, "--concurrency", str(args.concurrency), "--dpi", str(args.dpi), "--quiet"]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        if proc.returncode != 0:
            sys.exit(f"dotsparse failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        ledger = server.ledger
    report = json.loads((out / "run.json").read_text())
    pages = report["pages"]
    exact, total, similar = accuracy(out, pdfs, specs)
    return {"pages": pages, "paths": report.get("pages_by_path"), "requests": report["requests"] / pages,
            "completion": report["completion_tokens"] / pages, "prompt": ledger.prompt_tokens / pages,
            "prefilled": (ledger.prompt_tokens - ledger.cached_tokens) / pages,
            "gpu_s": ledger.total_service_s / gpu.sequences / pages,
            "ledger": (ledger.prompt_tokens, ledger.cached_tokens, ledger.completion_tokens),
            "pages_per_s": pages / (report["wall_s"] / args.time_scale),  # modelled seconds
            "busy": ledger.total_service_s / gpu.sequences / (report["wall_s"] / args.time_scale),
            "exact": exact / total if total else 1.0, "similar": similar}


def accuracy(out: Path, pdfs: list[Path], specs: dict[str, DocSpec]) -> tuple[int, int, float]:
    """Text cells equal to their block's known text, their number, and the character similarity of all of it."""
    exact = total = matched = chars = 0
    for pdf in pdfs:
        doc = json.loads((out / pdf.stem / f"{pdf.stem}.json").read_text())
        for page, spec in zip(doc["pages"], specs[pdf.stem].pages):
            want = [b.answer_text or "" for b in spec.blocks if b.category not in MODEL_TEXT]
            got = [c["text"] for c in page["cells"] if c["category"] not in MODEL_TEXT]
            got += [""] * (len(want) - len(got))  # a missing cell is all wrong
            total += len(want)
            for g, w in zip(got, want):
                exact += g == w
                matched += sum(m.size for m in difflib.SequenceMatcher(None, g, w, autojunk=False).get_matching_blocks())
                chars += max(len(g), len(w))
    return exact, total, matched / chars if chars else 1.0


def gpu_s(ledger: tuple[int, int, int], pages: int, prefill_tps: float, decode_tps: float, cache: bool = True) -> float:
    """GPU-seconds per page for other GPU rates, from the same token counts (the model is linear in them)."""
    prompt, cached, completion = ledger
    return ((prompt - (cached if cache else 0)) / prefill_tps + completion / decode_tps) / pages


def sensitivity(full: dict, hybrid: dict, args) -> str:
    ratios = []
    for prefill in (10_000, 20_000, 40_000, 80_000):
        ratio = (gpu_s(full["ledger"], full["pages"], prefill, args.decode_tps)
                 / gpu_s(hybrid["ledger"], hybrid["pages"], prefill, args.decode_tps))
        ratios.append(f"{prefill // 1000}k {ratio:.2f}x")
    nocache = (gpu_s(full["ledger"], full["pages"], args.prefill_tps, args.decode_tps, cache=False)
               / gpu_s(hybrid["ledger"], hybrid["pages"], args.prefill_tps, args.decode_tps, cache=False))
    return f"GPU-s ratio by prefill tokens/s: {', '.join(ratios)}; without the prefix cache {nocache:.2f}x"


def samples(folder: Path) -> None:
    """Real dots.ocr answers in `folder`/dots_answers whose PDF is in `folder`: the model's own boxes filled
    from the text layer, against the model's own text; and the output tokens either path needs."""
    import re

    import pymupdf

    from dotsparse.engines.base import PageRef
    from dotsparse.model import Box, Category, PageGeometry
    from dotsparse.parse.repair import recover_elements
    from dotsparse.run.textfill import judge_page, texts_in_boxes
    from dotsparse.sizing import smart_resize

    def plain(text: str) -> str:  # content only: Markdown marks, bullets and spacing apart
        return " ".join(re.sub(r"[*_#`>]|^\s*[-•]\s", " ", text, flags=re.M).split())

    for source in sorted((folder / "dots_answers").glob("*.source.txt")):
        m = re.search(r"pdf/([^,]+\.pdf), page (\d+)", source.read_text())
        pdf = folder / m.group(1) if m else None
        if pdf is None or not pdf.is_file():
            continue
        answer = source.with_name(source.name.replace(".source.txt", ".json")).read_text()
        elements = [e for e in recover_elements(answer).elements if isinstance(e.get("bbox"), list)
                    and len(e["bbox"]) == 4 and isinstance(e.get("category"), str)]
        index = int(m.group(2)) - 1
        with pymupdf.open(pdf) as doc:
            rect = doc[index].rect
            words = [w[:4] for w in doc[index].get_text("words")]
        # The answer does not say the size of the image it saw: take the dpi whose image puts most of the
        # page's words inside the model's boxes (this uses the boxes only, never the text being scored).
        def inside(dpi: float) -> int:
            w, h = smart_resize(round(rect.width * dpi / 72), round(rect.height * dpi / 72))
            sx, sy = w / rect.width, h / rect.height
            return sum(any(b[0] <= (x0 + x1) / 2 * sx <= b[2] and b[1] <= (y0 + y1) / 2 * sy <= b[3]
                           for b in (e["bbox"] for e in elements)) for x0, y0, x1, y1 in words)
        dpi = max((72, 96, 100, 120, 144, 150, 200), key=inside)
        w, h = smart_resize(round(rect.width * dpi / 72), round(rect.height * dpi / 72))
        geometry = PageGeometry(width_pt=rect.width, height_pt=rect.height, dpi=dpi, width_px=w, height_px=h,
                                sent_width=w, sent_height=h)
        ref = PageRef(path=pdf, index=index, kind="pdf")
        verdict = judge_page(ref, "auto")
        cells = [(Category(e["category"]), Box(x1=e["bbox"][0], y1=e["bbox"][1], x2=e["bbox"][2], y2=e["bbox"][3]))
                 for e in elements]
        texts = texts_in_boxes(ref, geometry, cells)
        pairs = [(t, e.get("text") or "") for t, e in zip(texts, elements) if t is not None]
        matched = sum(sum(b.size for b in difflib.SequenceMatcher(None, plain(t), plain(e), autojunk=False)
                          .get_matching_blocks()) for t, e in pairs)
        chars = sum(max(len(plain(t)), len(plain(e))) for t, e in pairs)
        layout_only = json.dumps([{"bbox": e["bbox"], "category": e["category"]} for e in elements])
        asked = [e.get("text") or "" for t, e in zip(texts, elements) if t is None and e["category"] != "Picture"]
        full_tokens, hybrid_tokens = count_tokens(answer), count_tokens(layout_only) + sum(map(count_tokens, asked))
        print(f"\nreal dots.ocr answer: {pdf.name} page {index + 1} ({len(elements)} boxes, image {w}x{h} "
              f"as fitted; text layer: {verdict.reason})")
        print(f"  text cells filled from the text layer: {len(pairs)} of {len(elements)}; their content against "
              f"the model's own text (Markdown marks aside): {matched / chars if chars else 1:.4f}")
        print(f"  output tokens: full {full_tokens}, hybrid {hybrid_tokens} (layout_only + "
              f"{len(asked)} boxes by the model): {full_tokens / max(1, hybrid_tokens):.2f}x fewer")
        for t, e in pairs:
            if plain(t) != plain(e):
                at = next(i for i, (a, b) in enumerate(zip(plain(t) + " ", plain(e) + " ")) if a != b)
                print(f"    differs: model ...{plain(e)[max(0, at - 30):at + 40]!r}\n"
                      f"             pdf   ...{plain(t)[max(0, at - 30):at + 40]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dense", type=int, default=30, help="dense prose pages (text-heavy)")
    ap.add_argument("--mixed", type=int, default=20, help="mixed pages: table, formula, picture, less prose")
    ap.add_argument("--dpi", type=float, default=200, help="dotsparse --dpi (200 is its default)")
    ap.add_argument("--sequences", type=int, default=16, help="sequences the GPU runs at once")
    ap.add_argument("--decode-tps", type=float, default=3200.0, help="output tokens/s the GPU decodes in all")
    ap.add_argument("--prefill-tps", type=float, default=20000.0, help="prompt tokens/s the GPU prefills in all")
    ap.add_argument("--no-prefix-cache", action="store_true", help="every request prefills its whole image")
    ap.add_argument("--time-scale", type=float, default=2.0, help=(
        "wall seconds per modelled second; the client (rendering at --dpi, reading text layers) must outpace "
        "the modelled GPU for pages/s to measure the server, so keep it >= 1 on a busy machine"))
    ap.add_argument("--concurrency", type=int, default=None, help="dotsparse -j (default: sequences + 8)")
    ap.add_argument("--samples", type=Path, default=None, help="a folder of real PDFs, read in place")
    args = ap.parse_args()
    args.concurrency = args.concurrency or args.sequences + 8
    gpu = GpuModel(prefill_s=args.sequences / args.prefill_tps, decode_s=args.sequences / args.decode_tps,
                   sequences=args.sequences, prefix_cache=not args.no_prefix_cache, time_scale=args.time_scale)
    work = Path(tempfile.mkdtemp(prefix="dotsparse-hybrid-bench-"))
    sets = {"dense": [text_heavy_doc(20 + i, 10) for i in range(max(1, args.dense // 10))],
            "mixed": [simple_doc(1 + i, 10) for i in range(max(1, args.mixed // 10))]}
    print(f"GPU model: decode {args.decode_tps:.0f} tokens/s, prefill {args.prefill_tps:.0f} tokens/s, "
          f"{args.sequences} sequences, prefix cache {'off' if args.no_prefix_cache else 'on'}; dpi {args.dpi}; "
          f"dotsparse -j {args.concurrency}; time scale {args.time_scale}")
    for name, specs in sets.items():
        folder = work / name
        folder.mkdir()
        by_name = {f"doc{s.doc_id:02d}": s for s in specs}
        pdfs = [make_pdf(folder / f"{n}.pdf", s) for n, s in by_name.items()]
        started = time.monotonic()
        full = run_path(pdfs, by_name, "model", gpu, args, work)
        hybrid = run_path(pdfs, by_name, "auto", gpu, args, work)
        print(f"\n{name}: {full['pages']} pages ({time.monotonic() - started:.0f} s)")
        print(f"  {'path':7} {'requests':>8} {'out tok':>8} {'prompt':>7} {'prefill':>7} {'GPU-s':>7} "
              f"{'pages/s':>8} {'busy':>5} {'exact':>6} {'similar':>7}   (per page; pages/s per server)")
        for label, r in (("full", full), ("hybrid", hybrid)):
            print(f"  {label:7} {r['requests']:8.1f} {r['completion']:8.0f} {r['prompt']:7.0f} {r['prefilled']:7.0f} "
                  f"{r['gpu_s']:7.3f} {r['pages_per_s']:8.3f} {r['busy']:5.2f} "
                  f"{r['exact']:6.3f} {r['similar']:7.4f}   {r['paths']}")
        print(f"  full / hybrid: output tokens {full['completion'] / hybrid['completion']:.2f}x, GPU-s "
              f"{full['gpu_s'] / hybrid['gpu_s']:.2f}x, pages/s {hybrid['pages_per_s'] / full['pages_per_s']:.2f}x "
              f"(goal on dense pages: >= 3x tokens, >= 2x pages/s)")
        print(f"  {sensitivity(full, hybrid, args)}")
    if args.samples:
        samples(args.samples)


if __name__ == "__main__":
    main()
