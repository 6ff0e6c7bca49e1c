"""Output trees compared byte for byte, timing fields aside (what differs between two runs of one command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TIMING_KEYS = {"timings", "wall_s", "pages_per_s", "stage_s"}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def normalized(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix != ".json":
        return data
    text = data.decode()
    try:
        records = [json.loads(text)]
    except ValueError:  # <doc>.json is one record per line
        records = [json.loads(line.rstrip(",")) for line in text.splitlines() if line.strip() not in ("", "[", "]")]
    if path.name == "run.json":  # pages finish in any order, locally as on a cluster
        records[0]["failed_pages"] = sorted(records[0]["failed_pages"], key=lambda p: (p["source"], p["page"]))
    return json.dumps([_strip(r) for r in records], sort_keys=True).encode()


RUN_VIEWS = {"index.html"}  # run.json rendered (its wall time, stage times, the folder's name): run.json is compared


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): normalized(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock" and p.relative_to(root).as_posix() not in RUN_VIEWS}


def differences(a: Path, b: Path) -> list[str]:
    left, right = tree(a), tree(b)
    out = [f"only in {a.name}: {k}" for k in sorted(set(left) - set(right))]
    out += [f"only in {b.name}: {k}" for k in sorted(set(right) - set(left))]
    out += [f"differs: {k}" for k in sorted(set(left) & set(right)) if left[k] != right[k]]
    return out
