"""Throughput and memory of `dotsparse parse` against the fake dots.ocr server (not a test).

Starts `tests.support.fake_server` in a subprocess with latency L and capacity C, runs the CLI as a
subprocess on a small and a large input, and prints achieved pages/s ÷ ideal, peak RSS ratio and
client CPU seconds per page.

    python benchmarks/throughput.py                            # L=10 s, C=64: one GPU's dots.ocr
    python benchmarks/throughput.py --latency 2 --capacity 32 --concurrency 40   # 16 pages/s, 5x faster
    python benchmarks/throughput.py --latency 0.5 --dpi 72     # stress: 64 pages/s from one client process

Ideal pages/s: the server completes at most C pages every L seconds, so a run of N pages cannot
take less than ceil(N / C) * L; ideal = N / (ceil(N / C) * L) (= C / L for large N). The fake
server runs on the same machine, so its own CPU (decoding every PNG) competes with the client's.
Defaults: a dots.ocr request takes 10-25 s single-stream and longer under batching, and the
maintainers advise 32-128 requests in flight per GPU; --concurrency is C plus a few queued.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Runs the CLI in this process and prints its own peak RSS and CPU times as the last stderr line.
# pymupdf imports pymupdf4llm whenever it is installed (it is, for the embedded benchmark): hide it,
# so memory is measured as a user's install (without the `bench` extra) would use it.
WRAPPER = """
import json, resource, sys
sys.modules["pymupdf4llm"] = None
from dotsparse.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
u = resource.getrusage(resource.RUSAGE_SELF)
print("BENCH " + json.dumps({"maxrss_kb": u.ru_maxrss, "cpu_s": u.ru_utime + u.ru_stime}), file=sys.stderr)
sys.exit(code if isinstance(code, int) else 1)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, args, pdf_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_server", "--port", str(port),
                             "--latency", str(args.latency), "--capacity", str(args.capacity),
                             "--docs", str(args.docs), "--pages", str(args.pages), "--write-pdfs", str(pdf_dir)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()  # "fake dots.ocr serving ..." once the PDFs exist and the port listens
    return proc


def run_cli(inputs: list[Path], out: Path, url: str, args) -> dict:
    cmd = [sys.executable, "-c", WRAPPER, "parse", *map(str, inputs), "-o", str(out), "--server", url,
           "--concurrency", str(args.concurrency), "--dpi", str(args.dpi), "--quiet", "--force"]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    wall = time.monotonic() - started
    line = next((ln for ln in reversed(proc.stderr.splitlines()) if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"dotsparse failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    stats = json.loads(line[len("BENCH "):])
    report = json.loads((out / "run.json").read_text())
    return {"pages": report["pages"], "wall_s": wall, "run_wall_s": report["wall_s"], "pages_per_s":
            report["pages_per_s"], "maxrss_mb": stats["maxrss_kb"] / 1024, "cpu_s": stats["cpu_s"],
            "stage_s": report["stage_s"]}


def ideal_rate(pages: int, args) -> float:
    return pages / (math.ceil(pages / args.capacity) * args.latency)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=10.0, help="seconds per request (dots.ocr: 10-25 s single-stream)")
    ap.add_argument("--capacity", type=int, default=64, help="requests the server processes at once")
    ap.add_argument("--concurrency", type=int, default=72,
                    help="dotsparse --concurrency; a few above C keep the next pages queued at the server")
    ap.add_argument("--docs", type=int, default=20, help="documents in the large run (<= 24)")
    ap.add_argument("--pages", type=int, default=100, help="pages per document")
    ap.add_argument("--small", type=int, default=20, help="pages in the small run")
    ap.add_argument("--dpi", type=float, default=200, help="dotsparse --dpi (200 is its default)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dotsparse-bench-"))
    port = free_port()
    server = start_server(port, args, work / "pdfs")
    url = f"http://127.0.0.1:{port}/v1"
    try:
        pdfs = sorted((work / "pdfs").glob("*.pdf"))
        small_dir = work / "small"
        small_dir.mkdir()
        import pymupdf

        with pymupdf.open(pdfs[0]) as src, pymupdf.open() as dst:  # the first `small` pages of doc00
            dst.insert_pdf(src, to_page=args.small - 1)
            dst.save(small_dir / "doc00.pdf")
        results = {}
        for name, inputs in (("small", [small_dir / "doc00.pdf"]), ("large", pdfs)):
            results[name] = run_cli(inputs, work / f"out-{name}", url, args)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    for name, r in results.items():
        ideal = ideal_rate(r["pages"], args)
        print(f"{name:5} {r['pages']:5d} pages  {r['pages_per_s']:7.2f} pages/s  ideal {ideal:6.2f}  "
              f"ratio {r['pages_per_s'] / ideal:.3f}  peak RSS {r['maxrss_mb']:.0f} MB  "
              f"CPU {1000 * r['cpu_s'] / r['pages']:.1f} ms/page  stages {r['stage_s']}")
    print(f"throughput ratio (large): {results['large']['pages_per_s'] / ideal_rate(results['large']['pages'], args):.3f}"
          f"  (target >= 0.95)")
    print(f"peak RSS large / small: {results['large']['maxrss_mb'] / results['small']['maxrss_mb']:.2f}  (target <= 1.2)")


if __name__ == "__main__":
    main()
