"""One output folder, one run: `OUT/.dotsparse.lock` holds the pid, host and start time of its run.

Taken with O_CREAT|O_EXCL (atomic on local filesystems); a lock whose process is gone (same host,
dead pid) is stale and taken over; a live holder makes the second run a usage error (exit 2).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Optional

from ..errors import UsageError
from ..fileio import display

LOCK_NAME = ".dotsparse.lock"


class OutputLock:
    def __init__(self, out: Path):
        self.path = out / LOCK_NAME
        self._held = False

    def acquire(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None and (_alive(holder) or (not holder and self._young())):
                    raise UsageError(
                        f"{display(self.path.parent)} is in use by another dotsparse run (pid {holder.get('pid')} "
                        f"on {holder.get('host')}, started {holder.get('started')})",
                        hint=f"wait for it, use another -o, or delete {display(self.path)} if that run is gone")
                self._take_over()
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(),
                           "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, fh)
            self._held = True
            return
        raise UsageError(f"cannot take the lock {display(self.path)}: another run keeps taking it")

    def _holder(self) -> Optional[dict]:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd) as fh:
                data = json.loads(fh.read() or "{}")
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # unreadable or half-written: judged by its age below

    def _young(self) -> bool:
        """An empty lock younger than a few seconds is being written by a run starting right now."""
        try:
            return time.time() - os.lstat(self.path).st_mtime < 5
        except OSError:
            return False

    def _take_over(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def release(self) -> None:
        if self._held:
            self._held = False
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "OutputLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _alive(holder: dict) -> bool:
    """Whether the holder may still run. A lock from another host cannot be checked: it counts as live."""
    pid = holder.get("pid")
    if not holder:
        return False  # empty or corrupt: its writer died before finishing the write
    if holder.get("host") != socket.gethostname():
        return True
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
