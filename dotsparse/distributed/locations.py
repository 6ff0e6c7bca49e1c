"""Inputs and outputs named by URL (s3://, gs://, az://, file://, and http(s):// for inputs), through fsspec.

PyMuPDF and the writers work on local files, so a remote input is fetched into a local cache before
it is opened, and a remote output folder is staged in a local folder and pushed object by object
(`staging.py`). A plain path, or `file://`, is used in place: on a cluster it must be a filesystem
every node mounts at the same path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from ..discover import IMAGE_SUFFIXES, PDF_SUFFIXES, Source, kind_of
from ..errors import UsageError

REMOTE_SCHEMES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "memory"}
INPUT_ONLY_SCHEMES = {"http", "https"}
CACHE_ENV = "DOTSPARSE_CACHE"


def scheme_of(value: str) -> str:
    parts = urlsplit(value)
    return parts.scheme.lower() if "://" in value and len(parts.scheme) > 1 else ""


def is_url(value: str) -> bool:
    """True for a URL fsspec should open; a `file://` URL counts, a plain path does not."""
    return scheme_of(value) in REMOTE_SCHEMES | INPUT_ONLY_SCHEMES | {"file"}


def is_remote(value: str) -> bool:
    return scheme_of(value) in REMOTE_SCHEMES | INPUT_ONLY_SCHEMES


def local_path(value: str) -> Path:
    """A plain path, or the path of a `file://` URL."""
    if scheme_of(value) == "file":
        return Path(unquote(urlsplit(value).path))
    return Path(value)


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it) for a URL; a usage error naming the package when one is missing."""
    try:
        import fsspec
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec comes with the [ray] extra
        raise UsageError(f"{url}: URLs need fsspec", hint="pip install 'dotsparse[ray]'") from None
    del fsspec
    try:
        fs, path = url_to_fs(url)
    except (ImportError, ValueError) as exc:
        hint = {"s3": "pip install s3fs", "gs": "pip install gcsfs", "gcs": "pip install gcsfs",
                "az": "pip install adlfs", "abfs": "pip install adlfs", "http": "pip install aiohttp",
                "https": "pip install aiohttp"}.get(scheme_of(url), "pip install 'dotsparse[ray]'")
        raise UsageError(f"{url}: cannot open this URL ({exc})", hint=hint) from None
    return fs, path


def join(url: str, *parts: str) -> str:
    return "/".join([url.rstrip("/"), *(p.strip("/") for p in parts if p)])


def cache_root() -> Path:
    """Where this machine keeps fetched inputs and staged outputs (`$DOTSPARSE_CACHE`, else the temp dir)."""
    root = Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "dotsparse-cache")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def fetch_input(url: str) -> Path:
    """A local copy of a remote input, fetched once per machine (re-fetched when its size changes)."""
    fs, path = filesystem(url)
    name = PurePosixPath(urlsplit(url).path).name or "input"
    target = cache_root() / "inputs" / _digest(url) / name
    fs.invalidate_cache()
    try:
        size = fs.size(path)
    except (OSError, ValueError, TypeError):
        size = None
    if target.is_file() and (size is None or target.stat().st_size == size):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".part{os.getpid()}")
    fs.get_file(path, str(partial))
    os.replace(partial, target)
    return target


def discover_urls(inputs: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """(url, label) of each PDF or image under the URL inputs; (url, why) of those skipped; inputs matching nothing.

    A URL ending in a PDF/image suffix is one input; any other is a folder (prefix) searched recursively.
    """
    found: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    missing: list[str] = []
    seen: set[str] = set()
    suffixes = PDF_SUFFIXES | IMAGE_SUFFIXES
    for item in inputs:
        if scheme_of(item) in INPUT_ONLY_SCHEMES or kind_of(Path(urlsplit(item).path)) is not None:
            if item not in seen:
                seen.add(item)
                found.append((item, PurePosixPath(urlsplit(item).path).name))
            continue
        fs, root = filesystem(item)
        fs.invalidate_cache()
        try:
            listed = sorted(fs.find(root))
        except (FileNotFoundError, OSError):
            listed = []
        if not listed:
            missing.append(item)
            continue
        protocol = scheme_of(item)
        for path in listed:
            rel = PurePosixPath(path).relative_to(PurePosixPath(root.rstrip("/"))).as_posix()
            url = f"{protocol}://{path}" if protocol not in ("file", "") else f"file://{path}"
            if any(part.startswith(".") for part in PurePosixPath(rel).parts):
                continue  # hidden files and our own .dotsparse state
            if PurePosixPath(rel).suffix.lower() not in suffixes:
                skipped.append((url, "not a PDF or image"))
            elif url not in seen:
                seen.add(url)
                found.append((url, rel))
    return found, skipped, missing


def url_source(url: str, label: str, path: Optional[Path] = None) -> Source:
    """The source of a remote input: opened from its local copy, shown and recorded by its URL."""
    kind = kind_of(Path(label)) or kind_of(Path(urlsplit(url).path)) or "pdf"
    return Source(path=path or Path(label), kind=kind, label=label, name=url)
