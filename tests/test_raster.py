import numpy as np
import pymupdf
import pytest
from PIL import Image

from dotsparse.discover import Source
from dotsparse.errors import SourceError
from dotsparse.model import Box
from dotsparse.raster import OpenSource, RenderOptions
from tests.support.docgen import PageSpec, make_image, make_multipage_tiff, make_pdf, render_page, simple_doc


def _open(path, kind="pdf", password=None):
    return OpenSource(Source(path=path, kind=kind, label=path.name), password)


def test_pdf_page_renders_at_dpi_to_exact_28_multiple(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", simple_doc(1, 2))
    with _open(path) as src:
        assert src.page_count == 2
        page = src.render(1, RenderOptions(dpi=200))
    g = page.geometry
    assert (g.width_pt, g.height_pt) == (595, 842)
    assert (g.width_px, g.height_px) == (round(595 * 200 / 72), round(842 * 200 / 72))
    assert page.image.size == (g.sent_width, g.sent_height)
    assert g.sent_width % 28 == 0 and g.sent_height % 28 == 0


def test_pixel_budget_caps_large_pages(tmp_path):
    doc = pymupdf.open()
    doc.new_page(width=3000, height=4000)
    doc.save(tmp_path / "poster.pdf")
    with _open(tmp_path / "poster.pdf") as src:
        page = src.render(0, RenderOptions(dpi=200, max_pixels=4_000_000))
    assert page.image.width * page.image.height <= 4_000_000
    assert page.geometry.width_px == round(3000 * 200 / 72)  # coordinates stay at the chosen dpi


def test_small_image_is_upscaled_and_keeps_its_own_pixel_space(tmp_path):
    path = make_image(tmp_path / "small.png", PageSpec(300, 200, []), dpi=72)
    with Image.open(path) as im:
        original = im.size
    with _open(path, "image") as src:
        page = src.render(0, RenderOptions(dpi=200))
    assert (page.geometry.width_px, page.geometry.height_px) == original
    assert page.image.width > original[0] * 2.5  # 200/72 upscale


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "bmp", "tiff"])
def test_image_formats(tmp_path, fmt):
    path = make_image(tmp_path / f"p.{fmt}", PageSpec(200, 200, []), fmt=fmt)
    with _open(path, "image") as src:
        assert src.render(0, RenderOptions()).image.mode == "RGB"


def test_multipage_tiff(tmp_path):
    path = make_multipage_tiff(tmp_path / "m.tiff", [PageSpec(200, 300, []), PageSpec(300, 200, [])])
    with _open(path, "image") as src:
        assert src.page_count == 2
        assert src.render(1, RenderOptions()).geometry.width_px > src.render(0, RenderOptions()).geometry.width_px


def test_encrypted_pdf_needs_password(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", simple_doc(1, 1), password="s3cret")
    with pytest.raises(SourceError, match="password-protected.*--password"):
        _open(path)
    with pytest.raises(SourceError, match="does not open"):
        _open(path, password="wrong")
    with _open(path, password="s3cret") as src:
        assert src.page_count == 1


@pytest.mark.parametrize("content", [b"", b"not a pdf at all", b"%PDF-1.7\n%garbage\n"])
def test_broken_pdfs_raise_source_error_naming_the_file(tmp_path, content):
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        _open(path)
    assert "broken.pdf" in str(info.value)


def test_truncated_pdf_and_bad_image(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", simple_doc(1, 3)).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(good[: len(good) // 3])
    try:
        with _open(tmp_path / "cut.pdf") as src:  # MuPDF may repair what it can
            src.render(0, RenderOptions(dpi=50))
    except SourceError:
        pass
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(SourceError, match="cannot decode"):
        _open(tmp_path / "bad.png", "image")


def test_geometry_without_rendering_equals_the_rendered_geometry(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", simple_doc(1, 2))
    with _open(pdf) as src:
        for dpi in (72, 200):
            assert src.geometry(1, RenderOptions(dpi=dpi)) == src.render(1, RenderOptions(dpi=dpi)).geometry


def test_geometry_of_an_exif_rotated_photo_is_upright(tmp_path):
    path = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    Image.new("RGB", (300, 200), "white").save(path, exif=exif, dpi=(150, 150))
    with _open(path, "image") as src:
        rendered = src.render(0, RenderOptions())
        measured = src.geometry(0, RenderOptions())
    assert measured == rendered.geometry
    assert (measured.width_px, measured.height_px) == (200, 300)
    assert rendered.image.size == (measured.sent_width, measured.sent_height)


@pytest.mark.parametrize("rotate", [0, 90])
def test_regions_are_the_pixels_of_the_whole_page_render(tmp_path, rotate):
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=560)
    page.draw_rect(pymupdf.Rect(40, 60, 200, 180), color=(1, 0, 0), fill=(0.2, 0.4, 0.9), width=3)
    page.draw_circle(pymupdf.Point(300, 400), 50, color=(0, 0.5, 0), fill=(1, 0.8, 0))
    page.insert_text((50, 300), "crop me, not the page", fontsize=14)
    page.set_rotation(rotate)
    doc.save(tmp_path / "shapes.pdf")
    options = RenderOptions(dpi=150)
    with _open(tmp_path / "shapes.pdf") as src:
        whole = src.render(0, options)
        g = whole.geometry
        boxes = [Box(x1=70.4, y1=120.6, x2=420.2, y2=390.9), Box(x1=0, y1=0, x2=g.width_px, y2=g.height_px),
                 Box(x1=g.width_px - 3, y1=g.height_px - 2, x2=g.width_px + 50, y2=g.height_px + 9)]
        crops = src.render_regions(0, options, boxes)
    for box, crop in zip(boxes, crops):
        s = g.px_to_sent(box)
        x1, y1 = min(round(s.x1), g.sent_width - 1), min(round(s.y1), g.sent_height - 1)
        x2, y2 = min(max(x1 + 1, round(s.x2)), g.sent_width), min(max(y1 + 1, round(s.y2)), g.sent_height)
        expected = whole.pixels[y1:y2, x1:x2]
        got = np.asarray(crop)
        assert got.shape == expected.shape
        assert np.abs(got.astype(int) - expected).mean() < 0.5  # rasterised alone, the same pixels


def test_regions_of_an_image_source_are_cut_from_its_original_pixels(tmp_path):
    # Defect 8: crops were cut from the resized image sent to the model, not from the file's pixels.
    rng = np.random.default_rng(8)
    original = rng.integers(0, 256, size=(230, 310, 3), dtype=np.uint8)  # noise: any resampling shows
    Image.fromarray(original).save(tmp_path / "scan.png")
    options = RenderOptions()
    with _open(tmp_path / "scan.png", kind="image") as src:
        whole = src.render(0, options)
        assert whole.geometry.sent_width != 310  # the engine gets a resized copy
        crops = src.render_regions(0, options, [Box(x1=10.4, y1=20, x2=110, y2=60.6),
                                                Box(x1=300, y1=225, x2=400, y2=300)])
    assert np.array_equal(np.asarray(crops[0]), original[20:61, 10:110])
    assert np.array_equal(np.asarray(crops[1]), original[225:230, 300:310])  # clamped to the image


def _untagged_image(path, width_pt, height_pt, dpi):
    """An image with no DPI metadata, `width_pt * dpi / 72` pixels wide."""
    render_page(PageSpec(width_pt, height_pt, []), dpi).save(path)
    with Image.open(path) as im:
        assert "dpi" not in im.info
    return path


def test_a_scan_without_dpi_metadata_is_sent_at_its_own_size(tmp_path):
    path = _untagged_image(tmp_path / "scan.png", 612, 810, 200)  # 1700 x 2250 pixels
    with _open(path, "image") as src:
        g = src.geometry(0, RenderOptions(dpi=200))
    assert (g.width_px, g.height_px) == (1700, 2250)
    assert (g.sent_width, g.sent_height) == (1708, 2240)  # the nearest multiples of 28, not 2912 x 3864


def test_a_small_capture_without_dpi_metadata_is_upscaled_to_a_page(tmp_path):
    path = _untagged_image(tmp_path / "capture.png", 612, 792, 96)  # 816 x 1056: Letter at screen resolution
    with _open(path, "image") as src:
        page = src.render(0, RenderOptions(dpi=200))
    assert (page.geometry.width_px, page.geometry.height_px) == (816, 1056)
    assert (page.image.width, page.image.height) == (1708, 2212)  # x2.08, as a page rendered at 200 dpi
