"""Worker processes that never run the host program's `__main__`.

`spawn` children normally re-run the parent's main script before they start (so that functions defined
there unpickle). Our workers only run `page_job.run_job`, so re-running the host's script is never
needed, and harmful: a script that calls the Python API without an `if __name__ == "__main__"` guard
would start the API again in every worker, which then dies and fails every page. This context spawns
exactly like `spawn` (same interpreter, same sys.path) minus that step.
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.context
import os
import sys
from multiprocessing import spawn, util
from multiprocessing.context import BaseContext

_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")


def worker_context() -> BaseContext:
    if sys.platform == "win32":  # pragma: no cover - Windows spawns through its own Popen
        return multiprocessing.get_context("spawn")
    return _NoMainContext()


if sys.platform != "win32":
    from multiprocessing import popen_spawn_posix, reduction, resource_tracker

    class _NoMainPopen(popen_spawn_posix.Popen):
        """`popen_spawn_posix.Popen._launch` (identical in Python 3.10-3.13) without the main-module data."""

        def _launch(self, process_obj):
            tracker_fd = resource_tracker.getfd()
            self._fds.append(tracker_fd)
            prep_data = spawn.get_preparation_data(process_obj._name)
            for key in _MAIN_KEYS:
                prep_data.pop(key, None)
            fp = io.BytesIO()
            multiprocessing.context.set_spawning_popen(self)
            try:
                reduction.dump(prep_data, fp)
                reduction.dump(process_obj, fp)
            finally:
                multiprocessing.context.set_spawning_popen(None)
            parent_r = child_w = child_r = parent_w = None
            try:
                parent_r, child_w = os.pipe()
                child_r, parent_w = os.pipe()
                cmd = spawn.get_command_line(tracker_fd=tracker_fd, pipe_handle=child_r)
                self._fds.extend([child_r, child_w])
                self.pid = util.spawnv_passfds(spawn.get_executable(), cmd, self._fds)
                self.sentinel = parent_r
                with open(parent_w, "wb", closefd=False) as f:
                    f.write(fp.getbuffer())
            finally:
                fds_to_close = [fd for fd in (parent_r, parent_w) if fd is not None]
                self.finalizer = util.Finalize(self, util.close_fds, fds_to_close)
                for fd in (child_r, child_w):
                    if fd is not None:
                        os.close(fd)

    class _NoMainProcess(multiprocessing.context.SpawnProcess):
        _start_method = "spawn"

        @staticmethod
        def _Popen(process_obj):  # noqa: N802 - the stdlib's name
            return _NoMainPopen(process_obj)

    class _NoMainContext(multiprocessing.context.SpawnContext):
        Process = _NoMainProcess
