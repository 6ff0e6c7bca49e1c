"""Work items: what one Ray task does. Small, picklable, no open handles and no page images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..config import RunConfig
from ..discover import Source


@dataclass(frozen=True)
class Piece:
    """One document, or a page range of one, inside a work item."""

    doc: int  # the document's index in the run's list of inputs
    source: Source  # path: where every node reads it (shared filesystem), or a label when `url` is set
    rel: str  # the document's folder inside OUT (posix); "" for `-o -`
    name: str  # the document's file name stem (DocPaths.name)
    pages: Optional[tuple[int, ...]] = None  # 1-based pages of a shard; None: the run's whole selection
    url: Optional[str] = None  # a remote input, fetched into the node's cache before it is opened


@dataclass(frozen=True)
class WorkItem:
    id: int
    pieces: tuple[Piece, ...]
    kind: str = "whole"  # whole: documents parsed and written here; shard: pages only; assembly: write one document
    pages: int = 0  # pages planned (what the cap and the spread are measured in)


@dataclass(frozen=True)
class ItemSpec:
    config: RunConfig
    prompt: str  # the resolved prompt text
    item: WorkItem
    output: str  # OUT as given: a shared folder, a URL, or "-"


@dataclass
class ItemResult:
    item: int
    node: str
    pid: int
    reports: list[dict[str, Any]]  # the RunReport of each pipeline run in the item (stages, documents, ...)
    written: list[int] = field(default_factory=list)  # documents whose files this item wrote
    file_errors: dict[int, str] = field(default_factory=dict)  # documents that failed as a whole
    seconds: float = 0.0
