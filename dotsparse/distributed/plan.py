"""Planning: documents → work items. Big documents are split into page ranges (shards, then one
assembly item each); small ones are packed together so that a task is worth its scheduling cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from .items import Piece, WorkItem

SHARD_PAGES = 64  # pages per shard, and the most pages packed into one item
PACK_DOCUMENTS = 16  # the most documents packed into one item


@dataclass(frozen=True)
class PlannedDoc:
    piece: Piece  # the whole document
    pages: list[int]  # 1-based pages selected (what the shards split); [] when unknown (not openable here)


def plan(docs: list[PlannedDoc], shard_pages: int = SHARD_PAGES,
         pack_documents: int = PACK_DOCUMENTS) -> tuple[list[WorkItem], dict[int, list[int]]]:
    """(items to run now, document -> ids of its shards); shards of a document are consecutive page ranges."""
    items: list[WorkItem] = []
    shards: dict[int, list[int]] = {}
    pack: list[Piece] = []
    packed = 0

    def close_pack() -> None:
        nonlocal pack, packed
        if pack:
            items.append(WorkItem(id=len(items), pieces=tuple(pack), kind="whole", pages=packed))
        pack, packed = [], 0

    for doc in docs:
        count = max(1, len(doc.pages))
        if len(doc.pages) > shard_pages:
            for chunk in _chunks(doc.pages, shard_pages):
                shards.setdefault(doc.piece.doc, []).append(len(items))
                piece = Piece(doc=doc.piece.doc, source=doc.piece.source, rel=doc.piece.rel, name=doc.piece.name,
                              pages=tuple(chunk), url=doc.piece.url)
                items.append(WorkItem(id=len(items), pieces=(piece,), kind="shard", pages=len(chunk)))
            continue
        if pack and (packed + count > shard_pages or len(pack) >= pack_documents):
            close_pack()
        pack.append(doc.piece)
        packed += count
    close_pack()
    return items, shards


def assembly_item(item_id: int, doc: PlannedDoc) -> WorkItem:
    return WorkItem(id=item_id, pieces=(doc.piece,), kind="assembly", pages=len(doc.pages))


def _chunks(pages: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(pages), size):
        yield pages[start:start + size]


def spread(counts: dict[str, int]) -> Optional[float]:
    """Share of the items run by the busiest node (1.0: all on one node)."""
    total = sum(counts.values())
    return max(counts.values()) / total if total else None
