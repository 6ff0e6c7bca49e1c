from dotsparse.document.captions import caption_label
from dotsparse.document.plan import plan_document
from dotsparse.model import Category

from tests.document.pages import page, table


def test_labels_in_several_languages():
    assert (caption_label("Figure 3: Results").number, caption_label("Figure 3: Results").wants) == ("3", Category.PICTURE)
    assert caption_label("**Table 2.1.** Costs").text == "Table 2.1"
    assert caption_label("Fig. 12a shows").number == "12a"
    assert caption_label("表 4 实验结果").wants is Category.TABLE
    assert caption_label("图1 系统架构").number == "1"
    assert caption_label("Tabelle A1 Werte").number == "A1"
    assert caption_label("Figures are shown below") is None and caption_label("Table of contents") is None


def test_captions_link_to_the_nearest_block_of_their_kind():
    p = page(1, ("Caption", "Table 1: Costs", (0.1, 0.08, 0.9, 0.1)),
             ("Table", table(("a", "b"), ("1", "2")), (0.1, 0.11, 0.9, 0.3)),
             ("Picture", "", (0.1, 0.35, 0.9, 0.6)),
             ("Caption", "Figure 1. A chart", (0.1, 0.61, 0.9, 0.63)),
             ("Picture", "", (0.1, 0.7, 0.45, 0.9)), ("Picture", "", (0.55, 0.7, 0.9, 0.9)),
             ("Caption", "Figure 2: Left", (0.1, 0.91, 0.45, 0.93)), ("Caption", "Figure 3: Right", (0.55, 0.91, 0.9, 0.93)),
             ("Caption", "Figure 9: orphan far away", (0.1, 0.99, 0.2, 0.995)))
    links = plan_document([p]).captions
    got = {p.cells[o].text: (l.order, l.category, l.label, l.number) for (_, o), l in links.items()}
    assert got["Table 1: Costs"] == (1, Category.TABLE, "Table 1", "1")
    assert got["Figure 1. A chart"] == (2, Category.PICTURE, "Figure 1", "1")
    assert got["Figure 2: Left"][0] == 4 and got["Figure 3: Right"][0] == 5
    assert "Figure 9: orphan far away" not in got


def test_without_boxes_reading_order_neighbours_link():
    p = page(1, ("Picture", "", None), ("Caption", "A photo of the site", None), ("Text", "Body", None))
    [(key, link)] = plan_document([p]).captions.items()
    assert key == (1, 1) and link.order == 0 and link.label is None
