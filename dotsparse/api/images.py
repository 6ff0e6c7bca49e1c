"""The images a Document's Markdown links (picture and formula crops as PNG, redrawn pictures as SVG), by
the relative path the Markdown links each with: kept in memory from the parse, or read from the
document's folder when it was written (`output=`, `Document.load`)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

IMAGE_FOLDERS = ("images/", "svg/")  # the cell assets that are images; tables and .tex are not


def image_assets(assets: Iterable[str]) -> list[str]:
    return [a for a in assets if a.startswith(IMAGE_FOLDERS)]


def data_uri(name: str, content: bytes) -> str:
    mimetype = "image/svg+xml" if name.endswith(".svg") else "image/png"
    return f"data:{mimetype};base64,{base64.b64encode(content).decode('ascii')}"


class FolderImages(Mapping[str, bytes]):
    """Read on access: a folder's thousand crops are not all loaded to look at one."""

    def __init__(self, root: Path, assets: Iterable[str]):
        self._root = root
        self._names = [a for a in image_assets(assets) if (root / a).is_file()]

    def __getitem__(self, name: str) -> bytes:
        if name not in self._names:
            raise KeyError(name)
        return (self._root / name).read_bytes()

    def __contains__(self, name: object) -> bool:  # Mapping's own would read the file to find out
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
