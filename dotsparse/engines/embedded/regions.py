"""Typed intermediate data of the embedded engine, in page points (PyMuPDF's unrotated page space)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ...model import Category

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Word:
    bbox: Rect
    text: str
    line: tuple[int, int]  # (block, line) from the text layer or OCR: words of one line share it
    drawn: bool = False  # read by OCR from vector outlines: text, wherever it lies

    @property
    def cx(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2

    @property
    def cy(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2


@dataclass(frozen=True)
class TableCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    bbox: Rect


@dataclass
class Region:
    bbox: Rect
    category: Category
    words: list[Word] = field(default_factory=list)
    cells: Optional[list[TableCell]] = None  # tables only
    text: str = ""  # filled by the assembler
    code: bool = False  # text regions only: a listing whose lines and spacing are kept
    frame: Optional[Rect] = None  # the drawn box (a card, a panel) the region lies in, read as one unit

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


def union(rects: list[Rect]) -> Rect:
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))


def contains_point(r: Rect, x: float, y: float, pad: float = 1.0) -> bool:
    return r[0] - pad <= x <= r[2] + pad and r[1] - pad <= y <= r[3] + pad


def has_centre(r: Rect, w: Word) -> bool:
    return r[0] <= w.cx <= r[2] and r[1] <= w.cy <= r[3]


def area(r: Rect) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def overlap(a: Rect, b: Rect) -> float:
    """Area of the intersection."""
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
