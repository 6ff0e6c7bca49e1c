"""Scans as real documents have them: an OCR text layer, small pages scanned at high resolution,
scripts the bundled OCR model does not read, text drawn on pictures."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

from dotsparse.engines.embedded import ocr
from dotsparse.engines.embedded.scan import judge_ocr, ocr_dpi
from dotsparse.engines.embedded.layout import text_in_pictures
from dotsparse.engines.embedded.regions import Region, Word
from dotsparse.model import Category

from . import embedded_docs as docs
from . import embedded_realdocs as real
from .embedded_run import engine_for_module, markdown, request, run
from .ocr_fixtures import engine, source  # noqa: F401  (fixtures, found by name)

pytestmark = pytest.mark.slow

UNREAD_SCRIPTS = [  # (text, right to left) in scripts the bundled OCR models do not read
    ("대한민국의 보험 제도는 상해와 재해를 다르게 정의한다. 손해보험의 표준약관 규정에 따르면 보험기간 중에 발생한 "
     "급격하고도 우연한 외래의 사고로 신체에 입은 상해라고 규정하고 있다.", False),
    ("عندما يجتمع التفكير التحليلي مع مهارات البرمجة، يصبح من الممكن معالجة كميات هائلة من البيانات واستخراج "
     "الأنماط والتوجهات منها. يمكن للمبرمجين استخدام الأدوات لتنفيذ عمليات تحليلية متقدمة.", True),
]


def test_an_ocr_layer_that_agrees_with_the_image_is_the_text(tmp_path, engine, source):
    scan = tmp_path / "layered.pdf"
    # The layer says "eleven" where the image says "twelve": only the layer can produce "eleven".
    real.ocr_layer_scan(source, scan, replace={"twelve": "eleven"})
    answer = run(engine, [request(scan)])[0]
    md = markdown(answer, furniture=True).lower()
    assert "eleven" in md and "quarterly report" in md
    assert not any(b.category == "Picture" for b in answer.blocks)  # the scan's image is not a page-sized picture


def test_ocr_always_reads_the_image_under_the_layer(tmp_path, source):
    scan = tmp_path / "layered.pdf"
    real.ocr_layer_scan(source, scan, replace={"twelve": "eleven"})
    for eng in engine_for_module("always"):
        md = markdown(run(eng, [request(scan)])[0], furniture=True).lower()
    assert "twelve" in md and "eleven" not in md


def test_small_page_is_read_at_the_scans_own_resolution(tmp_path, engine):
    scan = tmp_path / "receipt.pdf"
    lines = ["Receipt number 4471 for coffee beans", "Total amount paid twelve dollars"]
    real.small_page_scan(scan, lines, dpi=600)
    assert ocr_dpi(pymupdf.open(scan)[0]) == pytest.approx(600, rel=0.02)
    md = markdown(run(engine, [request(scan)])[0], furniture=True).lower()
    assert "coffee beans" in md and "twelve dollars" in md


@pytest.mark.parametrize("text, rtl", UNREAD_SCRIPTS)
def test_a_script_the_ocr_model_does_not_read_is_marked(tmp_path, engine, text, rtl):
    scan = tmp_path / "script.pdf"
    real.script_scan(scan, text, rtl)
    answer = run(engine, [request(scan)])[0]
    kinds = {k for k, _ in answer.notes}
    assert kinds & {"ocr_unsupported_script", "ocr_low_confidence"}
    assert all("script" in detail for _, detail in answer.notes)


def test_a_clean_scan_has_no_notes(tmp_path, engine, source):
    scan = tmp_path / "clean.pdf"
    docs.image_only_pdf(source, scan, dpi=200)
    assert run(engine, [request(scan)])[0].notes == []


def _w(x: float, y: float, text: str) -> Word:
    return Word((x, y, x + 6 * len(text), y + 10), text, (0, int(y)))


def test_running_text_and_formulas_on_a_picture_are_kept_labels_stay():
    words = [_w(20, 20, "Euler's"), _w(80, 20, "identity"),
             _w(20, 40, "e^(i"), _w(60, 40, "pi)"), _w(90, 40, "+"), _w(100, 40, "1"), _w(110, 40, "="), _w(120, 40, "0"),
             _w(20, 60, "links"), _w(60, 60, "five"), _w(95, 60, "constants"), _w(160, 60, "of"), _w(175, 60, "analysis"),
             _w(20, 90, "2019")]
    card = Region(bbox=(10, 10, 250, 110), category=Category.PICTURE, words=list(words))
    out = text_in_pictures([card], page_area=600 * 800)
    texts = [" ".join(w.text for w in r.words) for r in out if r.category != Category.PICTURE]
    assert any("=" in t for t in texts) and any("constants" in t for t in texts)
    picture = next(r for r in out if r.category == Category.PICTURE)
    assert [w.text for w in picture.words] == ["Euler's", "identity", "2019"]


def test_a_page_sized_picture_gives_way_to_its_text():
    words = [_w(20, 20, "Scanned"), _w(80, 20, "letter")]
    out = text_in_pictures([Region(bbox=(0, 0, 600, 800), category=Category.PICTURE, words=words)], 600 * 800)
    assert [r.category for r in out] == [Category.TEXT]


def test_text_drawn_as_outlines_is_read(tmp_path, engine):
    path = tmp_path / "outlines.pdf"
    real.outline_heading_page(path, "Annual Report 2024")
    assert "Annual" not in pymupdf.open(path)[0].get_text()  # no text layer for the heading
    md = markdown(run(engine, [request(path)])[0])
    assert md.startswith("Annual Report 2024") or "Annual Report 2024" in md.split("\n\n")[0]
    assert "The committee reviewed" in md


def test_detected_lines_that_read_as_nothing_count_against_the_page(monkeypatch):
    """A page of a script the model does not read, whose Latin words and digits read well (a Korean
    report's dates, numbers and web address): its widest lines read clearly, so it looks upright,
    but most of its detected lines come back empty, which RapidOCR's own call would drop."""
    read = [ocr.OcrLine((10, 10 + 40 * i, 400, 40 + 40 * i), text, score)
            for i, (text, score) in enumerate([("www.nars.go.kr", 0.99), ("2020.3.30.", 0.97),
                                                ("(COVID-19)", 0.93), ("9,661", 0.62)])]
    nothing = [ocr.OcrLine((10, 10 + 40 * i, 400, 40 + 40 * i), "", 0.0) for i in range(4, 10)]
    monkeypatch.setattr(ocr, "read_all", lambda image: read + nothing)
    turns, every = ocr.read_upright(np.zeros((500, 420, 3), np.uint8), 3)
    assert turns == 0 and len(every) == 10 and [ln.text for ln in every[4:]] == [""] * 6
    kinds = [k for k, _ in judge_ocr(every, [ln for ln in every if ln.score >= 0.5])]
    assert kinds == ["ocr_unsupported_script"]


def test_read_all_keeps_the_lines_read_as_nothing(tmp_path):
    """RapidOCR's call drops detected lines whose text comes out empty; ours keeps them, text-less."""
    scan = tmp_path / "korean.pdf"
    real.script_scan(scan, "대한민국의 보험 제도는 상해와 재해를 다르게 정의한다. 손해보험의 표준약관 규정에 따르면", False)
    pix = pymupdf.open(scan)[0].get_pixmap(dpi=200)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3].copy()
    lines = ocr.read_all(image)
    nothing = [ln for ln in lines if not ln.text]
    assert nothing and all(ln.score == 0.0 and ln.bbox[2] > ln.bbox[0] for ln in nothing)
    assert len(lines) == len(ocr.detect_lines(image))  # every detected line, read or not


def _line(i: int, text: str, score: float, width: float = 400) -> ocr.OcrLine:
    return ocr.OcrLine((10, 10 + 30 * i, 10 + width, 30 + 30 * i), text, score)  # 20 px high


def test_part_of_a_page_left_unread_is_marked_the_rest_of_it_reads_well():
    english = [_line(i, "The committee reviewed the annual budget", 0.99) for i in range(16)]
    arabic = [_line(16 + i, "", 0.0) for i in range(4)]
    notes = judge_ocr(english + arabic, english)
    assert [k for k, _ in notes] == ["ocr_unread_lines"] and "4 of 20" in notes[0][1]
    # a single long line read as nothing is a line of text lost (a one-line quotation in another script)
    assert [k for k, _ in judge_ocr(english + arabic[:1], english)] == ["ocr_unread_lines"]
    # ... and so is a long line read as two characters with little confidence (Devanagari as Chinese glyphs)
    garbled = _line(16, "市市", 0.73, width=370)
    assert [k for k, _ in judge_ocr(english + [garbled], english + [garbled])] == ["ocr_unread_lines"]


def test_specks_checkboxes_and_short_marks_left_unread_are_not_text_lost():
    english = [_line(i, "The committee reviewed the annual budget", 0.99) for i in range(16)]
    specks = [_line(16 + i, "", 0.0, width=12) for i in range(3)]
    checkboxes = [_line(20 + i, "000000", 0.44, width=100) for i in range(3)]  # a form's rows of boxes, 5x as wide
    stamp = [_line(24, "", 0.0, width=70)]  # 3.5x as wide as high: a stamp, a signature
    spaced = [_line(25, "R E P O R T", 0.97, width=300)]  # spaced capitals: few characters, read with confidence
    extra = specks + checkboxes + stamp + spaced
    assert judge_ocr(english + extra, english + spaced) == []


@pytest.mark.parametrize("other, rtl", UNREAD_SCRIPTS)
def test_a_latin_scan_with_paragraphs_in_an_unread_script_is_marked(tmp_path, engine, other, rtl):
    scan = tmp_path / "mixed.pdf"
    latin = ("The committee reviewed the annual budget and approved the proposal for the new library. "
             "Members discussed the timeline, the contractors and the expected costs of the renovation work.")
    real.mixed_script_scan(scan, latin, other, rtl)
    answer = run(engine, [request(scan)])[0]
    assert "renovation work" in markdown(answer)  # the English is read
    assert [k for k, _ in answer.notes] == ["ocr_unread_lines"]


