"""Embedded engine vs pymupdf4llm on a folder of real PDFs: speed, CPU, memory, and text quality.

Run:  python benchmarks/embedded_throughput.py FOLDER [--repeat N] [--scans N]

FOLDER's top-level PDFs are the born-digital set, read in place. Each tool runs in its own process
(start-up included), `--repeat` rounds in one run, the tools interleaved and their order reversed
every other round (ABC CBA ABC ...), so that load from other processes drifting over minutes falls
on all alike. Per run: wall time, CPU seconds (the process and all its workers, from getrusage),
peak memory (the sum over the process tree, sampled: RSS and PSS, PSS counting pages shared between
workers once) and the 1-minute load average when it started. Medians are reported, and the pages/s
ratio is taken per round (embedded against the baseline's run next to it), its median and range
given: on a shared machine that spread is the honest error bar. CPU s/page hardly depends on load.
pymupdf4llm runs in layout mode (the same layout model), once per file in one process and through
its batch converter with one worker per core; the faster (by median) is the baseline. A fourth run,
layout-model-only, sends every page through PyMuPDF's layout model and nothing else, in the engine's
worker pool: both tools run that model on every page, so it is the ceiling of their pages/s. Text is scored
against FOLDER/docling_output/<name>.md where it exists (docling's own output, not ground truth).
Scans: `--scans` real pages rendered to 200-dpi images, parsed with OCR by the engine's worker pool:
s/page with start-up included and once running (first answer to last), accuracy against the page's
own text layer. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from docling_scoring import char_accuracy, order_score, token_f1  # noqa: E402

TOOLS = ("pymupdf4llm", "pymupdf4llm-batch", "embedded", "layout-model-only")


# --- child side: one tool over the files, Markdown per file into an output folder -----------------

def _child(tool: str, out: Path, files: list[str], ocr: str) -> None:
    pages, done = 0, []
    if tool.startswith("pymupdf4llm"):
        import pymupdf4llm

        from pymupdf4llm.batch_converter import _default_options

        pymupdf4llm.use_layout(True)
        # Its defaults, with OCR as ours: off on the born-digital set, on for scans.
        options = dict(_default_options("md"), use_ocr=ocr != "never")
        if tool == "pymupdf4llm-batch":
            results = pymupdf4llm.convert_batch(files, workers=os.cpu_count() or 1, options=options,
                                                out_dir=str(out / "batch"))
            texts = {r.input: (r.output if r.success else "") for r in results}
            outputs = [(f, texts.get(str(Path(f).resolve()), "") or "") for f in files]
        else:
            outputs = [(f, pymupdf4llm.to_markdown(f, **options)) for f in files]
        import pymupdf

        pages = sum(pymupdf.open(f).page_count for f in files)
    elif tool == "layout-model-only":
        import layout_ceiling

        outputs, pages = [], layout_ceiling.run(files)
    else:
        outputs, pages, done = _embedded(files, ocr)
    for f, text in outputs:
        (out / (Path(f).stem + ".md")).write_text(text or "", encoding="utf-8")
    print(json.dumps({"pages": pages, "done": done}))


def _embedded(files: list[str], ocr: str) -> tuple[list[tuple[str, str]], int, list[float]]:
    import asyncio

    from dotsparse.engines.embedded import EmbeddedEngine
    from tests.engines.embedded_run import markdown, request

    start = time.perf_counter()
    engine = EmbeddedEngine(ocr=ocr)
    reqs = []
    for f in files:
        import pymupdf

        with pymupdf.open(f) as doc:
            n = doc.page_count
        reqs += [(f, request(Path(f), i)) for i in range(n)]
    done: list[float] = []  # seconds from the process's start to each page's answer

    async def one(r):
        try:
            return await engine.infer(r)
        finally:
            done.append(time.perf_counter() - start)

    async def parse_all() -> list:
        try:
            return await asyncio.gather(*(one(r) for _, r in reqs), return_exceptions=True)
        finally:
            await engine.aclose()

    answers = asyncio.run(parse_all())
    by_file: dict[str, list[str]] = {f: [] for f in files}
    for (f, _), a in zip(reqs, answers):
        by_file[f].append("" if isinstance(a, Exception) else markdown(a))
    return [(f, "\n\n".join(by_file[f])) for f in files], len(reqs), sorted(done)


# --- parent side ----------------------------------------------------------------------------------

def _tree_memory(pid: int) -> tuple[int, int]:
    import psutil

    rss = pss = 0
    try:
        root = psutil.Process(pid)
        for p in [root] + root.children(recursive=True):
            try:
                info = p.memory_full_info()
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return rss, pss


def measure(tool: str, files: list[str], out: Path, ocr: str = "never") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", tool, "--ocr", ocr, "--out", str(out), *files],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0, 0]

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = _tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {}
    return {"wall": wall, "cpu": cpu, "rss": peak[0], "pss": peak[1], "pages": result.get("pages", 0),
            "done": result.get("done", [])}


def quality(folder: Path, out: Path, files: list[str]) -> tuple[float, float, int]:
    f1s, orders = [], []
    for f in files:
        ref = folder / "docling_output" / (Path(f).stem + ".md")
        if ref.exists():
            truth = ref.read_text(encoding="utf-8")
            got = (out / (Path(f).stem + ".md")).read_text(encoding="utf-8")
            f1s.append(token_f1(truth, got))
            orders.append(order_score(truth, got))
    return statistics.mean(f1s or [0]), statistics.mean(orders or [0]), len(f1s)


def born_digital(folder: Path) -> list[str]:
    import pymupdf

    files = []
    for p in sorted(folder.glob("*.pdf")):
        try:
            with pymupdf.open(p) as doc:
                if not doc.needs_pass and doc.page_count:
                    files.append(str(p))
        except Exception:
            continue
    return files


def make_scans(files: list[str], tmp: Path, n: int) -> tuple[list[str], dict[str, str]]:
    """The first `n` text-bearing pages rendered at 200 dpi into image-only PDFs; truth = their text layer."""
    import pymupdf

    scans, truth = [], {}
    for f in files:
        with pymupdf.open(f) as doc:
            page = doc[0]
            text = page.get_text()
            if len(text.strip()) < 200 or len(scans) >= n:
                continue
            pix = page.get_pixmap(matrix=pymupdf.Matrix(200 / 72, 200 / 72), colorspace=pymupdf.csGRAY)
            out = pymupdf.open()
            sp = out.new_page(width=page.rect.width, height=page.rect.height)
            sp.insert_image(sp.rect, stream=pix.tobytes("png"))
            path = tmp / f"scan_{Path(f).stem}.pdf"
            out.save(path)
            scans.append(str(path))
            truth[path.stem] = text
    return scans, truth


def _fmt(name: str, runs: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss", "pss")}
    pages = runs[0]["pages"] or 1
    return {"name": name, "pages": pages, "pages_s": pages / med["wall"], "cpu_page": med["cpu"] / pages,
            "rss_mb": med["rss"] / 2**20, "pss_mb": med["pss"] / 2**20,
            "walls": [round(r["wall"], 1) for r in runs], "loads": [round(r["load"], 1) for r in runs]}


def _timed(tool: str, files: list[str], out: Path, ocr: str = "never") -> dict:
    load = os.getloadavg()[0]
    return dict(measure(tool, files, out, ocr), load=load)


def born_digital_rounds(folder: Path, files: list[str], tmp: Path, repeat: int) -> None:
    runs: dict[str, list[dict]] = {t: [] for t in TOOLS}
    for r in range(repeat):
        for tool in (TOOLS if r % 2 == 0 else TOOLS[::-1]):
            runs[tool].append(_timed(tool, files, tmp / tool))
    rows = {t: _fmt(t, runs[t]) for t in TOOLS}
    scores = {t: quality(folder, tmp / t, files) for t in TOOLS if t != "layout-model-only"}
    print(f"{len(files)} born-digital PDFs, {rows['embedded']['pages']} pages, from {folder}; {repeat} rounds, "
          f"tools interleaved (ABC CBA ...), medians; {os.cpu_count()} cores")
    print(f"{'':18} {'pages/s':>7} {'CPU s/page':>10} {'RSS MB':>6} {'PSS MB':>6} {'F1':>6} {'order':>6}  "
          f"walls s / load avg at start")
    for t in TOOLS:
        row, (f1, order, n) = rows[t], scores.get(t, (float("nan"), float("nan"), 0))
        print(f"{t:18} {row['pages_s']:7.2f} {row['cpu_page']:10.3f} {row['rss_mb']:6.0f} {row['pss_mb']:6.0f} "
              f"{f1:6.3f} {order:6.3f}  {row['walls']} / {row['loads']}")
    base = max((rows["pymupdf4llm"], rows["pymupdf4llm-batch"]), key=lambda r: r["pages_s"])
    e = rows["embedded"]
    ratios = sorted(b["wall"] / a["wall"] for a, b in zip(runs["embedded"], runs[base["name"]]))
    print(f"embedded / best pymupdf4llm ({base['name']}): pages/s {statistics.median(ratios):.2f}x per round, "
          f"median (range {ratios[0]:.2f}-{ratios[-1]:.2f}; target >= 1.5); CPU/page "
          f"{e['cpu_page'] / base['cpu_page']:.2f}x (target <= 1); peak RSS {e['rss_mb'] / base['rss_mb']:.2f}x "
          f"(target <= 1.5), PSS {e['pss_mb'] / base['pss_mb']:.2f}x; scored on {scores['embedded'][2]} files "
          f"with a docling reference")
    ceiling = sorted(b["wall"] / a["wall"] for a, b in zip(runs["layout-model-only"], runs[base["name"]]))
    print(f"ceiling: PyMuPDF's layout model alone, on every page, in the same worker pool: pages/s "
          f"{statistics.median(ceiling):.2f}x {base['name']}'s per round, median (range {ceiling[0]:.2f}-"
          f"{ceiling[-1]:.2f}); {rows['layout-model-only']['cpu_page'] / e['cpu_page']:.0%} of the embedded "
          f"engine's CPU per page is that model's")


def scan_run(files: list[str], tmp: Path, n: int) -> None:
    scans, truth = make_scans(files, tmp, n)
    run = _timed("embedded", scans, tmp / "scans", ocr="auto")
    acc = [char_accuracy(truth[Path(s).stem], (tmp / "scans" / (Path(s).stem + ".md")).read_text())
           for s in scans]
    pages, cores, done = max(1, run["pages"]), os.cpu_count() or 1, run["done"]
    # Once running: from the first answer to the last, pages - 1 answers (start-up and models loading excluded).
    steady = (done[-1] - done[0]) / (len(done) - 1) if len(done) > 1 else float("nan")
    print(f"scans: {len(scans)} real pages rendered at 200 dpi, OCR on {cores} cores: "
          f"{run['wall'] / pages:.2f} s/page wall (start-up included, load avg {run['load']:.1f}), "
          f"{steady:.2f} s/page once running (first answer at {done[0] if done else float('nan'):.1f} s), "
          f"{run['cpu'] / pages:.2f} CPU s/page = {run['cpu'] / pages / cores:.2f} s/page with the cores to "
          f"itself; character accuracy {statistics.mean(acc or [0]):.3f} (vs the text layer)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scans", type=int, default=6)
    ap.add_argument("--child")
    ap.add_argument("--ocr", default="never")
    ap.add_argument("--out", type=Path)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.out, [str(args.folder)] + args.files, args.ocr)
        return
    files = born_digital(args.folder)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.repeat:
            born_digital_rounds(args.folder, files, tmp, args.repeat)
        if args.scans:
            scan_run(files, tmp, args.scans)


if __name__ == "__main__":
    main()
