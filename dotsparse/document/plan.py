"""The document-level pass: one read over the committed pages, a small plan the writers apply.

The plan holds only what spans pages (tables at page edges, headings, caption links, descriptions),
never the pages themselves, so a 2,000-page document is read twice from disk, not held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..model import Category, CaptionLink, MergedTable, PageResult, PictureDescription
from .captions import link_captions
from .headings import Heading, heading_levels, heading_of
from .tables import TableMerger

Key = tuple[int, int]  # (page, cell order)


@dataclass
class DocumentPlan:
    levels: dict[Key, int] = field(default_factory=dict)
    captions: dict[Key, CaptionLink] = field(default_factory=dict)
    merged_tables: list[MergedTable] = field(default_factory=list)
    descriptions: dict[Key, PictureDescription] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _parts: dict[Key, tuple[int, MergedTable]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.index_tables()

    def index_tables(self) -> None:
        self._parts = {(p.page, p.order): (i, t) for t in self.merged_tables for i, p in enumerate(t.parts)}

    def annotate(self, page: PageResult) -> PageResult:
        """The page with document-level facts on its cells; text, boxes and order untouched."""
        cells, changed = [], False
        for cell in page.cells:
            key = (page.page, cell.order)
            update: dict[str, object] = {}
            if key in self.levels and cell.category in (Category.TITLE, Category.SECTION_HEADER):
                update["level"] = self.levels[key]
            if key in self.captions and cell.category is Category.CAPTION:
                update["caption_of"] = self.captions[key]
            if key in self.descriptions and cell.category is Category.PICTURE:
                update["description"] = self.descriptions[key]
            cells.append(cell.model_copy(update=update) if update else cell)
            changed = changed or bool(update)
        return page.model_copy(update={"cells": cells}) if changed else page

    def table_part(self, page: int, order: int) -> Optional[tuple[int, MergedTable]]:
        """(index of this part, the merged table) when the table at (page, order) was merged."""
        return self._parts.get((page, order))


def plan_document(pages: Iterable[PageResult], merge_tables: bool = True) -> DocumentPlan:
    merger = TableMerger() if merge_tables else None
    headings: list[Heading] = []
    plan = DocumentPlan()
    for page in pages:
        if not page.status.usable:
            if merger is not None:
                merger.add(page)  # a failed page breaks any chain
            continue
        if merger is not None:
            merger.add(page)
        headings.extend(h for c in page.cells if (h := heading_of(page.page, c)) is not None)
        plan.captions.update({(page.page, order): link for order, link in link_captions(page).items()})
    plan.levels, plan.notes = heading_levels(headings)
    if merger is not None:
        plan.merged_tables = merger.finish()
    plan.index_tables()
    return plan
