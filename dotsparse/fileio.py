"""Atomic, confined writes and safe names.

A killed run never leaves a half-written file under a final name; a write below a registered
output folder never goes through a symlink (a planted link cannot send our files elsewhere);
files get the mode the user's umask gives, not mkstemp's 0600.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import tempfile
import threading
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterator, TypeVar

T = TypeVar("T")

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_NAME = 96


class UnsafePath(OSError):
    """A path below an output folder goes through a symlink or is not a regular file/folder."""


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once, at import: os.umask cannot be read without setting it
_roots: dict[Path, int] = {}
_roots_lock = threading.Lock()


@contextmanager
def confined(root: Path) -> Iterator[Path]:
    """While active, every write and resume read below `root` refuses symlinks and special files."""
    key = Path(os.path.abspath(root))
    with _roots_lock:
        _roots[key] = _roots.get(key, 0) + 1
    try:
        yield key
    finally:
        with _roots_lock:
            _roots[key] -= 1
            if not _roots[key]:
                del _roots[key]


def check_confined(path: Path, leaf_may_be_file: bool = True) -> None:
    """Raise UnsafePath if a component of `path` below a confining root is a symlink or a special file."""
    absolute = Path(os.path.abspath(path))
    with _roots_lock:
        roots = [r for r in _roots if absolute.is_relative_to(r)]
    for root in roots:
        current = root
        parts = absolute.relative_to(root).parts
        for i, part in enumerate(parts):
            current = current / part
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                break  # nothing further exists yet: what we create is ours
            if stat.S_ISLNK(st.st_mode):
                raise UnsafePath(f"{display(current)} is a symlink inside the output folder; refusing to follow it")
            last = i == len(parts) - 1
            if not (stat.S_ISDIR(st.st_mode) or (last and leaf_may_be_file and stat.S_ISREG(st.st_mode))):
                raise UnsafePath(f"{display(current)} is not a folder or regular file; refusing to write there")


def ensure_dir(path: Path) -> None:
    check_confined(path, leaf_may_be_file=False)
    path.mkdir(parents=True, exist_ok=True)
    check_confined(path, leaf_may_be_file=False)  # a link planted while we created it


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temp file beside `path`, then rename over it; on error the temp file is removed."""
    ensure_dir(path.parent)
    check_confined(path)
    fd, tmp = when_fds_free(tempfile.mkstemp, prefix=f".{path.name[:40]}.", suffix=".part", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # POSIX: mkstemp made it 0600
            os.fchmod(fd, 0o666 & ~_UMASK)
        text = "b" not in mode
        with os.fdopen(fd, mode, encoding="utf-8" if text else None, newline="\n" if text else None) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def when_fds_free(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Call `fn`, waiting out a moment of too many open files (EMFILE: `ulimit -n` reached by pages in flight)."""
    for wait in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0):
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            if exc.errno not in (errno.EMFILE, errno.ENFILE):
                raise
        time.sleep(wait)
    return fn(*args, **kwargs)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def read_confined_text(path: Path) -> str:
    """Read a file we wrote ourselves (resume records), refusing links planted in the output folder."""
    check_confined(path)
    fd = when_fds_free(os.open, path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "r", encoding="utf-8") as fh:
        return fh.read()


def display(path: object) -> str:
    """A path as text that can always be printed and written as UTF-8 (undecodable bytes as \\xNN)."""
    text = str(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def safe_component(name: str, fallback: str = "document") -> str:
    """One path component that cannot climb out of, or hide in, its parent folder."""
    name = unicodedata.normalize("NFC", display(name))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or name.split(".")[0].lower() in _RESERVED:
        name = f"{fallback}_{name}" if name else fallback
    return name[:MAX_NAME].rstrip(" .") or fallback


def inside(root: Path, candidate: Path) -> Path:
    """Return `candidate` if it resolves inside `root`, else raise ValueError."""
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ValueError(f"{display(candidate)} escapes {display(root)}")
    return candidate


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in 1 MiB chunks (inputs can be gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
