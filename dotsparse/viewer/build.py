"""Build viewers from outputs already on disk (`dotsparse view`), and the hooks `parse --html` calls.

A document folder is one that holds `<folder name>.json`. The viewer root (where `index.html` and the
shared `_viewer/` files go) is the folder given: an output folder, or a single document folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from ..errors import UsageError
from ..model import DocumentInfo, DocumentResult, PageResult
from .assets import ASSETS_DIR, install_assets
from .document import ViewerStream
from .entry import DocEntry, read_entry
from .index import write_index


def find_documents(root: Path) -> list[Path]:
    """`<doc>.json` files under `root`, outside the hidden state folders and the viewer's own files."""
    if (root / f"{root.name}.json").is_file():
        return [root / f"{root.name}.json"]
    found = [p for p in root.rglob("*.json") if p.stem == p.parent.name
             and not any(part.startswith(".") or part == ASSETS_DIR for part in p.relative_to(root).parts[:-1])]
    return sorted(found)


def write_document_view(doc_dir: Path, name: str, info: DocumentInfo, pages: Iterable[PageResult], root: Path,
                        source_roots: Optional[list[Path]] = None, password: Optional[str] = None) -> DocEntry:
    """The viewer of one document, streamed page by page; returns what the index says about it."""
    stream = ViewerStream(doc_dir, name, info, root, source_roots, password)
    for page in pages:
        stream.add(page)
    stream.finish()
    assert stream.entry is not None
    return stream.entry


def read_entries(root: Path) -> list[DocEntry]:
    """What earlier builds wrote about each document under `root` (for the index after a run); documents
    parsed without a viewer are listed once `dotsparse view` builds theirs."""
    return [e for e in (read_entry(p.parent) for p in find_documents(root)) if e is not None]


def build_views(path: Path, password: Optional[str] = None) -> tuple[Path, list[DocEntry], list[str]]:
    """Rebuild every document's viewer under `path` from its `<doc>.json`, then `index.html`.

    Returns (index.html, the documents built, problems: one line per document that could not be read)."""
    if not path.is_dir():
        raise UsageError(f"{path}: not a folder; give an output folder of `dotsparse parse` or one document folder")
    docs = find_documents(path)
    if not docs:
        raise UsageError(f"{path}: no <doc>/<doc>.json here; run `dotsparse parse ... -o {path}` first")
    entries, problems = [], []
    for json_path in docs:
        try:
            result = DocumentResult.model_validate_json(json_path.read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(f"{json_path}: cannot read ({str(exc).splitlines()[0]})")
            continue
        entries.append(write_document_view(json_path.parent, json_path.stem, result.document, result.pages, path,
                                           source_roots=[Path.cwd(), path.parent, *json_path.parents],
                                           password=password))
    install_assets(path)
    return write_index(path, entries), entries, problems
