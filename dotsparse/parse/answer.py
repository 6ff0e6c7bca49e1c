"""From an engine answer to a page's cells, repairs and status, per mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model import Box, Category, Cell, CellFormat, Mode, PageGeometry, PageStatus, RawBlock, Repair
from .cells import build_cells
from .latex import restore_inline_latex_escapes
from .mocr import scene_cells, svg_cells
from .safe_markdown import safe_markdown
from .repair import recover_elements
from ..repetition import trim_repetition

_KEEP_ONLY = {Mode.TABLES: Category.TABLE, Mode.FORMULAS: Category.FORMULA}


@dataclass
class Interpretation:
    cells: list[Cell] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    status: PageStatus = PageStatus.OK
    error: Optional[str] = None
    looped: bool = False  # a repetition loop was cut: the fallback ladder may do better

    @property
    def needs_retry(self) -> bool:
        return self.status in (PageStatus.FAILED, PageStatus.TRUNCATED) or self.looped


def interpret(text: Optional[str], blocks: Optional[list[RawBlock]], finish_reason: Optional[str],
              geometry: PageGeometry, mode: Mode, box: Optional[Box] = None) -> Interpretation:
    """`box` (page pixels) is the region asked for in `box` mode."""
    if mode in (Mode.TEXT, Mode.BOX):
        result = _plain_text(text, blocks, geometry, box)
    elif mode is Mode.SVG:
        result = _svg(text, geometry)
    elif mode is Mode.SCENE and blocks is None and (found := scene_cells(text, geometry)) is not None:
        result = Interpretation(cells=found[0], repairs=found[1])
    elif mode is Mode.SCENE:
        result = _plain_text(text, blocks, geometry, None)
    else:
        result = _layout(text, blocks, geometry, mode)
    truncated = finish_reason == "length" or any(c.truncated for c in result.cells)
    if result.status is PageStatus.FAILED:
        return result
    if truncated:
        result.status = PageStatus.TRUNCATED
        result.repairs.append(Repair(kind="truncated", detail=f"finish_reason={finish_reason}"))
    elif result.repairs:
        result.status = PageStatus.REPAIRED
    result.looped = any(r.kind in ("repetition_trimmed", "element_loop_trimmed") for r in result.repairs)
    return result


def _layout(text: Optional[str], blocks: Optional[list[RawBlock]], geometry: PageGeometry,
            mode: Mode) -> Interpretation:
    out = Interpretation()
    if blocks is None:
        recovered = recover_elements(text or "")
        out.repairs.extend(recovered.repairs)
        if not recovered.parsed:
            out.status = PageStatus.FAILED
            out.error = ("the answer is empty" if not (text or "").strip()
                         else "the answer holds no layout JSON" if any(r.kind == "no_json_found" for r in out.repairs)
                         else "no layout element could be recovered from the answer")
            return out
        blocks = [_raw_block(el) for el in recovered.elements]
    with_text = mode not in (Mode.DETECT, Mode.ORDER)
    cells, notes = build_cells(blocks, geometry, with_text=with_text)
    out.repairs.extend(notes)
    if blocks and not cells:  # elements, yet not one usable: as good as no answer, so the ladder may retry
        out.status = PageStatus.FAILED
        out.error = "no usable layout element in the answer"
        return out
    keep = _KEEP_ONLY.get(mode)
    out.cells = [c for c in cells if c.category is keep] if keep else cells
    if mode is Mode.DETECT:
        out.cells = position_order(out.cells)
    return out


def _svg(text: Optional[str], geometry: PageGeometry) -> Interpretation:
    cells, repairs, error = svg_cells(text, geometry)
    return Interpretation(cells=cells, repairs=repairs, status=PageStatus.FAILED if error else PageStatus.OK,
                          error=error)


def position_order(cells: list[Cell]) -> list[Cell]:
    """Detection claims no reading order: rows top to bottom, each left to right (`--mode order` reads).

    A row is the blocks whose tops lie within half the first one's height of its top, so two
    headings side by side stay left before right although their tops differ by a pixel.
    """
    rows: list[list[Cell]] = []
    for cell in sorted((c for c in cells if c.bbox_px), key=lambda c: _box(c)[1]):
        first = _box(rows[-1][0]) if rows else None
        if first is not None and _box(cell)[1] < first[1] + (first[3] - first[1]) / 2:
            rows[-1].append(cell)
        else:
            rows.append([cell])
    listed = [c for row in rows for c in sorted(row, key=lambda c: _box(c)[0])]
    listed += [c for c in cells if not c.bbox_px]
    return [c.model_copy(update={"order": i}) for i, c in enumerate(listed)]


def _box(cell: Cell) -> list[float]:
    return cell.bbox_px or [0.0, 0.0, 0.0, 0.0]


def _raw_block(element: dict) -> RawBlock:
    text = element.get("text")
    return RawBlock(bbox=element.get("bbox") if isinstance(element.get("bbox"), list) else None,
                    category=element.get("category") if isinstance(element.get("category"), str) else None,
                    text=text if isinstance(text, str) or text is None else str(text),
                    truncated=bool(element.get("__truncated__", False)))


def _plain_text(text: Optional[str], blocks: Optional[list[RawBlock]], geometry: PageGeometry,
                box: Optional[Box]) -> Interpretation:
    out = Interpretation()
    if blocks is not None:
        text = "\n\n".join(b.text for b in blocks if b.text)
    body = (text or "").strip()
    body, looped = trim_repetition(body)
    if looped:
        out.repairs.append(Repair(kind="repetition_trimmed"))
    body, restored = restore_inline_latex_escapes(body)
    if restored:
        out.repairs.append(Repair(kind="latex_escape_restored", detail=", ".join(restored)))
    body = safe_markdown(body)  # the same safe text in the JSON and the Markdown, as for layout cells
    region = box or Box(x1=0, y1=0, x2=geometry.width_px, y2=geometry.height_px)
    out.cells = [Cell(order=0, category=Category.TEXT, text=body,
                      format=CellFormat.MARKDOWN if body else CellFormat.NONE,
                      bbox_px=region.as_list(), bbox_pt=geometry.px_to_pt(region).as_list())]
    return out
