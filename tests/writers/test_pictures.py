import markdown
import lxml.html
from markdown_it import MarkdownIt

from dotsparse.model import Category, Cell, CellFormat, DescriptionStatus, PictureDescription
from dotsparse.writers.pictures import ALT_MAX, alt_text, picture_markdown

HOSTILE = ("A chart](x) ![p](http://evil.example/t.png) <img src=x onerror=alert(1)>\n"
           "[link](javascript:alert(1)) `code` *bold* \\ <script>alert(2)</script>")


def _cell(description=None, asset="images/p0001-000-picture.png"):
    return Cell(order=0, category=Category.PICTURE, bbox_px=None, bbox_pt=None, format=CellFormat.NONE,
                asset=asset, description=description)


def _rendered(md: str) -> list:
    return [lxml.html.fromstring(f"<div>{html}</div>") for html in
            (MarkdownIt("commonmark", {"html": True}).render(md), markdown.markdown(md))]


def test_alt_text_is_one_escaped_bounded_line():
    alt = alt_text("a]b[c\nd" + "x" * 1000)
    assert "\n" not in alt and alt.startswith("a\\]b\\[c d") and len(alt) <= ALT_MAX + 10


def test_hostile_descriptions_render_as_text_in_both_renderers():
    desc = PictureDescription(status=DescriptionStatus.OK, text=HOSTILE,
                              data='<table><tr><td onclick="x()">1</td></tr></table><script>alert(3)</script>')
    md = picture_markdown(_cell(desc))
    for tree in _rendered(md):
        assert [img.get("src") for img in tree.iter("img")] == ["images/p0001-000-picture.png"]
        assert not tree.xpath("//a") and not tree.xpath("//script")
        assert not [a for e in tree.iter() for a in e.attrib if a.startswith("on")]
        assert tree.xpath("//td/text()") == ["1"]


def test_failed_or_missing_descriptions_fall_back_to_the_plain_image():
    failed = PictureDescription(status=DescriptionStatus.FAILED, error="HTTP 500")
    assert picture_markdown(_cell(failed)) == "![Picture](images/p0001-000-picture.png)"
    assert picture_markdown(_cell(asset=None)) == ""
