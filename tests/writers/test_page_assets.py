"""Page assets: each crop is saved for its cell, and the overlay is drawn on the image at hand."""

from PIL import Image

from dotsparse.model import Box, Category, Cell, CellFormat, PageGeometry, PageResult, PageStatus
from dotsparse.writers.paths import DocPaths
from dotsparse.writers.page_assets import crop_boxes, page_images, write_page_assets


def _cell(order, category, box, fmt=CellFormat.MARKDOWN, text=""):
    return Cell(order=order, category=category, bbox_px=box, bbox_pt=box, format=fmt, text=text)


def test_each_crop_is_saved_for_its_cell_in_order(tmp_path):
    cells = [_cell(0, Category.PICTURE, [0, 0, 10, 10]), _cell(1, Category.TEXT, [0, 20, 50, 30], text="hi"),
             _cell(2, Category.FORMULA, [0, 40, 30, 50], CellFormat.TEXT, "x+1"),  # no LaTeX: the crop is kept
             _cell(3, Category.FORMULA, [0, 60, 30, 70], CellFormat.LATEX, "x^2")]
    assert crop_boxes(cells) == [Box(x1=0, y1=0, x2=10, y2=10), Box(x1=0, y1=40, x2=30, y2=50)]
    crops = [Image.new("RGB", (10, 10), "red"), Image.new("RGB", (30, 10), "blue")]
    result = PageResult(page=3, status=PageStatus.OK, cells=cells)
    written = write_page_assets(result, crops, None, DocPaths(root=tmp_path, name="doc"), overlay=False)
    assets = [c.asset for c in written.cells]
    assert assets[1] is None
    assert assets[3].endswith(".tex") and (tmp_path / assets[3]).read_text() == "x^2\n"
    for asset, colour, size in ((assets[0], (255, 0, 0), (10, 10)), (assets[2], (0, 0, 255), (30, 10))):
        with Image.open(tmp_path / asset) as png:
            assert png.size == size and png.convert("RGB").getpixel((5, 5)) == colour


def test_in_memory_images_are_what_the_folder_would_hold_under_the_same_paths(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    cells = [_cell(0, Category.PICTURE, [0, 0, 10, 10]), _cell(1, Category.TABLE, [0, 20, 50, 30], CellFormat.HTML,
                                                               "<table><tr><td>a</td></tr></table>"),
             _cell(2, Category.FORMULA, [0, 40, 30, 50], CellFormat.TEXT, "x+1"),
             _cell(3, Category.PICTURE, [0, 60, 30, 70], CellFormat.SVG, svg)]
    crops = [Image.new("RGB", (10, 10), "red"), Image.new("RGB", (30, 10), "blue")]
    result = PageResult(page=2, status=PageStatus.OK, cells=cells)
    written = write_page_assets(result, crops, None, DocPaths(root=tmp_path, name="doc"), overlay=False)
    kept, images = page_images(result, crops)
    on_disk = [c.asset for c in written.cells]
    assert [c.asset for c in kept.cells] == [on_disk[0], None, on_disk[2], on_disk[3]]  # tables: no file to link
    assert list(images) == [on_disk[0], on_disk[2], on_disk[3]]
    for name, content in images.items():
        assert content == (tmp_path / name).read_bytes()


def test_overlay_of_a_rescaled_attempt_is_drawn_on_the_page_as_rendered(tmp_path):
    # The answer came from the 0.95 rescale step, so the result's geometry names a smaller sent image;
    # the overlay is drawn on the page rendered at its normal size, cells mapped from page pixels.
    geometry = PageGeometry(width_pt=560, height_pt=840, dpi=72, width_px=560, height_px=840,
                            sent_width=532, sent_height=812)
    cell = _cell(0, Category.TEXT, [280, 420, 420, 560], text="x")
    result = PageResult(page=1, status=PageStatus.FALLBACK, geometry=geometry, cells=[cell])
    page = Image.new("RGB", (560, 840), "white")
    write_page_assets(result, [], page, DocPaths(root=tmp_path, name="doc"), overlay=True)
    with Image.open(tmp_path / "overlay" / "p0001.png") as drawn:
        drawn = drawn.convert("RGB")
        assert drawn.size == (560, 840)
        assert drawn.getpixel((280, 490)) != (255, 255, 255)  # the box's left edge, where page pixels put it
        assert drawn.getpixel((100, 100)) == (255, 255, 255)


def test_engine_notes_become_repairs_and_the_page_is_not_plain_ok():
    import time
    from pathlib import Path

    from dotsparse.engines.base import EngineAnswer, PageRef, Sampling
    from dotsparse.model import Mode, RawBlock
    from dotsparse.run.page import PageJob, result_from_answer

    geometry = PageGeometry(width_pt=560, height_pt=840, dpi=72, width_px=560, height_px=840,
                            sent_width=560, sent_height=840)
    job = PageJob(ref=PageRef(Path("scan.pdf"), 0, "pdf"), geometry=geometry, mode=Mode.LAYOUT, prompt="",
                  sampling=Sampling())
    blocks = [RawBlock(bbox=[10, 10, 200, 40], category="Text", text="??", format=CellFormat.MARKDOWN)]
    note = ("ocr_unsupported_script", "9 of 12 detected text lines could not be read")
    answer = EngineAnswer(blocks=blocks, finish_reason="stop", notes=[note])
    result = result_from_answer(job, answer, time.monotonic())
    assert result.status is PageStatus.REPAIRED
    assert (result.repairs[-1].kind, result.repairs[-1].detail) == note
    clean = result_from_answer(job, EngineAnswer(blocks=blocks, finish_reason="stop"), time.monotonic())
    assert clean.status is PageStatus.OK and not clean.repairs
