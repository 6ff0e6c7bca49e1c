"""Where one document's files go inside its folder. Names come from inputs, so each is checked to stay inside."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..fileio import inside, safe_component


@dataclass(frozen=True)
class DocPaths:
    root: Path  # OUT/<doc>
    name: str

    def file(self, suffix: str) -> Path:
        """`<name><suffix>` in the document's folder, e.g. `.md`, `_nohf.md`, `.json`."""
        return inside(self.root, self.root / f"{self.name}{suffix}")

    @property
    def markdown(self) -> Path:
        return self.file(".md")

    @property
    def markdown_nohf(self) -> Path:
        return self.file("_nohf.md")

    @property
    def json(self) -> Path:
        return self.file(".json")

    def asset(self, folder: str, filename: str) -> tuple[Path, str]:
        """(absolute path, path relative to the document folder as written in Markdown/JSON)."""
        rel = f"{folder}/{safe_component(filename)}"
        return inside(self.root, self.root / rel), rel
