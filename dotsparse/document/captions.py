"""Captions tied to the Picture or Table they describe, on the same page.

A caption's own label ("Figure 3", "Table 2.1", "图 4", "Tabelle 1") says which kind it wants; the
nearest such block above or below it (overlapping horizontally) wins, reading-order neighbours first.
Each Picture or Table takes at most one caption; a caption with nothing near enough stays unlinked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..model import FURNITURE, Category, CaptionLink, PageResult

MAX_GAP = 0.12  # of the page height: further than this, a caption is not its block's
_TABLE_WORDS = ("table", "tab", "tabelle", "tabla", "tableau", "tabella", "表")
_LABEL = re.compile(
    r"^\s*[*_]{0,2}\s*(?P<label>(?P<kind>figure|fig|table|tab|chart|graph|exhibit|scheme|plate|diagram|"
    r"illustration|photo|map|abbildung|abb|tabelle|figura|tabla|tableau|tabella|图|圖|表)\.?\s*"
    r"(?P<num>[A-Z]?\d+(?:[.\-–]\d+)*[a-z]?|[IVX]{1,5}))(?=$|[\s.:：,;)\-–—|*_])", re.IGNORECASE)


@dataclass
class Label:
    text: str
    number: str
    wants: Category


def caption_label(text: str) -> Optional[Label]:
    m = _LABEL.match(text)
    if not m:
        return None
    wants = Category.TABLE if m.group("kind").lower() in _TABLE_WORDS else Category.PICTURE
    return Label(text=m.group("label"), number=m.group("num"), wants=wants)


def link_captions(page: PageResult) -> dict[int, CaptionLink]:
    """caption order -> link, for one page."""
    body = [c for c in page.cells if c.category not in FURNITURE]
    position = {c.order: i for i, c in enumerate(body)}
    targets = [c for c in body if c.category in (Category.PICTURE, Category.TABLE)]
    height = page.geometry.height_px if page.geometry else None
    options = []
    for cap in (c for c in body if c.category is Category.CAPTION):
        label = caption_label(cap.text)
        for target in targets:
            cost = _cost(cap, target, label, abs(position[cap.order] - position[target.order]) == 1, height)
            if cost is not None:
                options.append((cost, cap.order, target.order, label, target.category))
    links: dict[int, CaptionLink] = {}
    taken: set[int] = set()
    for cost, cap_order, target_order, label, category in sorted(options, key=lambda o: (o[0], o[1], o[2])):
        if cap_order in links or target_order in taken:
            continue
        taken.add(target_order)
        links[cap_order] = CaptionLink(page=page.page, order=target_order, category=category,
                                       label=label.text if label else None, number=label.number if label else None)
    return links


def _cost(cap, target, label: Optional[Label], adjacent: bool, height: Optional[int]) -> Optional[float]:
    """Lower is closer; None when the target cannot be this caption's."""
    penalty = 0.0 if label is None or label.wants is target.category else 0.3
    if cap.bbox_px and target.bbox_px and height:
        cx1, cy1, cx2, cy2 = cap.bbox_px
        tx1, ty1, tx2, ty2 = target.bbox_px
        overlap = min(cx2, tx2) - max(cx1, tx1)
        if overlap <= 0.3 * min(cx2 - cx1, tx2 - tx1):
            return None
        gap = max(ty1 - cy2, cy1 - ty2, 0.0) / height
        if gap > MAX_GAP and not (adjacent and label is not None):
            return None
        return gap + penalty + (0.0 if adjacent else 0.05)
    if adjacent:  # no boxes: reading order alone
        return 0.5 + penalty
    return None
