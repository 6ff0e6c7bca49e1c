"""Documents generated with PyMuPDF for the embedded engine's tests and benchmark, with their truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

WIDTH, HEIGHT = 612, 792
MARGIN = 54
SIZE, LEAD = 9.5, 12.5
_WORDS = ("layout model reading order column table figure paper method result value sample measure system "
          "analysis document structure evaluation approach baseline dataset network feature training page "
          "section region detector signal process output input report summary quality metric").split()


@dataclass
class Truth:
    """What a perfect parse of one generated page says, body blocks in reading order."""

    body: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    table_cells: list[str] = field(default_factory=list)


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _wrap(text: str, width: float, hyphenate: bool) -> tuple[list[str], str]:
    """Lines of `text`; with `hyphenate`, the first line break splits a long word with a hyphen."""
    lines, cur = [], ""
    split_done = not hyphenate
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if pymupdf.get_text_length(trial, "helv", SIZE) <= width:
            cur = trial
            continue
        if not split_done and len(word) >= 6:
            head = f"{cur} {word[:3]}-".strip()
            if pymupdf.get_text_length(head, "helv", SIZE) <= width:
                lines.append(head)
                cur = word[3:]
                split_done = True
                continue
        lines.append(cur)
        cur = word
    if cur:
        lines.append(cur)
    return lines, text


def write_paragraph(page: pymupdf.Page, x: float, y: float, width: float, text: str, hyphenate: bool = False) -> float:
    lines, _ = _wrap(text, width, hyphenate)
    for line in lines:
        page.insert_text((x, y + SIZE), line, fontsize=SIZE, fontname="helv")
        y += LEAD
    return y + LEAD * 0.8


def write_heading(page: pymupdf.Page, x: float, y: float, text: str, size: float = 13) -> float:
    page.insert_text((x, y + size), text, fontsize=size, fontname="hebo")
    return y + size * 1.9


def furniture(page: pymupdf.Page, number: int, title: str, truth: Truth) -> None:
    page.insert_text((MARGIN, 34), title, fontsize=8, fontname="helv")
    page.insert_text((WIDTH / 2 - 10, HEIGHT - 28), f"Page {number}", fontsize=8, fontname="helv")
    truth.furniture += [title, f"Page {number}"]


def spanning_table(page: pymupdf.Page, x: float, y: float, width: float, truth: Truth) -> float:
    """A ruled 4x3 table whose first header cell spans two columns."""
    rows = [["Method", "", "Score"], ["alpha", "one", "0.91"], ["beta", "two", "0.87"], ["gamma", "three", "0.78"]]
    col_w, row_h = width / 3, 16
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                page.insert_text((x + c * col_w + 4, y + r * row_h + 11.5), text, fontsize=SIZE, fontname="helv")
                truth.table_cells.append(text)
    for r in range(len(rows) + 1):
        page.draw_line((x, y + r * row_h), (x + width, y + r * row_h), width=0.6)
    for c in range(4):
        top = y + row_h if c == 1 else y  # no rule inside the spanning header cell
        page.draw_line((x + c * col_w, top), (x + c * col_w, y + len(rows) * row_h), width=0.6)
    return y + len(rows) * row_h + 10


def figure(page: pymupdf.Page, rect: pymupdf.Rect) -> None:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 120, 80), False)
    pix.set_rect(pix.irect, (40, 110, 200))
    pix.set_rect(pymupdf.IRect(20, 20, 70, 60), (230, 160, 30))
    page.insert_image(rect, pixmap=pix)


def paper(path: Path, pages: int = 3, columns: int = 2, seed: int = 0, extras: bool = True) -> list[Truth]:
    """A paper-like PDF: full-width title, `columns` columns, headers/footers, table, formula, figure, side note."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    truths = []
    gutter = 18
    col_w = (WIDTH - 2 * MARGIN - (columns - 1) * gutter) / columns
    for n in range(1, pages + 1):
        page = doc.new_page(width=WIDTH, height=HEIGHT)
        truth = Truth()
        furniture(page, n, "Proceedings of Generated Documents", truth)
        y0 = 60
        if n == 1:
            title = "A Study of Generated Layouts"
            y0 = write_heading(page, MARGIN, y0, title, size=18)
            truth.body.append(title)
        for c in range(columns):
            x, y = MARGIN + c * (col_w + gutter), y0
            heading = f"{n}.{c + 1} Section {rng.choice(_WORDS).title()}"
            y = write_heading(page, x, y, heading, size=11)
            truth.body.append(heading)
            for k in range(3):
                text = " ".join(sentence(rng, 12) for _ in range(3))
                y = write_paragraph(page, x, y, col_w, text, hyphenate=k == 0)
                truth.body.append(text)
            if extras and n == 1 and c == 0:
                y = spanning_table(page, x, y + 4, col_w, truth)
            if extras and n == 2 and c == 0:
                formula = "E = m c2 + sum(x_i) / N    (1)"
                page.insert_text((x + 20, y + SIZE), formula, fontsize=SIZE, fontname="tiro")
                truth.body.append(formula)
                y += 2 * LEAD
            if extras and n == 2 and c == columns - 1:
                figure(page, pymupdf.Rect(x, y, x + col_w, y + col_w * 0.6))
                y += col_w * 0.6 + 6
                caption = "Figure 1: A generated figure."
                y = write_paragraph(page, x, y, col_w, caption)
                truth.body.append(caption)
        truths.append(truth)
    doc.save(path)
    return truths


def full_width_break_page(path: Path, seed: int = 1) -> Truth:
    """Two columns, then a full-width heading, then two columns again; a side note in the left margin."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    truth = Truth()
    left, gutter = 110, 18
    col_w = (WIDTH - left - MARGIN - gutter) / 2
    texts = [[sentence(rng, 14) + " " + sentence(rng, 14) for _ in range(2)] for _ in range(4)]
    y_band = 60
    for band in range(2):
        ys = []
        for c in range(2):
            x, y = left + c * (col_w + gutter), y_band
            for text in texts[band * 2 + c]:
                y = write_paragraph(page, x, y, col_w, text)
                truth.body.append(text)
            ys.append(y)
        y_band = max(ys) + 10
        if band == 0:
            heading = "2 A Full Width Heading Centred Over Both Columns"
            x = left + (WIDTH - left - MARGIN - pymupdf.get_text_length(heading, "hebo", 13)) / 2
            y_band = write_heading(page, x, y_band, heading)
            truth.body.append(heading)
    note = "Side note"
    page.insert_text((MARGIN - 30, 300), note, fontsize=7, fontname="helv")
    truth.body.append(note)
    doc.save(path)
    return truth


def image_only_pdf(src: Path, path: Path, dpi: int = 100, rotate: int = 0) -> None:
    """Render page 1 of `src` to an image and put only that image into a new PDF (a "scan")."""
    pix = pymupdf.open(src)[0].get_pixmap(dpi=dpi)
    doc = pymupdf.open()
    w, h = (pix.width, pix.height) if rotate in (0, 180) else (pix.height, pix.width)
    page = doc.new_page(width=w * 72 / dpi, height=h * 72 / dpi)
    page.insert_image(page.rect, pixmap=pix, rotate=rotate)
    doc.save(path)


def invisible_text_pdf(src: Path, path: Path) -> None:
    """An image-only page with a hidden (render mode 3) text layer that says something else."""
    image_only_pdf(src, path)
    doc = pymupdf.open(path)
    doc[0].insert_text((72, 300), "hidden words that are not on the page " * 3, fontsize=9, render_mode=3)
    doc.saveIncr()


def small_text_page(path: Path, lines: list[str], size: float = 16) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=360, height=200)
    y = 40
    for line in lines:
        page.insert_text((30, y), line, fontsize=size, fontname="helv")
        y += size * 1.6
    doc.save(path)


@dataclass(frozen=True)
class GridCell:
    """One cell of a generated table; a span shows on the page only as the rules left out inside it."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


def grid_table(page: pymupdf.Page, at: tuple[float, float], widths: list[float], row_h: float,
               cells: list[GridCell], rules: str = "full") -> pymupdf.Rect:
    """Draw a table from its top-left corner `at`: `rules` is "full" (every cell boxed), "booktabs"
    (three horizontal rules) or "none".

    Cell text is centred vertically in the cell, so a rowspan cell's text sits between its rows.
    """
    x, y = at
    xs = [x]
    for w in widths:
        xs.append(xs[-1] + w)
    n_rows = max(c.row + c.rowspan for c in cells)
    ys = [y + i * row_h for i in range(n_rows + 1)]
    for c in cells:
        lines = c.text.split("\n")
        top = (ys[c.row] + ys[c.row + c.rowspan]) / 2 - len(lines) * LEAD / 2
        for i, line in enumerate(lines):
            page.insert_text((xs[c.col] + 4, top + i * LEAD + SIZE), line, fontsize=SIZE, fontname="helv")
    if rules == "full":
        for c in cells:
            box = pymupdf.Rect(xs[c.col], ys[c.row], xs[c.col + c.colspan], ys[c.row + c.rowspan])
            page.draw_rect(box, width=0.6)
    elif rules == "booktabs":
        for yy in (ys[0], ys[1], ys[-1]):
            page.draw_line((xs[0], yy), (xs[-1], yy), width=0.8)
    return pymupdf.Rect(xs[0], ys[0], xs[-1], ys[-1])


def table_page(path: Path, tables: list[tuple[list[float], float, list[GridCell], str]],
               seed: int = 2) -> list[pymupdf.Rect]:
    """A page of body text with the given tables (widths, row height, cells, rules) under one another."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    page = doc.new_page(width=WIDTH, height=HEIGHT)
    y = write_paragraph(page, MARGIN, 60, WIDTH - 2 * MARGIN, " ".join(sentence(rng, 12) for _ in range(3)))
    boxes = []
    for n, (widths, row_h, cells, rules) in enumerate(tables, start=1):
        y = write_paragraph(page, MARGIN, y, WIDTH - 2 * MARGIN, f"Table {n}: Generated results of the study.")
        box = grid_table(page, (MARGIN + 40, y), widths, row_h, cells, rules)
        boxes.append(box)
        text = " ".join(sentence(rng, 12) for _ in range(2))
        y = write_paragraph(page, MARGIN, box.y1 + 16, WIDTH - 2 * MARGIN, text)
    doc.save(path)
    return boxes


def circle_figure(page: pymupdf.Page, rect: pymupdf.Rect, label: str = "") -> None:
    """A framed drawing: a rectangle with a filled circle and a slanted line inside, and an optional label."""
    page.draw_rect(rect, color=(0, 0, 0), width=1)
    centre = (rect.x0 + rect.x1) / 2, (rect.y0 + rect.y1) / 2
    page.draw_circle(centre, min(rect.width, rect.height) / 4, color=(0.8, 0.1, 0.1), fill=(1, 0.8, 0.8))
    page.draw_line((rect.x0 + 10, rect.y1 - 10), (rect.x1 - 10, rect.y0 + 10), color=(0, 0, 1), width=1.5)
    if label:
        page.insert_text((rect.x0 + 8, rect.y0 + 16), label, fontsize=8, fontname="helv")


def bar_chart(page: pymupdf.Page, rect: pymupdf.Rect, values: list[float], labels: bool = True) -> None:
    """Axes and filled bars inside `rect`, a value label above each bar."""
    page.draw_line(rect.tl, rect.bl, width=0.8)
    page.draw_line(rect.bl, rect.br, width=0.8)
    step = rect.width / len(values)
    top = max(values)
    for i, v in enumerate(values):
        h = (rect.height - 14) * v / top
        bar = pymupdf.Rect(rect.x0 + i * step + step * 0.25, rect.y1 - h, rect.x0 + i * step + step * 0.75, rect.y1)
        page.draw_rect(bar, color=None, fill=(0.2, 0.4, 0.8))
        if labels:
            page.insert_text((bar.x0, bar.y0 - 3), f"{v:g}", fontsize=7, fontname="helv")
