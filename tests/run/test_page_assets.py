"""Page assets: crops come from the page image whatever size the answering attempt was sent at."""

from PIL import Image

from dotsparse.model import Category, Cell, CellFormat, PageGeometry, PageResult, PageStatus
from dotsparse.run.outputs import DocPaths
from dotsparse.run.page import write_page_assets


def test_crop_from_a_rescaled_attempt_lands_on_the_same_page_region(tmp_path):
    # The page as first sent: 560x840, a red square at (280..420, 420..560) in page pixels (= sent pixels).
    image = Image.new("RGB", (560, 840), "white")
    image.paste((255, 0, 0), (280, 420, 420, 560))
    # The answer came from the 0.95 rescale step, so the result's geometry names a smaller sent image.
    geometry = PageGeometry(width_pt=560, height_pt=840, dpi=72, width_px=560, height_px=840,
                            sent_width=532, sent_height=812)
    cell = Cell(order=0, category=Category.PICTURE, bbox_px=[280, 420, 420, 560], bbox_pt=[280, 420, 420, 560],
                format=CellFormat.MARKDOWN)
    result = PageResult(page=1, status=PageStatus.FALLBACK, geometry=geometry, cells=[cell])
    written = write_page_assets(result, image, DocPaths(root=tmp_path, name="doc"), overlay=False)
    with Image.open(tmp_path / written.cells[0].asset) as crop:
        assert crop.size == (140, 140)
        assert crop.convert("RGB").getcolors() == [(140 * 140, (255, 0, 0))]
