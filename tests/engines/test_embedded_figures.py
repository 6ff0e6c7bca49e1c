"""Pictures: vector-drawn figures found and boxed, their labels kept out of the text; rules,
underlines, separators, frames and text backgrounds never taken for figures; raster images."""

from __future__ import annotations

import random

import pymupdf
import pytest

from dotsparse.engines.embedded.figures import vector_figures
from dotsparse.engines.embedded.textlayer import page_words

from . import embedded_docs as docs
from .embedded_run import engine_for_module, markdown, request, run

TOLERANCE = 3.0  # points between a Picture's box and the drawing it covers
FIGURE = pymupdf.Rect(150, 150, 400, 300)
CHART = pymupdf.Rect(120, 390, 420, 530)


@pytest.fixture(scope="module")
def engine():
    yield from engine_for_module("never")


def _decorations(page: pymupdf.Page, rng: random.Random, y: float) -> pymupdf.Rect:
    """Everything drawn that is not a figure: a page frame, header and footer rules, a shaded box
    behind a paragraph, an underline and a ruled table (returned)."""
    page.draw_rect(pymupdf.Rect(20, 20, docs.WIDTH - 20, docs.HEIGHT - 20), width=0.8)
    page.insert_text((docs.MARGIN, 40), "Running header of the generated report", fontsize=8, fontname="helv")
    page.draw_line((docs.MARGIN, 46), (docs.WIDTH - docs.MARGIN, 46), width=0.5)
    page.draw_line((docs.MARGIN, docs.HEIGHT - 50), (docs.WIDTH - docs.MARGIN, docs.HEIGHT - 50), width=0.5)
    shaded = " ".join(docs.sentence(rng, 12) for _ in range(2))
    page.draw_rect(pymupdf.Rect(docs.MARGIN - 4, y - 4, docs.WIDTH - docs.MARGIN + 4, y + 30), color=None,
                   fill=(0.88, 0.9, 0.96), radius=0.2)  # rounded: its corners are curves, as a figure's are
    y = docs.write_paragraph(page, docs.MARGIN, y, docs.WIDTH - 2 * docs.MARGIN, shaded)
    page.insert_text((docs.MARGIN, y + docs.SIZE), "An underlined remark closes the section.", fontsize=docs.SIZE)
    page.draw_line((docs.MARGIN, y + docs.SIZE + 2), (docs.MARGIN + 180, y + docs.SIZE + 2), width=0.5)
    y += 20
    note = pymupdf.Rect(docs.MARGIN, y, docs.WIDTH - docs.MARGIN, y + 44)
    page.draw_rect(note, color=None, fill=(0.9, 1, 1))  # a word processor's shaded note: the box, then
    for i in range(3):  # each line shaded again in the same colour, the last two lines empty
        page.draw_rect(pymupdf.Rect(note.x0 + 4, note.y0 + 4 + 12 * i, note.x1 - 4, note.y0 + 16 + 12 * i),
                       color=None, fill=(0.9, 1, 1))
    page.insert_text((note.x0 + 6, note.y0 + 13), "A shaded note.", fontsize=docs.SIZE)
    y = note.y1
    cells = [docs.GridCell(r, c, f"v{r}{c}" if (r + c) % 3 else "") for r in range(4) for c in range(3)]
    return docs.grid_table(page, (docs.MARGIN + 40, y + 30), [90.0] * 3, 16, cells)  # empty cells: empty boxes


def figure_page(path) -> tuple[str, list[str]]:
    """Two vector figures with labels, then the decorations; returns the shaded paragraph and the labels."""
    rng = random.Random(5)
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    body = lambda y: docs.write_paragraph(page, docs.MARGIN, y, docs.WIDTH - 2 * docs.MARGIN,  # noqa: E731
                                          " ".join(docs.sentence(rng, 12) for _ in range(3)))
    body(70)
    docs.circle_figure(page, FIGURE, label="Sensor")
    docs.write_paragraph(page, docs.MARGIN, FIGURE.y1 + 8, 300, "Figure 1: A drawn circle and a line.")
    body(FIGURE.y1 + 30)
    docs.bar_chart(page, CHART, [3.5, 7.25, 5.5, 9.75])
    docs.write_paragraph(page, docs.MARGIN, CHART.y1 + 8, 300, "Figure 2: A drawn bar chart.")
    _decorations(page, rng, CHART.y1 + 40)
    doc.save(path)
    return "Sensor", ["3.5", "7.25", "5.5", "9.75"]


def _pictures_pt(answer, req) -> list[pymupdf.Rect]:
    g = req.geometry
    sx, sy = g.width_pt / g.sent_width, g.height_pt / g.sent_height
    return [pymupdf.Rect(b.bbox[0] * sx, b.bbox[1] * sy, b.bbox[2] * sx, b.bbox[3] * sy)
            for b in answer.blocks if b.category == "Picture"]


def _near(a: pymupdf.Rect, b: pymupdf.Rect) -> bool:
    return all(abs(x - y) <= TOLERANCE for x, y in zip(a, b))


@pytest.fixture(scope="module")
def figures(tmp_path_factory, engine):
    path = tmp_path_factory.mktemp("fig") / "figures.pdf"
    labels = figure_page(path)
    req = request(path)
    return labels, req, run(engine, [req])[0]


def test_vector_figures_are_pictures_boxed_on_the_drawing(figures):
    _, req, answer = figures
    pictures = sorted(_pictures_pt(answer, req), key=lambda r: r.y0)
    assert len(pictures) == 2, pictures
    assert _near(pictures[0], FIGURE) and _near(pictures[1], CHART), pictures


def test_figure_labels_are_not_body_text(figures):
    (label, values), _, answer = figures
    md = markdown(answer)
    assert label not in md and not any(f" {v} " in f" {md} " for v in values)
    assert "Figure 1: A drawn circle and a line." in md and "Figure 2: A drawn bar chart." in md


def test_decorations_leave_text_and_table_alone(figures):
    _, _, answer = figures
    md = markdown(answer)
    assert "An underlined remark closes the section." in md and "A shaded note." in md
    assert sum(b.category == "Table" for b in answer.blocks) == 1


def test_rules_frames_and_text_backgrounds_are_not_figures(tmp_path):
    rng = random.Random(6)
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    text = " ".join(docs.sentence(rng, 12) for _ in range(3))
    docs.write_paragraph(page, docs.MARGIN, 70, docs.WIDTH - 2 * docs.MARGIN, text)
    table = _decorations(page, rng, 160)
    path = tmp_path / "plain.pdf"
    doc.save(path)
    page = pymupdf.open(path)[0]
    assert vector_figures(page, page.get_drawings(), page_words(page, []), tables=[tuple(table)]) == []


def test_figures_meeting_at_a_corner_do_not_take_the_paragraph_beside_them(tmp_path, engine):
    rng = random.Random(7)
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    upper, lower = pymupdf.Rect(330, 100, 540, 260), pymupdf.Rect(70, 258, 332, 420)
    paragraph = " ".join(docs.sentence(rng, 10) for _ in range(3))
    docs.write_paragraph(page, 70, 110, 240, paragraph)
    docs.circle_figure(page, upper)
    docs.circle_figure(page, lower)
    path = tmp_path / "corner.pdf"
    doc.save(path)
    req = request(path)
    answer = run(engine, [req])[0]
    pictures = sorted(_pictures_pt(answer, req), key=lambda r: r.y0)
    assert len(pictures) == 2 and _near(pictures[0], upper) and _near(pictures[1], lower), pictures
    assert paragraph in markdown(answer)


def test_large_shape_behind_a_paragraph_is_not_a_figure(tmp_path, engine):
    rng = random.Random(8)
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    page.draw_rect(pymupdf.Rect(60, 90, 500, 400), color=(0.3, 0.3, 0.6), fill=(0.93, 0.93, 1), radius=0.15)
    page.draw_circle((440, 340), 30, color=(0.3, 0.3, 0.6))
    paragraph = " ".join(docs.sentence(rng, 10) for _ in range(3))
    docs.write_paragraph(page, 90, 120, 260, paragraph)
    path = tmp_path / "shape.pdf"
    doc.save(path)
    req = request(path)
    answer = run(engine, [req])[0]
    assert not _pictures_pt(answer, req) and paragraph in markdown(answer)


def test_raster_image_is_a_picture(tmp_path, engine):
    path = tmp_path / "paper.pdf"
    docs.paper(path, pages=2)
    page = pymupdf.open(path)[1]
    image = pymupdf.Rect(page.get_image_info()[0]["bbox"])
    req = request(path, 1)
    pictures = _pictures_pt(run(engine, [req])[0], req)
    assert len(pictures) == 1 and _near(pictures[0], image)


def test_image_cut_into_strips_is_one_picture(tmp_path, engine):
    doc = pymupdf.open()
    page = doc.new_page(width=docs.WIDTH, height=docs.HEIGHT)
    docs.write_paragraph(page, docs.MARGIN, 70, 400, "A page whose only figure was stored as three image strips.")
    for i in range(3):
        docs.figure(page, pymupdf.Rect(150, 200 + 60 * i, 390, 260 + 60 * i))
    path = tmp_path / "strips.pdf"
    doc.save(path)
    strips = [pymupdf.Rect(info["bbox"]) for info in pymupdf.open(path)[0].get_image_info()]
    assert len(strips) == 3
    req = request(path)
    pictures = _pictures_pt(run(engine, [req])[0], req)
    assert len(pictures) == 1 and _near(pictures[0], strips[0] | strips[1] | strips[2]), pictures
