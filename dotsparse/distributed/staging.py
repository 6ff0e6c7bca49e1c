"""An output folder on object storage: staged in a local folder, pushed object by object.

The pipeline commits into the staging folder as it does into any output folder. After each page
commit, the page's new files are pushed: its assets first, then its page record, each object
written whole (one PUT; object stores never show a half-written object). When a document's files
are written they are pushed, and its done marker (`.dotsparse/done.json`) last: a reader that sees
the marker sees everything it vouches for. Before a document is redone its remote marker is removed.
A later run, on any machine, pulls a document's committed objects into its own staging folder first,
so resume works from the objects alone.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path, PurePosixPath
from typing import Any

from .locations import _digest, cache_root, filesystem, join

DONE = ".dotsparse/done.json"
PAGES = ".dotsparse/pages/"


class RemoteOutput:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.fs, self.root = filesystem(self.url)
        self.local = cache_root() / "outputs" / _digest(self.url)
        self.local.mkdir(parents=True, exist_ok=True)
        self._pushed: dict[str, tuple[int, int]] = {}  # relative path -> (size, mtime_ns) last pushed
        self._lock = threading.Lock()

    def remote(self, rel: str) -> str:
        return join(self.root, rel)

    def pull_doc(self, rel: str) -> None:
        """The objects of one document folder this machine lacks, copied into the staging folder.

        A file already staged here is kept: it is this machine's own commit, or the same object pulled
        before (a page record only counts under its key, so an outdated one is redone, never reused).
        Shards of one document may pull at once on one node: each copy lands under its own temporary name.
        """
        base = self.remote(rel)
        self.fs.invalidate_cache()  # a worker process outlives runs: never trust an earlier run's listing
        try:
            listed = self.fs.find(base)
        except (FileNotFoundError, OSError):
            return
        for path in listed:
            inner = PurePosixPath(path).relative_to(PurePosixPath(base.rstrip("/"))).as_posix()
            target = self.local / rel / inner
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
            self.fs.get_file(path, str(partial))
            os.replace(partial, target)
            self._remember(f"{rel}/{inner}" if rel else inner, target)

    def drop_done(self, rel: str) -> None:
        try:
            self.fs.rm_file(self.remote(join(rel, DONE)))
        except (FileNotFoundError, OSError):
            pass

    def push_doc(self, rel: str, final: bool) -> int:
        """New or changed files of one document: assets, then page records, then (when `final`) the marker."""
        folder = self.local / rel
        if not folder.is_dir():
            return 0
        files = [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".part")
                 and ".tmp" not in p.name]
        inner = {p: p.relative_to(folder).as_posix() for p in files}
        order = sorted(files, key=lambda p: (inner[p] == DONE, inner[p].startswith(PAGES), inner[p]))
        pushed = 0
        for path in order:
            name = inner[path]
            if name == DONE and not final:
                continue
            if self._push(f"{rel}/{name}" if rel else name, path):
                pushed += 1
        return pushed

    def push_file(self, rel: str, path: Path) -> None:
        self._push(rel, path)

    def push_page(self, rel: str, page: int) -> None:
        """One committed page: its assets (tables, formulas, crops, overlay), then its page record."""
        folder = self.local / rel
        assets = sorted(p for p in folder.glob(f"*/p{page:04d}[-.]*") if p.is_file() and not p.name.endswith(".part"))
        for path in [*assets, folder / f"{PAGES}p{page:05d}.json"]:
            self._push(f"{rel}/{path.relative_to(folder).as_posix()}", path)

    def _push(self, rel: str, path: Path) -> bool:
        try:
            stat = path.stat()
        except FileNotFoundError:  # replaced meanwhile: the newer one is pushed by the next call
            return False
        with self._lock:
            if self._pushed.get(rel) == (stat.st_size, stat.st_mtime_ns):
                return False
        data = path.read_bytes()
        self.fs.pipe_file(self.remote(rel), data)  # one whole object
        with self._lock:
            self._pushed[rel] = (stat.st_size, stat.st_mtime_ns)
        return True

    def _remember(self, rel: str, path: Path) -> None:
        stat = path.stat()
        with self._lock:
            self._pushed[rel] = (stat.st_size, stat.st_mtime_ns)

    def read_text(self, rel: str) -> Any:
        return self.fs.cat_file(self.remote(rel)).decode()

    def write_text(self, rel: str, text: str) -> None:
        self.fs.pipe_file(self.remote(rel), text.encode())
