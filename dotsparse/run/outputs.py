"""Where a document's files go. Names come from inputs, so every one is sanitized and checked to stay in OUT."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..discover import Source
from ..fileio import inside, safe_component


@dataclass(frozen=True)
class DocPaths:
    root: Path  # OUT/<doc>
    name: str

    @property
    def markdown(self) -> Path:
        return self.root / f"{self.name}.md"

    @property
    def markdown_nohf(self) -> Path:
        return self.root / f"{self.name}_nohf.md"

    @property
    def json(self) -> Path:
        return self.root / f"{self.name}.json"

    def asset(self, folder: str, filename: str) -> tuple[Path, str]:
        """(absolute path, path relative to the document folder as written in Markdown/JSON)."""
        rel = f"{folder}/{safe_component(filename)}"
        return inside(self.root, self.root / rel), rel


def assign_doc_paths(out: Path, sources: list[Source]) -> list[DocPaths]:
    """One folder per input, mirroring sub-folders of a scanned folder; collisions get the suffix, then a number."""
    taken: set[str] = set()
    result: list[DocPaths] = []
    for source in sources:
        parts = [safe_component(p) for p in PurePosixPath(source.label).parts[:-1] if p not in ("..", ".", "/")]
        stem = safe_component(Path(source.label).stem)
        candidates = [stem, safe_component(Path(source.label).name)]
        chosen = next((c for c in candidates if "/".join(parts + [c]).lower() not in taken), None)
        n = 2
        while chosen is None:
            if "/".join(parts + [f"{stem}-{n}"]).lower() not in taken:
                chosen = f"{stem}-{n}"
            n += 1
        taken.add("/".join(parts + [chosen]).lower())
        # Every part is a safe component, so the path stays in OUT; a link planted at it is refused
        # when the document is scheduled (fileio.check_confined), failing that document only.
        root = out.joinpath(*parts, chosen)
        result.append(DocPaths(root=root, name=chosen))
    return result
