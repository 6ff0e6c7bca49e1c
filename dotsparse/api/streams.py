"""Documents given as bytes or a binary file object (a download, an upload, an object-store read): the
pipeline reads sources by path, in worker processes too, so they are spooled to a private temporary file."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Optional, TypeGuard, Union


from ..discover import kind_of

Data = Union[bytes, bytearray, memoryview, IO[bytes]]

# the file's first bytes -> the name it gets when the caller gives none
_MAGIC = ((b"%PDF-", "document.pdf"), (b"\x89PNG\r\n\x1a\n", "image.png"), (b"\xff\xd8\xff", "image.jpg"),
          (b"II*\x00", "image.tif"), (b"MM\x00*", "image.tif"), (b"BM", "image.bmp"))


def is_data(value: object) -> TypeGuard[Data]:
    return isinstance(value, (bytes, bytearray, memoryview)) or callable(getattr(value, "read", None))


def as_path(value: object) -> Path:
    """A path argument as a Path; anything else is a TypeError that says what is accepted."""
    if isinstance(value, (str, os.PathLike)):
        return Path(os.fspath(value))
    raise TypeError(f"expected a path (str or os.PathLike), bytes or a binary file object, not {type(value).__name__}")


@contextmanager
def spooled(data: Data, name: Optional[str]) -> Iterator[Path]:
    """`data` as a file named `name` (else the file object's own name, else one from the first bytes).
    A file object is copied in chunks: a large download never has to fit in memory twice."""
    with tempfile.TemporaryDirectory(prefix="dotsparse-") as folder:
        spool = Path(folder) / "data"
        with open(spool, "wb") as out:
            head = _copy(data, out)
        name = Path(name or _own_name(data) or _sniffed(head)).name
        if not name or kind_of(Path(name)) is None:
            raise TypeError(f"cannot tell what {name or 'the data'!r} is: pass name='x.pdf' (or .png, .jpg, .tif ...)")
        path = spool.rename(Path(folder) / name)
        yield path


def _copy(data: Data, out: IO[bytes]) -> bytes:
    """Write `data` to `out`; its first bytes (for the name)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        out.write(data)
        return bytes(data[:16])
    head = data.read(16)
    if not isinstance(head, bytes):
        raise TypeError("the file object must be opened in binary mode ('rb')")
    out.write(head)
    shutil.copyfileobj(data, out)
    return head


def _own_name(data: Data) -> Optional[str]:
    name = getattr(data, "name", None)
    return name if isinstance(name, str) and kind_of(Path(name)) is not None else None


def _sniffed(content: bytes) -> str:
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image.webp"
    return next((name for magic, name in _MAGIC if content.startswith(magic)), "")
