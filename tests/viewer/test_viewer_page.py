"""The document page in headless Chromium: boxes where the JSON says, selection both ways, formulas,
keyboard, search, deep links, and not one request outside file://."""

from __future__ import annotations

import json

import pytest

from dotsparse.model import Category, CellFormat, PageResult, PageStatus
from dotsparse.viewer import build_views
from tests.viewer.conftest import cell, geometry, make_source, wait_until, write_output


def shown(opened, page_no: int) -> None:
    opened.page.wait_for_selector(f"#p{page_no} .content .cell")


def page_json(html_path) -> dict:
    return json.loads((html_path.parent / "doc.json").read_text())


@pytest.mark.parametrize("width,scale", [(1400, 1.0), (760, 1.0), (1100, 2.0)])
def test_boxes_are_drawn_at_bbox_px_within_a_pixel(open_page, layout_doc, width, scale):
    opened = open_page(layout_doc, width=width, scale=scale)
    data = page_json(layout_doc)
    for page in data["pages"]:
        opened.page.locator(f"#p{page['page']}").scroll_into_view_if_needed()
        shown(opened, page["page"])
        opened.page.wait_for_selector(f"#p{page['page']} canvas.page-image[data-loaded]")
        boxed = [c for c in page["cells"] if c["bbox_px"]]
        boxes = opened.page.locator(f"#p{page['page']} .box")
        assert boxes.count() == len(boxed)
        img = opened.page.locator(f"#p{page['page']} canvas.page-image").bounding_box()
        w, h = page["geometry"]["width_px"], page["geometry"]["height_px"]
        for i, c in enumerate(boxed):
            box = boxes.nth(i)
            assert box.get_attribute("data-order") == str(c["order"])
            got = box.bounding_box()
            x1, y1, x2, y2 = c["bbox_px"]
            expected = (img["x"] + x1 / w * img["width"], img["y"] + y1 / h * img["height"],
                        (x2 - x1) / w * img["width"], (y2 - y1) / h * img["height"])
            for a, b in zip((got["x"], got["y"], got["width"], got["height"]), expected):
                assert abs(a - b) <= 1.0, (c, got, expected)
            assert box.locator(".num").inner_text() == str(c["order"])
    assert opened.errors == [] and opened.dialogs == []


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_the_page_image_is_the_rendered_source_decoded_once_at_the_size_shown(open_page, layout_doc, scale):
    from PIL import Image

    with Image.open(layout_doc.parent / "view" / "p0001.jpg") as jpeg:
        assert jpeg.height == 1200
        file_ratio = jpeg.width / jpeg.height
    g = geometry()
    assert abs(file_ratio - g.width_px / g.height_px) < 0.005
    opened = open_page(layout_doc, scale=scale)
    shown(opened, 1)
    opened.page.wait_for_selector("#p1 canvas.page-image[data-loaded]")
    got = opened.page.evaluate("(() => { const c = document.querySelector('#p1 canvas.page-image');"
                               " return [c.width, c.height, c.getBoundingClientRect().width]; })()")
    width, height, css_width = got
    assert abs(width / height - file_ratio) < 0.01
    assert abs(width - min(jpeg.width, css_width * scale)) <= 1, "decoded at the size shown, never above the file's"
    assert opened.page.locator("#pages img:not(.crop)").count() == 0, "no <img> leaves a decoded page in the image cache"


def test_selection_works_both_ways_and_scrolls(open_page, layout_doc):
    opened = open_page(layout_doc, height=500)
    page = opened.page
    shown(opened, 1)
    page.locator("#p1 .box[data-order='4']").click()
    assert "selected" in page.locator("#p1-c4").get_attribute("class")
    assert "selected" in page.locator("#p1 .box[data-order='4']").get_attribute("class")
    assert page.evaluate("(() => { const r = document.getElementById('p1-c4').getBoundingClientRect();"
                         " return r.top >= 0 && r.bottom <= innerHeight; })()")
    assert page.evaluate("location.hash") == "#p1-c4"
    page.locator("#p1-c2").click()
    assert "selected" in page.locator("#p1 .box[data-order='2']").get_attribute("class")
    assert page.locator(".selected").count() == 2  # the cell and its box, nothing left from before
    page.locator("#p1-c5").click()  # no box: the cell alone is selected
    assert page.locator(".box.selected").count() == 0 and "selected" in page.locator("#p1-c5").get_attribute("class")


def test_content_is_rendered_markdown_tables_and_typeset_formulas(open_page, layout_doc):
    opened = open_page(layout_doc)
    shown(opened, 1)
    page = opened.page
    assert page.locator("#p1-c1 h1").inner_text() == "Title of page 1"
    assert page.locator("#p1-c2 strong").inner_text() == "bold"
    assert page.locator("#p1-c2 .katex").count() == 1  # inline $x_i^2$ kept its underscore for KaTeX
    assert page.locator("#p1-c3 table td").count() == 2
    assert page.locator("#p1-c4 .katex-display").count() == 1
    crop = page.locator("#p1-c7 img.crop")
    crop.scroll_into_view_if_needed()
    wait_until(page, "document.querySelector('#p1-c7 img.crop').naturalWidth === 220")


FORMULAS = [r"\frac{a}{b}", r"\sum_{i=1}^{n} x_i^2", r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
            r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", r"\mathbb{R}^{n \times m}", r"\alpha + \beta \geq \gamma",
            r"\lim_{x \to 0} \frac{\sin x}{x} = 1", r"\begin{aligned} f(x) &= x^2 \\ g(x) &= \log x \end{aligned}",
            r"\hat{\theta} = \arg\max_\theta \mathcal{L}(\theta)", r"\overline{AB} \parallel \vec{v}",
            r"x = \begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}", r"\binom{n}{k} \approx \mathrm{e}^{k}"]


def test_a_set_of_latex_formulas_typesets_with_no_katex_error_and_bad_tex_shows_its_source(open_page, tmp_path):
    cells = [cell(i, Category.FORMULA, [50, 40 + 60 * i, 700, 90 + 60 * i], tex, CellFormat.LATEX)
             for i, tex in enumerate(FORMULAS)]
    cells.append(cell(len(FORMULAS), Category.FORMULA, [50, 900, 700, 950], r"\frac{a}{", CellFormat.LATEX))
    out = tmp_path / "out"
    write_output(out, "doc", [PageResult(page=1, status=PageStatus.OK, geometry=geometry(), cells=cells)])
    build_views(out)
    opened = open_page(out / "doc" / "doc.html")
    shown(opened, 1)
    page = opened.page
    assert page.locator(".katex-display").count() == len(FORMULAS)
    assert page.locator(".katex-error").count() == 0
    assert page.locator(".math-error").count() == 1
    assert page.locator(".math-error").inner_text() == r"\frac{a}{"
    fonts = [u for u in opened.requests if u.endswith(".woff2")]
    assert fonts, "KaTeX's fonts load from the package's copy"
    assert all(u.startswith("file://") for u in opened.requests)


def test_no_request_leaves_file_and_the_policy_blocks_nothing_of_ours(open_page, layout_doc):
    opened = open_page(layout_doc)
    shown(opened, 1)
    shown(opened, 2)
    opened.page.wait_for_timeout(300)
    assert opened.requests and all(u.startswith("file://") for u in opened.requests), opened.requests
    assert opened.page.evaluate("window.__csp || []") == []
    assert not [m for m in opened.console if "Content Security Policy" in m], opened.console
    assert opened.errors == []
    policy = opened.page.locator("meta[http-equiv='Content-Security-Policy']").get_attribute("content")
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_keyboard_moves_between_cells_and_pages_and_furniture_hides(open_page, layout_doc):
    opened = open_page(layout_doc)
    page = opened.page
    shown(opened, 1)
    page.keyboard.press("j")
    page.wait_for_selector("#p1-c0.selected")
    page.keyboard.press("j")
    page.wait_for_selector("#p1-c1.selected")
    page.keyboard.press("k")
    page.wait_for_selector("#p1-c0.selected")
    page.keyboard.press("f")  # hide headers and footers: they are skipped by the keys too
    assert not page.locator("#p1-c0").is_visible() and not page.locator("#p1 .box[data-order='0']").is_visible()
    assert page.locator("#p1-c1").is_visible()
    for _ in range(7):  # c1 c2 c3 c4 c5 c7, then page 2
        page.keyboard.press("j")
    page.wait_for_selector("#p2-c1.selected")  # past page 1's footer (hidden) and page 2's header
    page.keyboard.press("p")
    wait_until(page, "location.hash === '#p1'")
    page.keyboard.press("n")
    wait_until(page, "location.hash === '#p2'")


def test_search_on_slash_finds_cells_on_every_page(open_page, layout_doc):
    opened = open_page(layout_doc)
    page = opened.page
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("body text of page 2")
    wait_until(page, "document.getElementById('hits').textContent.startsWith('1 found')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#p2-c2.selected.hit")


def test_deep_links_open_a_page_and_a_cell(open_page, tmp_path):
    out = tmp_path / "out"
    pages = [PageResult(page=n, status=PageStatus.OK, geometry=geometry(),
                        cells=[cell(0, Category.TEXT, [80, 100, 700, 200], f"First block of page {n}"),
                               cell(1, Category.TEXT, [80, 300, 700, 400], f"Second block of page {n}")])
             for n in range(1, 41)]
    write_output(out, "doc", pages)
    build_views(out)
    opened = open_page(out / "doc" / "doc.html", hash_="#p30-c1")
    page = opened.page
    page.wait_for_selector("#p30-c1.selected")
    assert page.evaluate("(() => { const r = document.getElementById('p30-c1').getBoundingClientRect();"
                         " return r.top >= 0 && r.bottom <= innerHeight; })()")
    assert page.locator("#p1 .cell").count() == 0, "pages far from the view are not rendered"
    page.evaluate("location.hash = '#p12'")
    wait_until(page, "document.getElementById('p12').getBoundingClientRect().top < 120")


def test_status_badges_list_repairs_fallbacks_and_errors(open_page, tmp_path):
    from dotsparse.model import Repair

    out = tmp_path / "out"
    pages = [PageResult(page=1, status=PageStatus.REPAIRED, geometry=geometry(),
                        repairs=[Repair(kind="bbox_clamped", detail="[0, 0, 9999, 10] outside 812x1176")],
                        cells=[cell(0, Category.TEXT, [80, 100, 700, 200], "kept", truncated=True)]),
             PageResult(page=2, status=PageStatus.FALLBACK, geometry=geometry(), fallbacks=["rescale", "embedded"],
                        cells=[cell(0, Category.TEXT, [80, 100, 700, 200], "from the fallback")]),
             PageResult(page=3, status=PageStatus.FAILED, geometry=geometry(),
                        error="doc.pdf, page 3, engine: the answer is not JSON", raw_answer="[{\"bbox\": [1, 2"),
             PageResult(page=4, status=PageStatus.SERVER_UNAVAILABLE, error="no server answered")]
    write_output(out, "doc", pages)
    build_views(out)
    opened = open_page(out / "doc" / "doc.html", height=3000)
    page = opened.page
    assert page.locator("#p1 .page-head .st-repaired").inner_text() == "repaired"
    assert page.locator("#p1 .page-head .badge.repairs").inner_text() == "1 repair"
    assert page.locator("#p1 .page-head .badge.truncated").inner_text() == "1 truncated block"
    assert page.locator("#p2 .page-head .st-fallback").inner_text() == "fallback"
    assert "rescale → embedded" in page.locator("#p2 .page-head .badge.fallbacks").inner_text()
    assert "the answer is not JSON" in page.locator("#p3 .page-notes .error").inner_text()
    page.wait_for_selector("#p3 details.raw")
    assert page.locator("#p3 details.raw pre").text_content() == "[{\"bbox\": [1, 2"
    assert page.locator("#p4 .no-figure").count() == 1
    assert "blank page" in page.locator("#p1 .image-note").inner_text()  # the source is gone: blank page, boxes kept
    assert page.locator("#p1 .box").count() == 1
    summary = page.locator("#summary").inner_text()
    assert "1 repaired" in summary and "1 failed" in summary and "1 server-unavailable" in summary


@pytest.mark.parametrize("mode", ["detect", "order"])
def test_detect_and_order_modes_show_boxes_and_order_only(open_page, tmp_path, mode):
    from dotsparse.model import Mode

    out = tmp_path / "out"
    cells = [cell(i, Category.TEXT, [80, 100 + 120 * i, 700, 200 + 120 * i], "", CellFormat.NONE) for i in range(4)]
    write_output(out, "doc", [PageResult(page=1, status=PageStatus.OK, geometry=geometry(), cells=cells)],
                 make_source(tmp_path / "s.pdf", 1), mode=Mode(mode))
    build_views(out)
    opened = open_page(out / "doc" / "doc.html")
    shown(opened, 1)
    assert opened.page.locator("#p1 .box").count() == 4
    assert [opened.page.locator(f"#p1 .box >> nth={i}").inner_text() for i in range(4)] == ["0", "1", "2", "3"]
    assert f"box only ({mode} mode)" in opened.page.locator("#p1-c0").inner_text()


def test_picture_descriptions_are_shown_sanitized_under_the_crop(open_page, tmp_path):
    from dotsparse import model

    if "description" not in model.Cell.model_fields:
        pytest.skip("this data model has no picture descriptions yet")
    described = model.PictureDescription(status="ok", text="A bar chart <img src=x onerror=alert(1)> of **sales**",
                                         data="<table><tr><td onclick='x()'>2024</td><td>12</td></tr></table>")
    failed = model.PictureDescription(status="failed", error="the describer timed out")
    cells = [cell(0, Category.PICTURE, [80, 100, 700, 400], "", CellFormat.NONE, description=described),
             cell(1, Category.PICTURE, [80, 500, 700, 800], "", CellFormat.NONE, description=failed)]
    out = tmp_path / "out"
    write_output(out, "doc", [PageResult(page=1, status=PageStatus.OK, geometry=geometry(), cells=cells)])
    build_views(out)
    opened = open_page(out / "doc" / "doc.html")
    shown(opened, 1)
    page = opened.page
    assert page.locator("#p1-c0 .description strong").inner_text() == "sales"
    assert page.locator("#p1-c0 .description td").count() == 2
    assert page.locator("#p1-c0 .description img, #p1-c0 [onclick]").count() == 0
    assert "the describer timed out" in page.locator("#p1-c1 .description").inner_text()
    assert opened.dialogs == []


@pytest.mark.parametrize("width", [1400, 760])
def test_only_pages_near_the_view_are_built_and_the_scroll_height_is_exact_before_they_are(open_page, tmp_path,
                                                                                           width):
    import pymupdf

    from dotsparse.model import PageGeometry
    from tests.viewer.conftest import DPI, H_PT, W_PT, layout_page

    source = make_source(tmp_path / "s.pdf", 30)
    with pymupdf.open(source) as pdf:  # page 10 is landscape: its placeholder has a ratio of its own
        pdf.delete_page(9)
        pdf.new_page(pno=9, width=H_PT, height=W_PT)
        pdf.saveIncr()
    landscape = PageGeometry(width_pt=H_PT, height_pt=W_PT, dpi=DPI, width_px=round(H_PT * DPI / 72),
                             height_px=round(W_PT * DPI / 72), sent_width=1176, sent_height=812)
    pages = [layout_page(n) if n != 10 else layout_page(n).model_copy(update={"geometry": landscape})
             for n in range(1, 31)]
    out = tmp_path / "out"
    write_output(out, "doc", pages, source)
    build_views(out)
    opened = open_page(out / "doc" / "doc.html", width=width)
    page = opened.page
    heights = "Array.from(document.querySelectorAll('#pages > section')).map(s => s.getBoundingClientRect().height)"
    before, scroll_height = page.evaluate(heights), page.evaluate("document.documentElement.scrollHeight")
    assert page.evaluate("document.querySelectorAll('#pages > section:empty').length") >= 26
    assert before[9] < before[8], "the landscape page is shorter than its portrait neighbours"
    for n in (8, 10, 15, 23, 30, 4):
        page.evaluate(f"location.hash = '#p{n}'")
        page.wait_for_selector(f"#p{n} .content .cell")
        page.wait_for_selector(f"#p{n} canvas.page-image[data-loaded]")
        built = page.evaluate("Array.from(document.querySelectorAll('#pages > section:not(:empty)'), s => +s.dataset.page)")
        assert n in built and len(built) <= 6, built
        assert page.evaluate("document.querySelectorAll('#pages canvas').length") <= len(built)
        now = page.evaluate(heights)
        assert max(abs(a - b) for a, b in zip(before, now)) < 0.5, "a built page is as tall as its placeholder"
        assert page.evaluate("document.documentElement.scrollHeight") == scroll_height
    assert page.evaluate("document.getElementById('p30').childElementCount") == 0, "far pages are dropped"
    assert opened.errors == []


def test_a_page_image_is_decoded_again_when_the_window_grows(open_page, layout_doc):
    opened = open_page(layout_doc, width=1000, height=700)
    page = opened.page
    page.wait_for_selector("#p1 canvas.page-image[data-loaded]")
    size = "(() => { const c = document.querySelector('#p1 canvas.page-image[data-loaded]');" \
           " return c ? [c.width, c.getBoundingClientRect().width] : [0, 1]; })()"
    small, css = page.evaluate(size)
    assert abs(small - css) <= 1
    page.set_viewport_size({"width": 1800, "height": 1200})
    wait_until(page, f"(() => {{ const [w, css] = {size}; return w > {small} * 1.15 && Math.abs(w - css) <= 1; }})()")
