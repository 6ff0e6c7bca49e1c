"""`--overlay`: the page image with boxes coloured by category and numbered in reading order."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..fileio import atomic_write_bytes
from ..model import Box, Category, Cell, PageGeometry
from ..png import png_bytes

COLOURS = {
    Category.CAPTION: (230, 126, 34), Category.FOOTNOTE: (127, 140, 141), Category.FORMULA: (155, 89, 182),
    Category.LIST_ITEM: (26, 188, 156), Category.PAGE_FOOTER: (149, 165, 166), Category.PAGE_HEADER: (149, 165, 166),
    Category.PICTURE: (46, 204, 113), Category.SECTION_HEADER: (231, 76, 60), Category.TABLE: (52, 152, 219),
    Category.TEXT: (41, 128, 185), Category.TITLE: (192, 57, 43),
}


def write_overlay(path: Path, image: Image.Image, geometry: PageGeometry, cells: list[Cell]) -> None:
    canvas = image.convert("RGB")
    draw = ImageDraw.Draw(canvas, "RGBA")
    font = ImageFont.load_default(size=max(12, canvas.width // 80))
    for cell in cells:
        if cell.bbox_px is None:
            continue
        x1, y1, x2, y2 = geometry.px_to_sent(Box(x1=cell.bbox_px[0], y1=cell.bbox_px[1],
                                                  x2=cell.bbox_px[2], y2=cell.bbox_px[3])).as_list()
        colour = COLOURS[cell.category]
        draw.rectangle((x1, y1, x2, y2), outline=colour + (255,), width=3, fill=colour + (28,))
        label = f"{cell.order} {cell.category.value}"
        tw, th = draw.textbbox((0, 0), label, font=font)[2:]
        draw.rectangle((x1, max(0, y1 - th - 4), x1 + tw + 6, max(th + 4, y1)), fill=colour + (230,))
        draw.text((x1 + 3, max(0, y1 - th - 3)), label, fill=(255, 255, 255), font=font)
    atomic_write_bytes(path, png_bytes(canvas))
