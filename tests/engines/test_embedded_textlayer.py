"""Born-digital pages: exact text (hyphenation, scripts, broken font maps), categories, order, headings."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from dotsparse.engines.embedded.assemble import region_text
from dotsparse.engines.embedded.captions import relabel_captions
from dotsparse.engines.embedded.furniture import mark_furniture
from dotsparse.engines.embedded.quality import judge
from dotsparse.engines.embedded.regions import Region, Word
from dotsparse.engines.embedded.textlayer import is_rtl, join_lines, page_words, survey_spans
from dotsparse.model import Category, CellFormat, Mode

from . import embedded_docs as docs
from .embedded_run import engine_for_module, markdown, request, run, run_pages


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


@pytest.fixture(scope="module")
def two_col(tmp_path_factory, engine):
    path = tmp_path_factory.mktemp("docs") / "two.pdf"
    truths = docs.paper(path, pages=3, columns=2)
    return truths, run_pages(path, 3, engine)


def _positions(md: str, texts: list[str]) -> list[int]:
    return [md.find(t) for t in texts]


@pytest.mark.parametrize("columns", [2, 3])
def test_columns_are_read_in_order(tmp_path, engine, columns):
    path = tmp_path / f"cols{columns}.pdf"
    truths = docs.paper(path, pages=1, columns=columns, extras=False)
    md = markdown(run_pages(path, 1, engine)[0])
    pos = _positions(md, truths[0].body)
    assert all(p >= 0 for p in pos), [t for t, p in zip(truths[0].body, pos) if p < 0]
    assert pos == sorted(pos)


def test_full_width_heading_and_side_note(tmp_path, engine):
    path = tmp_path / "band.pdf"
    truth = docs.full_width_break_page(path)
    md = markdown(run_pages(path, 1, engine)[0])
    pos = _positions(md, truth.body[:-1])
    assert all(p >= 0 for p in pos) and pos == sorted(pos)
    assert "Side note" in md


def test_title_and_section_headings_are_markdown_headings(two_col):
    truths, answers = two_col
    blocks = answers[0].blocks
    assert any(b.category == "Title" and b.text == "# " + truths[0].body[0] for b in blocks)
    assert any(b.category == "Section-header" and b.text.startswith("## 1.1 Section") for b in blocks)


def test_hyphenated_line_breaks_are_joined_and_no_emphasis(two_col):
    truths, answers = two_col
    md = markdown(answers[0])
    assert truths[0].body[2] in md  # the first paragraph of each column has a hyphenated break
    assert "-\n" not in md and "**" not in md and "_" not in md.replace("x_i", "")


def test_formula_is_plain_text_cell(two_col):
    _, answers = two_col
    formulas = [b for b in answers[1].blocks if b.category == "Formula"]
    text_blocks = [b for b in answers[1].blocks if b.text and "E = m c2" in b.text]
    assert text_blocks, "the formula's text must be kept"
    for b in formulas:
        assert b.format == CellFormat.TEXT


def test_figure_is_a_picture_cell(two_col):
    _, answers = two_col
    pictures = [b for b in answers[1].blocks if b.category == "Picture"]
    assert pictures and all(b.format == CellFormat.NONE and not b.text for b in pictures)


def test_boxes_are_in_sent_coordinates(tmp_path, engine):
    path = tmp_path / "one.pdf"
    docs.paper(path, pages=1, extras=False)
    req = request(path)
    answer = run(engine, [req])[0]
    for b in answer.blocks:
        x1, y1, x2, y2 = b.bbox
        assert 0 <= x1 < x2 <= req.geometry.sent_width + 1 and 0 <= y1 < y2 <= req.geometry.sent_height + 1


def test_list_items(tmp_path, engine):
    path = tmp_path / "list.pdf"
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    y = docs.write_paragraph(page, 72, 72, 400, docs.sentence(__import__("random").Random(3), 30))
    for i, item in enumerate(["First point of the list", "Second point of the list", "Third point of the list"]):
        page.insert_text((80, y + 10), "•", fontsize=docs.SIZE)
        page.insert_text((92, y + 10), item, fontsize=docs.SIZE)
        y += docs.LEAD
    doc.save(path)
    md = markdown(run_pages(path, 1, engine)[0])
    assert "- First point of the list" in md and "•" not in md


def test_modes(tmp_path, engine):
    path = tmp_path / "modes.pdf"
    truths = docs.paper(path, pages=1, extras=False)
    det, text = run(engine, [request(path, mode=Mode.DETECT), request(path, mode=Mode.TEXT)])
    assert det.blocks and all(b.text is None and b.format == CellFormat.NONE for b in det.blocks)
    assert len(text.blocks) == 1 and truths[0].body[1] in text.blocks[0].text
    assert "Page 1" not in text.blocks[0].text
    req = request(path, mode=Mode.BOX)
    sw, sh = req.geometry.sent_width, req.geometry.sent_height
    req.prompt = "Extract text from the given bounding box on the image (format: [x1, y1, x2, y2]).\nBounding Box:\n" \
                 f"[0, 0, {sw}, {round(sh * 0.07)}]"
    box = run(engine, [req])[0]
    assert box.blocks[0].text.startswith("Proceedings of Generated Documents")


def _remapped_page(path: Path, lines: list[tuple[float, float, list[str]]]) -> None:
    """Words drawn in Helvetica whose text layer says what `lines` says, whatever the script.

    Each line is (x, y, words in visual order, left to right); right-to-left words have their
    glyphs reversed, as PDF producers write Arabic. Characters beyond ASCII get codes from 0xC0 up,
    named uniXXXX in the font's encoding: the mechanism behind every text layer (and broken ones).
    """
    chars = sorted({c for _, _, words in lines for w in words for c in w if ord(c) > 0x7E})
    assert len(chars) <= 64, "codes 0xC0-0xFF only"
    code = {c: chr(0xC0 + i) for i, c in enumerate(chars)}
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    for x, y, words in lines:
        glyphs = ["".join(code.get(c, c) for c in w) for w in words]
        visual = " ".join(g[::-1] if is_rtl(w) else g for g, w in zip(glyphs, words))
        page.insert_text((x, y), visual, fontsize=docs.SIZE, fontname="helv")
    names = " ".join(f"/uni{ord(c):04X}" for c in chars)
    for font in page.get_fonts():
        doc.xref_set_key(font[0], "Encoding", f"<</BaseEncoding/WinAnsiEncoding/Differences[192 {names}]>>")
    doc.save(path)


def test_joining_lines():
    lines = ["a hyphen-", "ated line, state-of-the-", "art work by Jean-", "Pierre on COVID-", "19 and soft\u00ad",
             "ware.", "中文的句子", "继续。"]
    assert join_lines(lines) == ("a hyphenated line, state-of-the-art work by Jean-Pierre on COVID-19 and "
                                 "software. 中文的句子继续。")


def test_hyphenated_compounds_keep_their_hyphen(tmp_path, engine):
    path = tmp_path / "compound.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    lines = ["The measured values follow a well-established and state-of-the-", "art procedure that was first",
             "described by Jean-", "Pierre Dupont for the evaluation of the inter-", "national survey on COVID-",
             "19 cases in several regions of the country."]
    for i, line in enumerate(lines):
        page.insert_text((72, 100 + i * docs.LEAD), line, fontsize=docs.SIZE, fontname="helv")
    doc.save(path)
    md = markdown(run_pages(path, 1, engine)[0])
    assert "state-of-the-art procedure" in md and "Jean-Pierre" in md and "international" in md
    assert "COVID-19 cases" in md


def test_chinese_lines_join_without_spaces(tmp_path, engine):
    path = tmp_path / "cjk.pdf"
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    page.insert_text((50, 60), "在这个例子中我们测试中文段落的换行是否会被", fontsize=12, fontname="china-s")
    page.insert_text((50, 76), "正确地连接起来而不插入多余的空格字符。", fontsize=12, fontname="china-s")
    doc.save(path)
    md = markdown(run_pages(path, 1, engine)[0])
    assert "会被正确地连接" in md


def test_right_to_left_words_in_reading_order(tmp_path, engine):
    path = tmp_path / "rtl.pdf"
    visual = [["2024", "عام", "منذ", "IBM", "DB2", "من", "Python", "و", "R", "بلغة", "البرمجة", "تعتبر"],
              ["اليوم", "فعالة", "حلول", "إيجاد", "في", "وتساعد", "الإنتاجية", "تعزز", "التي"]]
    logical = ("تعتبر البرمجة بلغة R و Python من IBM DB2 منذ عام 2024 "
               "التي تعزز الإنتاجية وتساعد في إيجاد حلول فعالة اليوم")
    _remapped_page(path, [(300, 100, visual[0]), (330, 100 + docs.LEAD, visual[1])])
    md = markdown(run_pages(path, 1, engine)[0])
    assert logical in md


def test_control_codes_of_symbol_fonts_are_not_text(tmp_path, engine):
    path = tmp_path / "boxes.pdf"
    items = [["\x84", "They", "work", "in", "parallel", "to", "private", "practitioners"],
             ["\x84", "They", "coordinate", "appointments", "of", "private", "practitioners"]]
    _remapped_page(path, [(72, 100 + i * 2 * docs.LEAD, words) for i, words in enumerate(items)])
    md = markdown(run_pages(path, 1, engine)[0])
    assert "They work in parallel" in md and "They coordinate" in md and "\x84" not in md


def _judge(path: Path):
    page = pymupdf.open(path)[0]
    survey = survey_spans(page)
    return judge(page, page_words(page, survey.hidden), survey.hidden_chars, survey.total_chars)


def test_text_scrambled_by_a_font_encoding_is_ocred(tmp_path):
    scrambled, accented = tmp_path / "scrambled.pdf", tmp_path / "accented.pdf"
    garbage = "]üìÜüéê •ìê °ê£ë†£ûÜüéê †ë ∞†¶£ èÜ•ÜáÜ§ê †°ê£Ü•î†ü§ ]Ü£ü í£êÜ•ê£ £ê•¶£ü".split()
    plain = "The report shows how the method helps every team".split()
    _remapped_page(scrambled, [(72, 100 + i * docs.LEAD, garbage if i % 2 else plain) for i in range(8)])
    real = ["Þjóðin", "á", "Íslandi", "notar", "ação", "não", "über", "Größe", "déjà", "été", "façade", "œuvre"]
    _remapped_page(accented, [(72, 100 + i * docs.LEAD, real) for i in range(8)])
    assert _judge(scrambled).needs_ocr
    assert not _judge(accented).needs_ocr


def test_checkbox_items_are_task_list_items():
    def item(text: str) -> str:
        return region_text(Region(bbox=(0, 0, 100, 10), category=Category.LIST_ITEM,
                                  words=[Word((0, 0, 100, 10), text, (0, 0))]))

    assert item("☐There is no limit") == "- [ ] There is no limit"
    assert item("☒ Yes") == "- [x] Yes"
    assert item("• Plain") == "- Plain"


def test_text_layer_stars_and_underscores_render_as_themselves():
    """A PDF's literal `*stars*` or `_word_` must not become emphasis in any Markdown renderer."""
    from markdown_it import MarkdownIt

    def cell(category: Category, text: str) -> str:
        return region_text(Region(bbox=(0, 0, 300, 10), category=category,
                                  words=[Word((20 * i, 0, 20 * i + 18, 10), t, (0, 0)) for i, t in enumerate(text.split())]))

    md = MarkdownIt("commonmark")
    body = cell(Category.TEXT, "Use *stars* and _under_ but keep snake_case and QIBM_DB_SECADM, 5 * 3 = 15")
    assert "snake_case" in body and "QIBM_DB_SECADM" in body  # intraword underscores are never emphasis
    shown = md.render(body)
    assert "<em>" not in shown and "*stars*" in shown and "_under_" in shown and "5 * 3" in shown
    for category, text in ((Category.SECTION_HEADER, "The __init__ method"), (Category.LIST_ITEM, "• a *b* c"),
                           (Category.LIST_ITEM, "* starred item *x*"), (Category.TITLE, "_Italic_ title")):
        shown = md.render(cell(category, text))
        assert "<em>" not in shown and "<strong>" not in shown, (text, shown)
    assert cell(Category.LIST_ITEM, "* starred item *x*").startswith("- starred item")  # `*` as a bullet is a bullet
    assert md.render(cell(Category.TEXT, r"C:\*.txt and \\server\share")).strip() == r"<p>C:\*.txt and \\server\share</p>"


def test_text_layer_text_that_looks_like_markdown_syntax_stays_text():
    """Backticks, entities, numbers, rules and quote marks printed on the page show as printed, in body
    text and in list items (after their bullet), through the Markdown pass the pipeline applies."""
    from markdown_it import MarkdownIt

    from dotsparse.parse.safe_markdown import safe_markdown

    def shown(category: Category, text: str) -> str:
        cell = region_text(Region(bbox=(0, 0, 300, 10), category=category,
                                  words=[Word((20 * i, 0, 20 * i + 18, 10), t, (0, 0)) for i, t in enumerate(text.split())]))
        return MarkdownIt("commonmark").render(safe_markdown(cell))

    assert shown(Category.TEXT, "Run `rm -rf *_old` now") == "<p>Run `rm -rf *_old` now</p>\n"
    assert shown(Category.TEXT, "AT&amp;T and &copy; 2024") == "<p>AT&amp;amp;T and &amp;copy; 2024</p>\n"
    assert shown(Category.TEXT, "2024. A year of growth") == "<p>2024. A year of growth</p>\n"
    assert shown(Category.TEXT, "1) first point") == "<p>1) first point</p>\n"
    assert shown(Category.TEXT, "---") == "<p>---</p>\n"
    assert shown(Category.TEXT, "* * *") == "<p>* * *</p>\n" and shown(Category.TEXT, "___") == "<p>___</p>\n"
    # what can never be emphasis is left as printed in the Markdown too: a form's blanks, a spaced operator
    assert region_text(Region(bbox=(0, 0, 300, 10), category=Category.TEXT, words=[
        Word((20 * i, 0, 20 * i + 18, 10), t, (0, 0)) for i, t in enumerate("Name: ______ and 5 * 3".split())])
    ) == "Name: ______ and 5 * 3"
    assert shown(Category.LIST_ITEM, "• > 5 years") == "<ul>\n<li>&gt; 5 years</li>\n</ul>\n"
    assert shown(Category.LIST_ITEM, "• # of users") == "<ul>\n<li># of users</li>\n</ul>\n"
    assert shown(Category.LIST_ITEM, "• + plus") == "<ul>\n<li>+ plus</li>\n</ul>\n"


def test_any_mix_of_markdown_characters_renders_as_printed():
    """Random runs of `*`, `_`, backticks, backslashes, brackets, entities and words, through the Markdown
    pass the pipeline applies, render to exactly the characters printed: no emphasis, nothing lost."""
    import html
    import random
    import re

    from markdown_it import MarkdownIt

    from dotsparse.engines.embedded.assemble import _literal, _not_syntax
    from dotsparse.parse.safe_markdown import safe_markdown

    md, rng = MarkdownIt("commonmark"), random.Random(7)
    pieces = ["*", "_", "**", "__", "a", "b", "1", " ", " ", "(", ")", ".", "\\", "`", "é", "-", "&", ":", "#", ">"]
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))).strip()
        if not text:
            continue
        rendered = md.render(safe_markdown(_not_syntax(_literal(text))))
        assert "<em>" not in rendered and "<strong>" not in rendered, (text, rendered)
        shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
        assert " ".join(shown.split()) == " ".join(text.split()), (text, rendered)


def test_caption_line_labelled_as_heading_is_a_caption():
    regions = [Region(bbox=(200, 100, 380, 110), category=Category.SECTION_HEADER,
                      words=[Word((200, 100, 380, 110), t, (0, 0)) for t in "Listing 1: Simple Program".split()]),
               Region(bbox=(72, 60, 200, 72), category=Category.SECTION_HEADER,
                      words=[Word((72, 60, 200, 72), t, (1, 0)) for t in "2 Tables and Figures".split()])]
    relabel_captions(regions)
    assert [r.category for r in regions] == [Category.CAPTION, Category.SECTION_HEADER]


def test_page_bottom_note_the_model_calls_a_footer_is_a_footnote():
    def footer(text: str, y: float) -> Region:
        words = [Word((72 + 30 * i, y, 100 + 30 * i, y + 8), t, (int(y), 0)) for i, t in enumerate(text.split())]
        return Region(bbox=(72, y, 100 + 30 * len(words), y + 8), category=Category.PAGE_FOOTER, words=words)

    note = footer("1 The survey was run in twelve countries between March and May of the year.", 740)
    star = footer("*Equal contribution", 752)
    label = footer("Annual Report of the Company", 764)
    number = footer("Page 3", 776)
    body = Region(bbox=(72, 100, 540, 600), category=Category.TEXT, words=[Word((72, 100, 540, 600), "x", (9, 0))])
    mark_furniture([note, star, label, number, body], (0, 0, 612, 792), [])
    assert [r.category for r in (note, star, label, number)] == [
        Category.FOOTNOTE, Category.FOOTNOTE, Category.PAGE_FOOTER, Category.PAGE_FOOTER]



def test_arabic_lam_alef_ligatures_come_out_in_logical_order(tmp_path, engine):
    from . import embedded_realdocs as real

    path = tmp_path / "lamalef.pdf"
    real.arabic_ligature_pdf(path, list(real.LAM_ALEF_WORDS.values()))
    assert "المشكالت" in pymupdf.open(path)[0].get_text()  # the failure this reproduces: MuPDF reverses the pair
    md = markdown(run_pages(path, 1, engine)[0])
    assert md.split() == ["خلال", "المشكلات"]  # the article's alef-lam (two glyphs) is left alone


def test_outlined_text_is_visible_and_render_mode_3_is_not_even_in_bold():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "filled words", render_mode=0)
    page.insert_text((72, 140), "outlined words", render_mode=1)
    page.insert_text((72, 180), "hidden words", render_mode=3)
    page.insert_text((72, 220), "hidden bold", render_mode=3, fontname="hebo")
    survey = survey_spans(page)
    words = {w.text for w in page_words(page, survey.hidden)}
    assert {"filled", "outlined"} <= words
    assert not words & {"hidden", "bold"}
    assert survey.hidden_chars == len("hidden words") + len("hidden bold")
