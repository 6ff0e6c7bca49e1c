"""Preflight on the cluster: every node sees the output (a probe file) and runs the same versions."""

from __future__ import annotations

import pytest

pytest.importorskip("ray")

from dotsparse.distributed import cluster
from dotsparse.distributed.cluster import RayExecutor, _probe_task
from dotsparse.errors import UsageError

pytestmark = pytest.mark.ray


def test_every_node_sees_the_output_and_runs_the_same_versions(ray_cluster, tmp_path):
    executor = RayExecutor("auto")
    try:
        nodes = executor.preflight(str(tmp_path))
    finally:
        executor.close()
    assert nodes and all(n["sees_output"] for n in nodes)
    assert not list(tmp_path.iterdir())  # the probe file is removed


def test_a_version_mismatch_is_a_clear_usage_error(ray_cluster, tmp_path, monkeypatch):
    executor = RayExecutor("auto")
    real = cluster.versions()
    monkeypatch.setattr(cluster, "versions", lambda: {**real, "dotsparse": "0.0.1"})  # this driver differs
    try:
        with pytest.raises(UsageError, match=r"runs dotsparse .* this driver 0\.0\.1"):
            executor.preflight(str(tmp_path))
    finally:
        executor.close()


def test_a_probe_the_node_cannot_see_is_reported(ray_cluster, tmp_path):
    found = _probe_task(str(tmp_path / "missing-probe"), "token")
    assert found["sees_output"] is False and "FileNotFoundError" in found["error"]
