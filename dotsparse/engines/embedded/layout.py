"""Layout regions from PyMuPDF's bundled layout model, with every text-layer word given a home."""

from __future__ import annotations

import re
from typing import Optional

import pymupdf

from ...model import Category
from .captions import relabel_captions
from .figures import vector_figures
from .frames import split_by_frames, text_frames
from .table_merge import join_table_parts
from .pictures import add_figures, merge_pictures, unlabelled_images
from .regions import Region, TableCell, Word, area, contains_point, union
from .ruled import apply_ruled_grids, ruled_tables
from .textlayer import group_lines

_CLASSES = {c.value.lower(): c for c in Category}
_PAGE_PICTURE = 0.8  # share of the page a picture covers when it is the page's background
_TEXT_LINE_WORDS = 4  # words on a line inside a picture that make it running text, not a label
_RELATION = re.compile(r"[=≤≥≈≠≡∝→⇒⇔∈⊂⊆±×÷∑∏∫√∂∇]")
_layout_ready = False


def _activate() -> None:
    # Imported lazily: it loads the ONNX layout model, which only worker processes need.
    global _layout_ready
    if not _layout_ready:
        from ...layout_gate import load

        load()
        _layout_ready = True


def detect_regions(page: pymupdf.Page, words: list[Word], drawings: Optional[list[dict]] = None) -> list[Region]:
    """Regions labelled with the 11 categories; words outside every region become Text regions."""
    _activate()
    page.get_layout(return_raw=True)
    regions: list[Region] = []
    raw: dict
    for raw in page.layout_information or ():
        box: tuple[float, float, float, float] = tuple(raw["group_bbox"])  # type: ignore[assignment]
        category = _CLASSES.get(str(raw.get("class_name", "")).lower(), Category.TEXT)
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            continue
        region = Region(bbox=box, category=category)
        if category == Category.TABLE:
            region.cells = _table_cells(raw)
        regions.append(region)
    drawings = page.get_drawings() if drawings is None else drawings
    regions = _pictures_and_tables(page, drawings, regions, words)
    _assign_words(regions, words)
    regions = join_table_parts(text_in_pictures(regions, area(tuple(page.rect))))
    regions = split_by_frames(regions, text_frames(page, drawings, words), orphan_regions)
    regions = [r for r in regions if r.words or r.category in (Category.PICTURE, Category.TABLE)]
    relabel_captions(regions)
    _promote_title(regions, page.rect.height)
    return regions


def _pictures_and_tables(page: pymupdf.Page, drawings: list[dict], regions: list[Region],
                         words: list[Word]) -> list[Region]:
    boxes = [r.bbox for r in regions if r.category == Category.TABLE]
    if boxes:
        regions = apply_ruled_grids(regions, ruled_tables(page, drawings, boxes), words)
    regions = regions + unlabelled_images(page, regions)
    tables = [r.bbox for r in regions if r.category == Category.TABLE]
    regions = add_figures(regions, vector_figures(page, drawings, words, tables), words)
    return merge_pictures(regions, words)


def _promote_title(regions: list[Region], page_height: float) -> None:
    """A page-top heading set much larger than every other heading is the title the model missed."""
    if any(r.category == Category.TITLE for r in regions):
        return
    heads = [r for r in regions if r.category == Category.SECTION_HEADER and r.words]
    if not heads:
        return
    size = {id(r): max(w.bbox[3] - w.bbox[1] for w in r.words) for r in heads}
    body = sorted(w.bbox[3] - w.bbox[1] for r in regions if r.category == Category.TEXT for w in r.words)
    top = max(heads, key=lambda r: size[id(r)])
    others = [size[id(r)] for r in heads if r is not top] + ([body[len(body) // 2]] if body else [])
    if others and top.bbox[1] < 0.35 * page_height and size[id(top)] >= 1.4 * max(others):
        top.category = Category.TITLE


def _table_cells(raw: dict) -> list[TableCell]:
    boxes = raw.get("bboxes") or []
    cells = []
    for c in raw.get("table_cells") or ():
        if not 0 <= c.bbox_idx < len(boxes):
            continue
        cells.append(TableCell(row=c.row_start, col=c.col_start, rowspan=max(1, c.row_end - c.row_start),
                               colspan=max(1, c.col_end - c.col_start), bbox=tuple(boxes[c.bbox_idx])))
    return cells


def _assign_words(regions: list[Region], words: list[Word]) -> None:
    orphans = []
    by_area = sorted(regions, key=lambda r: area(r.bbox))
    for w in words:
        home = next((r for r in by_area if contains_point(r.bbox, w.cx, w.cy)), None)
        if home is None:
            orphans.append(w)
        else:
            home.words.append(w)
    regions.extend(orphan_regions(orphans))
    # Pictures keep their words only for reference; their box may have been drawn around labels.
    for r in regions:
        if r.words and r.category not in (Category.TABLE, Category.PICTURE):
            r.bbox = union([r.bbox] + [w.bbox for w in r.words]) if r.category != Category.FORMULA else r.bbox


def text_in_pictures(regions: list[Region], page_area: float) -> list[Region]:
    """Text the layout model put inside a picture is kept as text: a page-sized picture (the image of a
    scan under its text layer, a slide's background) gives way to its text; a smaller one keeps its
    short labels but gives up lines of running text and formulas (text and equations drawn on cards)."""
    out: list[Region] = []
    for r in regions:
        if r.category != Category.PICTURE or not r.words:
            out.append(r)
            continue
        if area(r.bbox) >= _PAGE_PICTURE * page_area:
            out.extend(orphan_regions(r.words))
            continue
        lines = group_lines(r.words)
        text = [w for ln in lines if len(ln) >= _TEXT_LINE_WORDS or _RELATION.search(" ".join(w.text for w in ln))
                or any(w.drawn for w in ln) for w in ln]
        r.words = [w for w in r.words if w not in text]
        out.append(r)
        out.extend(orphan_regions(text))
    return out


def orphan_regions(words: list[Word], category: Category = Category.TEXT) -> list[Region]:
    """Paragraph-like Text regions from words the layout model did not cover (also all OCR words without layout)."""
    blocks: list[list[list[Word]]] = []
    for line in group_lines(words):
        box = union([w.bbox for w in line])
        h = box[3] - box[1]
        for block in reversed(blocks):
            last = union([w.bbox for w in block[-1]])
            gap = box[1] - last[3]
            h_overlap = min(box[2], last[2]) - max(box[0], last[0])
            if -h < gap < 1.2 * h and h_overlap > 0:
                block.append(line)
                break
        else:
            blocks.append([line])
    return [Region(bbox=union([w.bbox for ln in b for w in ln]), category=category,
                   words=[w for ln in b for w in ln]) for b in blocks]
