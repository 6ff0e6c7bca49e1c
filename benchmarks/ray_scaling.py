"""Ray on one machine vs a local run, and a simulated multi-node cluster: the embedded engine on a folder.

Run:  python benchmarks/ray_scaling.py FOLDER [--cpus 2] [--nodes 2] [--limit N] [--shard-pages 2]

Three runs of the same parse (`--engine embedded`, the real engine: layout model, text layer, OCR):
  local   `dotsparse parse FILES -o OUT --engine embedded --workers CPUS` in its own process;
  ray     the same files through the Ray driver on a one-node cluster of CPUS CPUs started here
          (`ray.init(num_cpus=CPUS)`; cluster start-up timed apart from the run);
  nodes   a simulated cluster of NODES Ray nodes on this machine (`ray.cluster_utils.Cluster`, CPUS/NODES
          CPUs each), showing which node ran how many items.
Reports wall times, the ratio local/ray, items per node, and whether every output file matches the
local run's byte for byte (timing fields aside). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402

from dotsparse.config import RunConfig  # noqa: E402
from dotsparse.distributed.cluster import RayExecutor  # noqa: E402
from dotsparse.distributed.driver import Driver  # noqa: E402
from tests.distributed.compare import differences  # noqa: E402


def local_run(files: list[str], out: Path, cpus: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from dotsparse.cli import main; main()", "parse", *files, "-o", str(out),
                    "--engine", "embedded", "--workers", str(cpus), "--quiet"], check=False)
    return time.perf_counter() - started


def ray_run(files: list[str], out: Path, shard_pages: int) -> tuple[float, dict[str, int], dict[str, int]]:
    config = RunConfig(inputs=files, output=str(out), engine="embedded", shard_pages=shard_pages, quiet=True)
    driver = Driver(config, Console(stderr=True, quiet=True), RayExecutor("auto"), distributed=True)
    started = time.perf_counter()
    report = driver.run()
    took = time.perf_counter() - started
    assert report.pages, "no pages parsed"
    return took, driver.nodes, driver.kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--limit", type=int, default=6, help="first N PDFs of the folder (sorted by name)")
    parser.add_argument("--shard-pages", type=int, default=2)
    args = parser.parse_args()
    import ray
    from ray.cluster_utils import Cluster

    files = [str(p) for p in sorted(args.folder.glob("*.pdf"))[:args.limit]]
    work = Path(tempfile.mkdtemp(prefix="dotsparse-ray-bench-"))
    results: dict[str, object] = {"files": len(files), "cpus": args.cpus}
    try:
        results["local_s"] = round(local_run(files, work / "local", args.cpus), 2)
        pages = json.loads((work / "local" / "run.json").read_text())["pages"]
        results["pages"] = pages

        started = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
        results["ray_start_s"] = round(time.perf_counter() - started, 2)
        took, nodes, kinds = ray_run(files, work / "ray", args.shard_pages)
        ray.shutdown()
        results.update(ray_s=round(took, 2), ray_items=kinds, ray_identical=differences(work / "local", work / "ray") == [])
        results["local_over_ray"] = round(results["local_s"] / took, 2)  # type: ignore[operator]

        per_node = max(1, args.cpus // args.nodes)
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": per_node})
        for _ in range(args.nodes - 1):
            cluster.add_node(num_cpus=per_node)
        ray.init(address=cluster.address, logging_level="WARNING", log_to_driver=False)
        took, nodes, kinds = ray_run(files, work / "nodes", args.shard_pages)
        ray.shutdown()
        cluster.shutdown()
        results.update(nodes_s=round(took, 2), nodes=len(nodes), items_per_node=sorted(nodes.values(), reverse=True),
                       nodes_items=kinds, nodes_identical=differences(work / "local", work / "nodes") == [])
    finally:
        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
