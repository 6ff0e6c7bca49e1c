"""Generated documents that reproduce what real documents do to the embedded engine: scans with an
OCR text layer, high-resolution scans of small pages, text drawn on pictures and as outlines,
right-to-left text with ligatures, financial statements, card grids, drop caps, letters."""

from __future__ import annotations

from pathlib import Path

import pymupdf

ARABIC = pymupdf.Font(script=6)  # MuPDF's built-in Noto Naskh Arabic: no system font needed


def scan_of(src: pymupdf.Page, dpi: int, gray: bool = True) -> tuple[pymupdf.Document, pymupdf.Page]:
    """A new one-page PDF holding only an image of `src` rendered at `dpi`: a scan."""
    pix = src.get_pixmap(matrix=pymupdf.Matrix(dpi / 72, dpi / 72), colorspace=pymupdf.csGRAY if gray else pymupdf.csRGB)
    doc = pymupdf.open()
    page = doc.new_page(width=src.rect.width, height=src.rect.height)
    page.insert_image(page.rect, pixmap=pix)
    return doc, page


def ocr_layer_scan(src: Path, path: Path, replace: dict[str, str] | None = None, dpi: int = 150) -> None:
    """A scan with an invisible (render mode 3) text layer word for word where the printed words are,
    as OCR tools write one; `replace` swaps words of the layer (to tell which text the engine used)."""
    page = pymupdf.open(src)[0]
    doc, out = scan_of(page, dpi)
    for x0, y0, x1, y1, word, *_ in page.get_text("words"):
        word = (replace or {}).get(word, word)
        size = (y1 - y0) * 0.85
        size = min(size, size * (x1 - x0) / max(1e-3, pymupdf.get_text_length(word, "helv", size)))
        out.insert_text((x0, y1 - 0.22 * (y1 - y0)), word, fontsize=size, fontname="helv", render_mode=3)
    doc.save(path)


def text_page(lines: list[str], width: float, height: float, size: float, font: str = "helv",
              margin: float = 12) -> pymupdf.Document:
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    y = margin + size
    for line in lines:
        page.insert_text((margin, y), line, fontsize=size, fontname=font)
        y += size * 1.5
    return doc


def small_page_scan(path: Path, lines: list[str], dpi: int = 600) -> None:
    """A 180 x 300 pt page (a receipt, a card) of 4-pt text scanned at `dpi`."""
    src = text_page(lines, 180, 300, 4.0, margin=8)
    doc, _ = scan_of(src[0], dpi)
    doc.save(path)


def script_scan(path: Path, text: str, rtl: bool, dpi: int = 200) -> None:
    """A scan of a page of text in a script RapidOCR's bundled models do not read (Korean, Arabic)."""
    src = pymupdf.open()
    page = src.new_page(width=420, height=300)
    css = "* {font-size: 15px; line-height: 1.6;}" + (" body {direction: rtl;}" if rtl else "")
    page.insert_htmlbox(pymupdf.Rect(30, 30, 390, 280), text, css=css)
    doc, _ = scan_of(page, dpi)
    doc.save(path)


def mixed_script_scan(path: Path, latin: str, other: str, rtl: bool, dpi: int = 200) -> None:
    """A scan of a page in Latin script with paragraphs in a script the bundled models do not read
    (an English letter quoting Arabic, a report with a Korean abstract)."""
    src = pymupdf.open()
    page = src.new_page(width=420, height=560)
    foreign = f"<p{' dir=rtl' if rtl else ''}>{other}</p>"
    page.insert_htmlbox(pymupdf.Rect(30, 30, 390, 530), f"<p>{latin}</p>{foreign}<p>{latin}</p>{foreign}",
                        css="* {font-size: 13px; line-height: 1.5;}")
    doc, _ = scan_of(page, dpi)
    doc.save(path)


def arabic_ligature_pdf(path: Path, words: list[list[tuple[int, str]]]) -> None:
    """Arabic as many producers write it: shaped glyphs (lam-alef one ligature glyph whose ToUnicode is
    the two letters) drawn in visual order, left to right, in one run. `words`: per word, in logical
    order, (presentation-form code point of the glyph, the letters it stands for)."""
    font = ARABIC
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=200)
    ff = doc.get_new_xref(); doc.update_object(ff, "<<>>"); doc.update_stream(ff, font.buffer)
    used = {}
    for w in words:
        for cp, text in w + [(0x20, " ")]:
            used[font.has_glyph(cp)] = (cp, text)
    widths = " ".join(f"{g} [{round(font.glyph_advance(cp) * 1000)}]" for g, (cp, _) in sorted(used.items()))
    fd = doc.get_new_xref()
    doc.update_object(fd, f"<< /Type /FontDescriptor /FontName /NotoNaskhArabic /Flags 4 /FontBBox [-500 -600 1500 1200] "
                          f"/ItalicAngle 0 /Ascent 1000 /Descent -400 /CapHeight 700 /StemV 80 /FontFile2 {ff} 0 R >>")
    cid = doc.get_new_xref()
    doc.update_object(cid, f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoNaskhArabic /CIDSystemInfo << /Registry (Adobe) "
                           f"/Ordering (Identity) /Supplement 0 >> /FontDescriptor {fd} 0 R /CIDToGIDMap /Identity /W [{widths}] >>")
    cmap = "\n".join(f"<{g:04X}> <{''.join(f'{ord(c):04X}' for c in text)}>" for g, (_, text) in sorted(used.items()))
    tu = doc.get_new_xref(); doc.update_object(tu, "<<>>")
    doc.update_stream(tu, ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
                           "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
                           "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
                           f"{len(used)} beginbfchar\n{cmap}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end").encode())
    t0 = doc.get_new_xref()
    doc.update_object(t0, f"<< /Type /Font /Subtype /Type0 /BaseFont /NotoNaskhArabic /Encoding /Identity-H "
                          f"/DescendantFonts [{cid} 0 R] /ToUnicode {tu} 0 R >>")
    # Drawn in visual order, left to right, one run per line, as many producers write right-to-left text.
    size, x, y = 18, 30.0, 100.0
    run = "".join(f"{font.has_glyph(cp):04X}" for w in reversed(words) for cp, _ in w[::-1] + [(0x20, " ")])
    ops = [f"BT /FAr {size} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm <{run}> Tj ET"]
    page.insert_text((10, 10), " ")  # gives the page a content stream and resources
    kind, res = doc.xref_get_key(page.xref, "Resources")
    rx = int(res.split()[0]) if kind == "xref" else page.xref
    kind, fonts = doc.xref_get_key(rx, "Font")
    if kind == "xref":
        doc.xref_set_key(int(fonts.split()[0]), "FAr", f"{t0} 0 R")
    else:
        doc.xref_set_key(rx, "Font/FAr", f"{t0} 0 R")
    c = doc.get_new_xref(); doc.update_object(c, "<<>>"); doc.update_stream(c, "\n".join(ops).encode())
    doc.xref_set_key(page.xref, "Contents", f"[{page.get_contents()[0]} 0 R {c} 0 R]")
    doc.save(path)


# "خلال" and "المشكلات" (the problems): kha, lam-alef, lam; alef, lam, meem, sheen, kaf, lam-alef, teh.
LAM_ALEF_WORDS = {"خلال": [(0xFEA7, "خ"), (0xFEFC, "لا"), (0xFEDD, "ل")],
                  "المشكلات": [(0xFE8D, "ا"), (0xFEDF, "ل"), (0xFEE4, "م"), (0xFEB8, "ش"), (0xFEDC, "ك"),
                               (0xFEFC, "لا"), (0xFE95, "ت")]}


def _para(page: pymupdf.Page, x: float, y: float, width: float, text: str, size: float = 10,
          font: str = "helv", lead: float = 1.35) -> float:
    """Left-aligned wrapped text; returns the y below it."""
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if pymupdf.get_text_length(trial, font, size) > width and line:
            page.insert_text((x, y + size), line, fontsize=size, fontname=font)
            y += size * lead
            line = word
        else:
            line = trial
    if line:
        page.insert_text((x, y + size), line, fontsize=size, fontname=font)
        y += size * lead
    return y


BODY = ("The committee reviewed the plan for the coming quarter and agreed on the budget for each team. "
        "Every team lead will present the milestones at the next meeting and report the risks they see.")


def lone_page_memo(path: Path) -> dict[str, str]:
    """A one-page memo: a small running title, a large heading at the top, a revision line and a page number."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    parts = {"running": "ACME Corporation internal memorandum", "heading": "Quarterly Planning Review",
             "revision": "Rev. 2.1 2024-03-01", "number": "Page 1 of 1"}
    page.insert_text((54, 34), parts["running"], fontsize=7.5, fontname="helv")
    page.insert_text((54, 88), parts["heading"], fontsize=20, fontname="hebo")
    y = 120.0
    for _ in range(4):
        y = _para(page, 54, y, 500, BODY) + 10
    page.insert_text((54, 770), parts["revision"], fontsize=7.5, fontname="helv")
    page.insert_text((500, 770), parts["number"], fontsize=7.5, fontname="helv")
    doc.save(path)
    return parts


def letter(path: Path) -> list[str]:
    """A business letter: sender block, the date on the right, recipient, salutation, body, closing."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    y = 72.0
    for line in ("Northwind Traders", "12 Harbour Road", "Bristol BS1 4QA"):
        page.insert_text((72, y), line, fontsize=10.5, fontname="helv")
        y += 14
    date = "14 March 2024"
    # The date on the right, level with the recipient's first line.
    page.insert_text((540 - pymupdf.get_text_length(date, "helv", 10.5), 180), date, fontsize=10.5, fontname="helv")
    y = 180.0
    for line in ("Ms Jane Smith", "Contoso Ltd", "4 Mill Lane, Leeds"):
        page.insert_text((72, y), line, fontsize=10.5, fontname="helv")
        y += 14
    page.insert_text((72, 232), "Dear Ms Smith,", fontsize=10.5, fontname="helv")
    y = _para(page, 72, 266, 468, BODY, size=10.5) + 10
    y = _para(page, 72, y, 468, BODY, size=10.5) + 14
    page.insert_text((72, y + 10), "Yours sincerely,", fontsize=10.5, fontname="helv")
    doc.save(path)
    return ["Northwind Traders", "Ms Jane Smith", date, "Dear Ms Smith", "The committee reviewed", "Yours sincerely"]


def drop_cap(path: Path) -> str:
    """A paragraph opening with a three-line drop cap; returns the paragraph's text as read."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    text = ("Over the past three decades, pressure from non-governmental organizations has shaped how "
            "companies report on the environment, and the reports have grown longer, more detailed and "
            "more often audited by outside firms than ever before in the history of corporate reporting.")
    size, lead = 10.0, 13.0
    page.insert_text((72, 100 + 3 * lead - 4), text[0], fontsize=3 * lead + 4, fontname="tiro")
    words = text[1:].split()
    y, line, indent = 100.0, "", 72 + 34
    n = 0
    for word in words:
        x = indent if n < 3 else 72
        trial = f"{line} {word}".strip()
        if pymupdf.get_text_length(trial, "tiro", size) > 540 - x and line:
            page.insert_text((x, y + size), line, fontsize=size, fontname="tiro")
            y, line, n = y + lead, word, n + 1
        else:
            line = trial
    page.insert_text((indent if n < 3 else 72, y + size), line, fontsize=size, fontname="tiro")
    doc.save(path)
    return text


def card_grid(path: Path) -> list[list[str]]:
    """Six framed cards in two rows of three, each a heading, a formula and a line of text."""
    cards = [["Euler's identity", "e^(i pi) + 1 = 0", "links five constants"],
             ["Pythagoras", "a^2 + b^2 = c^2", "sides of a right triangle"],
             ["Mass energy", "E = m c^2", "rest energy of a body"],
             ["Gauss's law", "div E = rho / eps0", "charge and electric flux"],
             ["Faraday's law", "curl E = -dB/dt", "changing fields induce"],
             ["Ampere's law", "curl B = mu0 J", "currents make magnetic fields"]]
    doc = pymupdf.open()
    page = doc.new_page(width=792, height=612)
    page.insert_text((54, 60), "Six famous equations", fontsize=22, fontname="hebo")
    for i, (head, formula, line) in enumerate(cards):
        x, y = 54 + (i % 3) * 236, 110 + (i // 3) * 220
        page.draw_rect(pymupdf.Rect(x, y, x + 220, y + 190), color=(0.2, 0.3, 0.6), fill=(0.93, 0.95, 1.0), width=1.2)
        page.insert_text((x + 14, y + 34), head, fontsize=14, fontname="hebo")
        page.insert_text((x + 14, y + 90), formula, fontsize=15, fontname="tiro")
        page.insert_text((x + 14, y + 150), line, fontsize=10, fontname="helv")
    doc.save(path)
    return cards


def as_outlines(src: pymupdf.Page) -> pymupdf.Document:
    """The page with every glyph turned into a filled path (no text layer), as "export text as curves" does."""
    svg = src.get_svg_image(text_as_path=True)
    return pymupdf.open("pdf", pymupdf.open("svg", svg.encode()).convert_to_pdf())


def outline_heading_page(path: Path, heading: str) -> None:
    """A born-digital page whose heading is drawn as outlines above text-layer paragraphs."""
    head = pymupdf.open()
    hp = head.new_page(width=612, height=100)
    hp.insert_text((54, 60), heading, fontsize=28, fontname="hebo")
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.show_pdf_page(pymupdf.Rect(0, 40, 612, 140), as_outlines(hp), 0)
    y = 160.0
    for _ in range(3):
        y = _para(page, 54, y, 500, BODY) + 10
    doc.save(path)


STATEMENT = [("Revenue", ["1,204", "1,100", "987"], True), ("Cost of revenue", ["178", "141", "138"], False),
             ("Research and development", ["310", "295", "270"], False), ("Sales and marketing", ["204", "198", "190"], False),
             ("Operating income", ["512", "466", "389"], True)]


def financial_statement(path: Path, total_gap: float = 18) -> None:
    """An income statement as annual reports set it: no rules, a two-row header (a span over the years,
    then the years), "$" in a column of its own left of the first and last rows' amounts, and the
    total set off below by a gap."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 80), "Consolidated Statements of Income", fontsize=14, fontname="hebo")
    page.insert_text((72, 98), "(in millions)", fontsize=9, fontname="helv")
    cols = [330, 420, 510]  # right edges of the amount columns
    size = 9.5
    y = 130.0
    head = "Year Ended December 31"
    page.insert_text((cols[-1] - pymupdf.get_text_length(head, "hebo", size), y), head, fontsize=size, fontname="hebo")
    y += 14
    for right, year in zip(cols, ("2023", "2022", "2021")):
        page.insert_text((right - pymupdf.get_text_length(year, "hebo", size), y), year, fontsize=size, fontname="hebo")
    y += 18
    rows = STATEMENT[:-1] + [None] + STATEMENT[-1:]
    for row in rows:
        if row is None:
            y += total_gap
            continue
        label, amounts, dollar = row
        page.insert_text((72, y), label, fontsize=size, fontname="helv")
        for right, amount in zip(cols, amounts):
            page.insert_text((right - pymupdf.get_text_length(amount, "helv", size), y), amount, fontsize=size, fontname="helv")
            if dollar:
                page.insert_text((right - 62, y), "$", fontsize=size, fontname="helv")
        y += 15
    doc.save(path)
