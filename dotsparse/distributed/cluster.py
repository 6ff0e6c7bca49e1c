"""Ray: connecting (`--ray auto|local|ADDRESS`), the remote task and actor, and the preflight checks.

Ray is imported here only, and only when a run asks for it: the core install never needs it.
"""

from __future__ import annotations

import os
import platform
import uuid
from pathlib import Path
from typing import Any, Optional

from .. import __version__
from ..errors import UsageError
from .events import EventSink
from .items import ItemResult, ItemSpec
from .locations import filesystem, is_remote, join, local_path

ITEM_RETRIES = 3  # a worker process or node lost mid-item: Ray runs the item again (committed pages are skipped)
PROBE_TIMEOUT_S = 120.0


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray, which is not installed", hint="pip install 'dotsparse[ray]'") from None
    return ray


def connect(address: str) -> bool:
    """Join (or start) the cluster; True when this call started Ray (and so must shut it down)."""
    ray = import_ray()
    if ray.is_initialized():  # the caller's own ray.init (a notebook, a test, `ray job submit`)
        return False
    kwargs: dict[str, Any] = {"logging_level": "WARNING", "log_to_driver": False,
                              "include_dashboard": False}
    if address == "local":
        target: Optional[str] = "local"
    elif address == "auto":
        target = os.environ.get("RAY_ADDRESS") or "auto"
        kwargs.pop("include_dashboard")
    else:
        target = address
        kwargs.pop("include_dashboard")
    try:
        ray.init(address=target, **kwargs)
    except ConnectionError as exc:
        where = "$RAY_ADDRESS or a cluster started on this machine" if address == "auto" else address
        raise UsageError(f"--ray {address}: no Ray cluster found ({where}): {exc}",
                         hint="start one (`ray start --head`), give its address, or use --ray local") from None
    return True


class RayExecutor:
    """Items as Ray core tasks; events through one actor."""

    def __init__(self, address: str):
        self.ray = import_ray()
        self.started = connect(address)
        self._item = self.ray.remote(max_retries=ITEM_RETRIES, retry_exceptions=False)(_item_task)
        self._probe = self.ray.remote(num_cpus=0, max_retries=0)(_probe_task)
        self.sink = self.ray.remote(num_cpus=0)(EventSink).remote()

    def cpus(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def submit(self, spec: ItemSpec, num_cpus: float) -> Any:
        return self._item.options(num_cpus=num_cpus).remote(spec, self.sink)

    def wait(self, pending: list[Any], timeout: float) -> tuple[list[Any], list[Any]]:
        return self.ray.wait(pending, num_returns=1, timeout=timeout)

    def result(self, ref: Any) -> ItemResult:
        return self.ray.get(ref)

    def cancel(self, ref: Any) -> None:
        try:
            self.ray.cancel(ref, force=True)
        except Exception:  # already finished
            pass

    def take(self) -> list[Any]:
        return self.ray.get(self.sink.take.remote())

    def node_of(self, result: ItemResult) -> str:
        return result.node

    def preflight(self, output: Optional[str]) -> list[dict[str, Any]]:
        """Every alive node runs the same dotsparse, Ray and Python, and sees the output (a probe file)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        token = uuid.uuid4().hex
        probe = None if output is None else _write_probe(output, token)
        try:
            nodes = [n for n in self.ray.nodes() if n.get("Alive")]
            refs = [self._probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False))
                    .remote(probe, token) for n in nodes]
            found = self.ray.get(refs, timeout=PROBE_TIMEOUT_S)
        finally:
            if output is not None and probe is not None:
                _remove_probe(probe)
        mine = versions()
        problems = []
        for node in found:
            for name in ("dotsparse", "ray", "python"):
                if node[name] != mine[name]:
                    problems.append(f"node {node['node']} runs {name} {node[name]}, this driver {mine[name]}")
            if probe is not None and not node["sees_output"]:
                problems.append(f"node {node['node']} does not see the output {output} ({node['error']})")
        if problems:
            raise UsageError("preflight: " + "; ".join(problems),
                             hint="every node needs the same dotsparse, Ray and Python, and the output on shared "
                                  "or object storage (README: Many machines)")
        return found

    def close(self) -> None:
        try:
            self.ray.kill(self.sink)
        except Exception:  # already gone with the cluster
            pass
        if self.started:
            self.ray.shutdown()


def versions() -> dict[str, str]:
    import ray

    return {"dotsparse": __version__, "ray": ray.__version__, "python": platform.python_version()}


def _write_probe(output: str, token: str) -> str:
    name = f".dotsparse-probe-{token}"
    if is_remote(output):
        fs, root = filesystem(output)
        path = join(output, name)
        fs.pipe_file(join(root, name), token.encode())
        return path
    probe = local_path(output) / name
    probe.write_text(token)
    return str(probe)


def _remove_probe(probe: str) -> None:
    try:
        if is_remote(probe):
            fs, path = filesystem(probe)
            fs.rm_file(path)
        else:
            Path(probe).unlink(missing_ok=True)
    except OSError:
        pass


def _probe_task(probe: Optional[str], token: str) -> dict[str, Any]:
    import socket

    from dotsparse.distributed.cluster import versions as node_versions
    from dotsparse.distributed.locations import filesystem as fs_of, is_remote as remote

    seen, error = False, ""
    if probe is not None:
        try:
            if remote(probe):
                fs, path = fs_of(probe)
                seen = fs.cat_file(path).decode() == token
            else:
                seen = Path(probe).read_text() == token
            error = "" if seen else "the probe file holds something else"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
    import ray

    node = f"{socket.gethostname()}/{ray.get_runtime_context().get_node_id()[:8]}"
    return {"node": node, **node_versions(), "sees_output": seen, "error": error}


def _item_task(spec: ItemSpec, sink: Any) -> ItemResult:
    import ray

    from dotsparse.distributed.worker import run_item

    node = ray.get_runtime_context().get_node_id()
    sink.started.remote(spec.item.id, os.getpid(), node)
    result = run_item(spec, send=lambda batch: sink.put.remote(batch), wait=ray.get)
    result.node = node  # one machine may hold several nodes (and every node of a pod shares a host name)
    return result
