"""Which folder each document's files go to. Names come from inputs, so every one is sanitized and checked to stay in OUT."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..discover import Source
from ..fileio import inside, safe_component
from ..writers.paths import DocPaths

__all__ = ["DocPaths", "assign_doc_paths"]


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
