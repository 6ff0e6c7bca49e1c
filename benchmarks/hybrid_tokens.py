"""Full path vs hybrid path on born-digital PDFs: output tokens, modelled GPU-seconds and pages/s (not a test).

One run: generated documents with a known layout and exact text (dense prose pages, and mixed pages
with a table, a formula and a picture) are parsed twice by the CLI (`--text-source model`, then
`auto`) against the fake dots.ocr server with a GPU time model (tests/support/gpu_model.GpuModel,
where each default is derived): the GPU prefills --prefill-tps prompt tokens/s (--vision-share of an
image token's cost is the vision encoder) and decodes --decode-tps output tokens/s in all, shared by
S sequences at once. Defaults: 15,000 and 10,000 tokens/s, 91 % (dots.ocr on one H100/H200 under
vLLM, from FLOPs and bytes per token), S = 16. --cache picks the prefix-cache model:
  vllm         vLLM's default (on): KV reused in full 16-token blocks of the shared prefix; the vision
               encoder re-runs for a repeated image unless those blocks cover the image or the small
               encoder cache still holds it;
  whole-image  optimistic: a repeated image costs nothing to prefill (this benchmark's model before);
  off          every request prefills its whole image.
At saturation GPU-seconds per page and pages/s do not depend on S; S only sets how many requests
must be in flight. Modelled time runs 1 / --time-scale times faster than real time.

    python benchmarks/hybrid_tokens.py                   # 30 dense + 20 mixed pages, 200 dpi, ~4 min
    python benchmarks/hybrid_tokens.py --samples /work/shared/samples/docling   # also: what real PDFs' text layers hold

What is measured, and what is not:
- output and prompt tokens per page: the server counts them (gpu_model.count_tokens: a Qwen2-like
  estimate, digits one token each) on the answers each path asks for; the full path's answers are the
  model's ideal (the known layout and text), so its token count is a lower bound of a real model's.
- GPU-s per page: the modelled service seconds of all the page's requests / S, i.e. the share of one
  GPU the page costs; its inverse is what one server sustains at saturation. The table after each set
  recomputes it from the same token counts for other prefill and decode rates and cache models.
- pages/s per server (measured): pages / the modelled time from the first request to the last answer;
  it includes the client's rendering, text-layer reading and round trips, not its start-up. `busy` is
  the modelled GPU time / S / that time; `full` is the share of the time until the last page's first request
  during which all S sequences were taken (later, a page's box requests wait for its layout answer). Below ~0.8 the run was bound by the client (or its last partial wave), not the server,
  and the line says "client-bound": then the GPU-s ratio, not the measured pages/s, is the server's.
- client CPU: CPU seconds per page of the dotsparse process (all its threads), beside the load average.
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
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.docgen import DocSpec, make_pdf, simple_doc, text_heavy_doc  # noqa: E402
from tests.support.fake_server import FakeDotsServer  # noqa: E402
from tests.support.gpu_model import GpuModel, count_tokens  # noqa: E402

MODEL_TEXT = ("Table", "Formula", "Picture")


def run_path(pdfs: list[Path], specs: dict[str, DocSpec], source: str, gpu: GpuModel, args, work: Path) -> dict:
    out = work / f"out-{source}-{pdfs[0].parent.name}"
    with FakeDotsServer({s.doc_id: s for s in specs.values()}, gpu=gpu) as server:
        cmd = [sys.executable, "-m", "dotsparse", "parse", *map(str, pdfs), "-o", str(out), "--server", server.url,
               "--text-source", source, "--concurrency", str(args.concurrency), "--dpi", str(args.dpi), "--quiet"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"dotsparse failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        ledger = server.ledger
    report = json.loads((out / "run.json").read_text())
    pages = report["pages"]
    exact, total, similar = accuracy(out, pdfs, specs)
    window = (max(e for _, e in ledger.spans) - min(s for s, _ in ledger.spans)) / args.time_scale  # modelled s
    gpu_s = ledger.total_service_s / gpu.sequences
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"pages": pages, "paths": report.get("pages_by_path"), "requests": report["requests"] / pages,
            "completion": report["completion_tokens"] / pages, "prompt": ledger.prompt_tokens / pages,
            "encoded": ledger.encoded_tokens / pages, "gpu_s": gpu_s / pages,
            "tokens": Tokens(ledger.prompt_tokens, ledger.cached_tokens, ledger.image_tokens,
                             ledger.encoded_tokens, ledger.repeat_tokens, ledger.completion_tokens),
            "pages_per_s": pages / window, "busy": gpu_s / window,
            "full": ledger.saturated_share(gpu.sequences), "cpu_per_page": cpu / pages,
            "load": os.getloadavg()[0], "exact": exact / total if total else 1.0, "similar": similar}


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


@dataclass(frozen=True)
class Tokens:
    """A run's token counts, from the server's ledger."""

    prompt: int
    cached: int  # KV found cached (vLLM's full blocks)
    image: int
    encoded: int  # image tokens the vision encoder ran on
    repeat: int  # image tokens of images seen before
    completion: int

    def gpu_s(self, pages: int, prefill_tps: float, decode_tps: float, vision_share: float, cache: str) -> float:
        """GPU-seconds per page at other rates or another cache model (the model is linear in the counts;
        under `vllm` the cache hits are those of the measured run)."""
        computed, encoded = {"vllm": (self.prompt - self.cached, self.encoded),
                             "whole-image": (self.prompt - self.repeat, self.image - self.repeat),
                             "off": (self.prompt, self.image)}[cache]
        prefill = (1 - vision_share) * computed + vision_share * encoded
        return (prefill / prefill_tps + self.completion / decode_tps) / pages


PREFILLS = (10_000, 15_000, 20_000, 40_000)
DECODES = (3_200, 10_000, 20_000)


def sensitivity(full: dict, hybrid: dict, args) -> list[str]:
    """Pages/s ratio hybrid / full at saturation (= the GPU-s ratio) for other GPU rates and cache models."""
    lines = [f"  pages/s ratio at saturation (hybrid / full), by prefill tokens/s (columns) and decode tokens/s, "
             f"vision share {args.vision_share:.2f}:",
             "    " + f"{'cache':12} {'decode':>7}" + "".join(f"{p // 1000:>7}k" for p in PREFILLS)]
    for cache in ("vllm", "whole-image", "off"):
        for decode in DECODES:
            ratios = [full["tokens"].gpu_s(full["pages"], p, decode, args.vision_share, cache)
                      / hybrid["tokens"].gpu_s(hybrid["pages"], p, decode, args.vision_share, cache) for p in PREFILLS]
            lines.append("    " + f"{cache:12} {decode:>7}" + "".join(f"{r:>7.2f}x" for r in ratios))
    return lines


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
    ap.add_argument("--decode-tps", type=float, default=10_000.0, help="output tokens/s the GPU decodes in all")
    ap.add_argument("--prefill-tps", type=float, default=15_000.0, help="prompt tokens/s the GPU prefills in all")
    ap.add_argument("--vision-share", type=float, default=GpuModel.vision_share,
                    help="share of an image token's prefill spent in the vision encoder")
    ap.add_argument("--cache", choices=("vllm", "whole-image", "off"), default="vllm", help="prefix-cache model")
    ap.add_argument("--time-scale", type=float, default=3.0, help=(
        "wall seconds per modelled second; the client (rendering at --dpi, reading text layers) must outpace "
        "the modelled GPU for pages/s to measure the server, so keep it >= 1 on a busy machine"))
    ap.add_argument("--concurrency", type=int, default=None, help="dotsparse -j (default: sequences + 8)")
    ap.add_argument("--samples", type=Path, default=None, help="a folder of real PDFs, read in place")
    args = ap.parse_args()
    args.concurrency = args.concurrency or args.sequences + 8
    gpu = GpuModel(prefill_s=args.sequences / args.prefill_tps, decode_s=args.sequences / args.decode_tps,
                   sequences=args.sequences, vision_share=args.vision_share, prefix_cache=args.cache != "off",
                   whole_image_cached=args.cache == "whole-image", time_scale=args.time_scale)
    work = Path(tempfile.mkdtemp(prefix="dotsparse-hybrid-bench-"))
    sets = {"dense": [text_heavy_doc(20 + i, 10) for i in range(args.dense // 10)],
            "mixed": [simple_doc(1 + i, 10) for i in range(args.mixed // 10)]}
    print(f"GPU model: prefill {args.prefill_tps:.0f} tokens/s (vision share {args.vision_share:.2f}), decode "
          f"{args.decode_tps:.0f} tokens/s, {args.sequences} sequences, cache {args.cache}; dpi {args.dpi}; "
          f"dotsparse -j {args.concurrency}; time scale {args.time_scale}; {os.cpu_count()} CPUs")
    for name, specs in sets.items():
        if not specs:
            continue
        folder = work / name
        folder.mkdir()
        by_name = {f"doc{s.doc_id:02d}": s for s in specs}
        pdfs = [make_pdf(folder / f"{n}.pdf", s) for n, s in by_name.items()]
        started = time.monotonic()
        full = run_path(pdfs, by_name, "model", gpu, args, work)
        hybrid = run_path(pdfs, by_name, "auto", gpu, args, work)
        print(f"\n{name}: {full['pages']} pages ({time.monotonic() - started:.0f} s)")
        print(f"  {'path':7} {'requests':>8} {'out tok':>8} {'prompt':>7} {'encoded':>7} {'GPU-s':>7} {'pages/s':>8} "
              f"{'busy':>5} {'full':>5} {'cpu/pg':>6} {'load':>5} {'exact':>6} {'similar':>7}   (per page)")
        for label, r in (("full", full), ("hybrid", hybrid)):
            bound = ("  server-bound" if r["full"] >= 0.8 else "  client-bound" if r["pages"] > args.sequences
                     else f"  not saturated: {r['pages']} pages cannot fill {args.sequences} sequences")
            print(f"  {label:7} {r['requests']:8.1f} {r['completion']:8.0f} {r['prompt']:7.0f} {r['encoded']:7.0f} "
                  f"{r['gpu_s']:7.3f} {r['pages_per_s']:8.3f} {r['busy']:5.2f} {r['full']:5.2f} "
                  f"{r['cpu_per_page']:6.3f} {r['load']:5.1f} {r['exact']:6.3f} {r['similar']:7.4f}   "
                  f"{r['paths']}{bound}")
        print(f"  full / hybrid: output tokens {full['completion'] / hybrid['completion']:.2f}x, GPU-s "
              f"{full['gpu_s'] / hybrid['gpu_s']:.2f}x, pages/s measured "
              f"{hybrid['pages_per_s'] / full['pages_per_s']:.2f}x (goal on dense pages: >= 3x tokens, >= 2x pages/s)")
        print("\n".join(sensitivity(full, hybrid, args)))
    if args.samples:
        samples(args.samples)


if __name__ == "__main__":
    main()
