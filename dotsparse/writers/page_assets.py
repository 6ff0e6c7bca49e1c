"""A page's own files: table HTML, formula `.tex`, sanitized `.svg` (`--mode svg`), picture and formula crops,
the overlay; and for a document held in memory, the images its Markdown links (`page_images`).

The rules of which cell gets which file live here, with the writers: the run only renders the pixels
asked for (`crop_boxes`, `wants_page_image`) and hands them over.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Mapping, Optional, Union

from PIL import Image

from ..fileio import safe_component
from ..model import Box, Category, Cell, CellFormat, PageResult
from ..png import png_bytes
from .assets import asset_name, svg_document, write_formula_tex, write_png, write_svg, write_table_html
from .overlay import write_overlay
from .paths import DocPaths


def _wants_crop(cell: Cell) -> bool:
    """Pictures always; formulas when no engine gave LaTeX for them (the crop is the faithful copy)."""
    if cell.format is CellFormat.SVG:  # the model redrew it: the SVG is the cell's file
        return False
    return cell.category is Category.PICTURE or (cell.category is Category.FORMULA and cell.format is CellFormat.TEXT)


def crop_boxes(cells: list[Cell]) -> list[Box]:
    """Page-pixel boxes of the cells saved as images, in the order `write_page_assets` takes their crops."""
    return [Box(x1=c.bbox_px[0], y1=c.bbox_px[1], x2=c.bbox_px[2], y2=c.bbox_px[3])
            for c in cells if _wants_crop(c) and c.bbox_px]


def wants_page_image(outputs: Mapping[str, Any]) -> bool:
    """Whether the output options need the whole page image (today: the overlay)."""
    return bool(outputs.get("overlay"))


def overlay_path(paths: DocPaths, page: int) -> tuple[Any, str]:
    return paths.asset("overlay", f"p{page:04d}.png")


def missing_outputs(result: PageResult, paths: DocPaths, outputs: Mapping[str, Any]) -> bool:
    """A page reused from an earlier run whose output-only files are not all there (e.g. `--overlay` added)."""
    return wants_page_image(outputs) and not overlay_path(paths, result.page)[0].exists()


def write_page_assets(result: PageResult, crops: list[Image.Image], page_image: Optional[Image.Image],
                      paths: DocPaths, overlay: bool) -> PageResult:
    """Save tables, formulas, crops (one per `crop_boxes` box) and the overlay; record each file on its cell."""
    started = time.monotonic()
    cells: list[Cell] = []
    pending = iter(crops)
    for cell in result.cells:
        asset = None
        if cell.category is Category.TABLE and cell.format is CellFormat.HTML and cell.text:
            path, asset = paths.asset("tables", asset_name(result.page, cell, ".html"))
            write_table_html(path, f"{paths.name} page {result.page} table {cell.order}", cell.text)
        elif cell.category is Category.FORMULA and cell.format is CellFormat.LATEX and cell.text:
            path, asset = paths.asset("formulas", asset_name(result.page, cell, ".tex"))
            write_formula_tex(path, cell.text)
        elif (image := _linked_image(result.page, cell, pending)) is not None:
            folder, name, content = image
            path, asset = paths.asset(folder, name)
            if isinstance(content, str):
                write_svg(path, content)
            else:
                write_png(path, content)
        cells.append(cell.model_copy(update={"asset": asset}) if asset else cell)
    if overlay and page_image is not None:
        write_page_overlay(result, cells, page_image, paths)
    result = result.model_copy(update={"cells": cells})
    result.timings.write_s += time.monotonic() - started
    return result


def _linked_image(page: int, cell: Cell, pending: Iterator[Image.Image]
                  ) -> Optional[tuple[str, str, Union[str, Image.Image]]]:
    """The image a cell's Markdown links, if any: (folder, file name, sanitized SVG markup or the cell's
    crop, taken from `pending`, the crops in `crop_boxes` order)."""
    if cell.format is CellFormat.SVG and cell.text:  # sanitized by parse.svg
        return "svg", asset_name(page, cell, ".svg"), cell.text
    if _wants_crop(cell) and cell.bbox_px:
        crop = next(pending, None)
        if crop is not None:
            return "images", asset_name(page, cell, ".png"), crop
    return None


def page_images(result: PageResult, crops: list[Image.Image]) -> tuple[PageResult, dict[str, bytes]]:
    """`write_page_assets` without a folder: the crops (PNG) and redrawn SVGs, each under the relative path
    the written document gives it, recorded on its cell; the Markdown then links them as `<doc>.md` does."""
    cells: list[Cell] = []
    images: dict[str, bytes] = {}
    pending = iter(crops)
    for cell in result.cells:
        image = _linked_image(result.page, cell, pending)
        if image is not None:
            folder, name, content = image
            rel = f"{folder}/{safe_component(name)}"  # as `DocPaths.asset` names the written file
            images[rel] = svg_document(content).encode() if isinstance(content, str) else png_bytes(content)
            cell = cell.model_copy(update={"asset": rel})
        cells.append(cell)
    return result.model_copy(update={"cells": cells}), images


def write_page_overlay(result: PageResult, cells: list[Cell], page_image: Image.Image, paths: DocPaths) -> None:
    geometry = result.geometry
    if geometry is None:
        return
    # A fallback may have answered on a rescaled image: draw the page-pixel cells onto the image at hand.
    geometry = geometry.model_copy(update={"sent_width": page_image.width, "sent_height": page_image.height})
    write_overlay(overlay_path(paths, result.page)[0], page_image, geometry, cells)
