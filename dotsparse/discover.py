"""Command-line inputs (files, folders, globs) and page ranges → an ordered list of sources."""

from __future__ import annotations

import glob
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .errors import UsageError

PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}
STATE_DIR = ".dotsparse"  # every document folder a run writes holds one (run/store.py)
_RANGE = re.compile(r"^\s*(\d+)?\s*(-)?\s*(\d+)?\s*$")


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "pdf" | "image"
    label: str  # how the user named it (relative to the folder it was found in, or as given)
    name: Optional[str] = None  # how it is shown and recorded when not its path (an input fetched from a URL)


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (path, why): other types, hidden, our own output
    missing: list[str] = field(default_factory=list)  # inputs that matched nothing
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # (path, why): inputs lost (exit 1)


def kind_of(path: Path) -> Optional[str]:
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return None


def discover(inputs: list[str], exclude: Optional[Path] = None) -> Discovery:
    """Sources in the order given. What a run wrote is never an input: `exclude` (the output folder) is not
    searched when it lies inside an input folder, and no document folder a run wrote (marked by its
    .dotsparse state folder) is, wherever it is; an input folder may itself be the output folder."""
    found = Discovery()
    seen: set[Path] = set()
    excluded = Path(os.path.realpath(exclude)) if exclude is not None else None

    def add(path: Path, label: str, explicit: bool, walked: bool = False) -> None:
        kind = kind_of(path)
        if kind is None:
            if explicit:
                raise UsageError(f"{path}: not a PDF or image ({', '.join(sorted(PDF_SUFFIXES | IMAGE_SUFFIXES))})")
            found.skipped.append((path, "not a PDF or image"))
            return
        problem = _not_regular(path)
        if problem:  # a FIFO or /dev/zero named *.pdf would hang or never end: never opened
            found.unreadable.append((path, problem))
            return
        key = Path(os.path.realpath(path))
        if not walked and _ours(key):
            found.skipped.append((path, "inside a dotsparse output folder"))
            return
        if key in seen:
            return
        seen.add(key)
        found.sources.append(Source(path=path, kind=kind, label=label))

    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child in _walk(path, found, excluded):
                add(child, child.relative_to(path).as_posix(), explicit=False, walked=True)
        elif os.path.lexists(path):
            add(path, path.name, explicit=True)
        elif glob.has_magic(item):
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True))
            files = [m for m in matches if not m.is_dir()]
            if not files:
                found.missing.append(item)
            for match in files:
                add(match, match.name, explicit=False)
        else:
            found.missing.append(item)
    return found


def _not_regular(path: Path) -> Optional[str]:
    """Why `path` cannot be read as a file (special file, dangling link, no permission), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a symlink to nothing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISREG(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        return f"not a regular file ({kind}); skipped"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def _ours(path: Path) -> bool:
    """Whether `path` lies in a document folder a dotsparse run wrote (it holds a .dotsparse state folder)."""
    return any(os.path.isdir(parent / STATE_DIR) for parent in path.parents)


def _walk(folder: Path, found: Discovery, excluded: Optional[Path]) -> list[Path]:
    out: list[Path] = []

    def unreadable(error: OSError) -> None:
        found.unreadable.append((Path(error.filename or folder), f"cannot list the folder ({error.strerror})"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        here = Path(root)
        kept = []
        for d in sorted(dirs):
            if d.startswith("."):
                found.skipped.append((here / d, "hidden folder"))
            elif excluded is not None and Path(os.path.realpath(here / d)) == excluded:
                found.skipped.append((here / d, "the output folder"))
            elif os.path.isdir(here / d / STATE_DIR):  # a document folder some run wrote (crops, overlays)
                found.skipped.append((here / d, "a dotsparse output folder"))
            else:
                kept.append(d)
        dirs[:] = kept
        for f in sorted(files):
            if f.startswith("."):
                found.skipped.append((here / f, "hidden file"))
            else:
                out.append(here / f)
    return out


@dataclass(frozen=True)
class PageSelection:
    """1-based inclusive ranges; `None` as an end means 'to the last page'."""

    ranges: tuple[tuple[int, Optional[int]], ...] = ()

    @classmethod
    def parse(cls, spec: Optional[str]) -> "PageSelection":
        if spec is None or not spec.strip():
            return cls()
        ranges: list[tuple[int, Optional[int]]] = []
        for part in spec.split(","):
            m = _RANGE.match(part)
            if not m or not (m.group(1) or m.group(3)) or (m.group(2) is None and m.group(3)):
                raise UsageError(f"--pages: cannot read {part.strip()!r}; use e.g. 1-3,7,10- (1-based)")
            start = int(m.group(1)) if m.group(1) else 1
            end = (int(m.group(3)) if m.group(3) else None) if m.group(2) else start
            if start < 1 or (end is not None and end < start):
                raise UsageError(f"--pages: {part.strip()!r} is not a valid range; pages start at 1")
            ranges.append((start, end))
        return cls(tuple(ranges))

    def indices(self, page_count: int) -> list[int]:
        """0-based page indices present in a document of `page_count` pages, in order."""
        if not self.ranges:
            return list(range(page_count))
        chosen: set[int] = set()
        for start, end in self.ranges:
            last = page_count if end is None else min(end, page_count)
            chosen.update(range(start - 1, last))
        return sorted(chosen)

    def __str__(self) -> str:
        return ",".join(f"{a}-{'' if b is None else b}" if b != a else str(a) for a, b in self.ranges) or "all"


def page_ranges(pages: Sequence[int]) -> str:
    """Sorted 1-based pages as a --pages value, e.g. (1, 2, 3, 7) -> "1-3,7"."""
    parts: list[str] = []
    if not pages:
        return ""
    start = prev = pages[0]
    for page in (*pages[1:], None):
        if page is not None and page == prev + 1:
            prev = page
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if page is not None:
            start = prev = page
    return ",".join(parts)
