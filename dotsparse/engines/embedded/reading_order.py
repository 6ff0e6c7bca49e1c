"""Reading order by XY-cut over column bands.

The page is cut into rows at every horizontal gap, and consecutive rows are joined into a band
while they keep the band's columns: two- and three-column text stays in column order even where
paragraph gaps of neighbouring columns line up. A block that bridges a gutter of the band above
it (a full-width heading, figure or footnote) starts a new band, so it is read after the columns
above it and before the columns below it. Narrow side columns (margin notes) are read after the
main column they sit beside rather than before it, and footnotes under every column of a band
after all of its columns. Columns run right to left on Arabic and Hebrew pages.
"""

from __future__ import annotations

import re

from ...model import Category
from .regions import Region
from .textlayer import group_lines, is_rtl

_MIN_GAP = 4.0  # points: smaller gaps are inter-word or ragged edges, not column gutters
_SIDE_NOTE = 0.22  # a column narrower than this share of its band's width is a margin column
_BRIDGE = 2.0  # points a block must reach into a column to count as lying in it ...
_PROTRUSION = 0.15  # ... and this share of the column's width
_HEADINGS = (Category.TITLE, Category.SECTION_HEADER)
_NOTE_NUMBER = re.compile(r"^\s*\(?(\d{1,3})[).:]?(\s|$)")
_LOOSE_LINES = 4  # blocks of at most this many lines ...
_LOOSE_WORDS = 6  # ... beside a lone line of at most this many words are read from the top


def order_regions(regions: list[Region]) -> list[Region]:
    headers = [r for r in regions if r.category == Category.PAGE_HEADER]
    footers = [r for r in regions if r.category == Category.PAGE_FOOTER]
    body = [r for r in regions if r.category not in (Category.PAGE_HEADER, Category.PAGE_FOOTER)]
    rtl = is_rtl("".join(w.text for r in body for w in r.words))
    return sorted(headers, key=_by_top) + _framed_order(body, rtl) + sorted(footers, key=_by_top)


def _framed_order(regions: list[Region], rtl: bool) -> list[Region]:
    """Each framed box (a card) is one block of the page's order, its own regions read inside it."""
    members: dict[tuple, list[Region]] = {}
    for r in regions:
        if r.frame is not None:
            members.setdefault(r.frame, []).append(r)
    if not members:
        return _xy_cut(regions, rtl)
    units = [r for r in regions if r.frame is None]
    cards: dict[int, tuple] = {}
    for box in members:
        card = Region(bbox=box, category=Category.TEXT, frame=box)
        units.append(card)
        cards[id(card)] = box
    out: list[Region] = []
    for u in _xy_cut(units, rtl):
        out.extend(_xy_cut(members[cards[id(u)]], rtl) if id(u) in cards else [u])
    return out


def _by_top(r: Region) -> tuple[float, float]:
    return r.bbox[1], r.bbox[0]


def _xy_cut(regions: list[Region], rtl: bool) -> list[Region]:
    """`rtl`: columns are read from right to left (Arabic, Hebrew pages)."""
    if len(regions) <= 1:
        return list(regions)
    bands = _column_bands(_split(regions, axis=1))
    if len(bands) > 1:
        return [r for band in bands for r in _xy_cut(band, rtl)]
    notes = _trailing_footnotes(regions)
    if notes:
        return _xy_cut([r for r in regions if not any(r is n for n in notes)], rtl) + _notes_in_order(notes, rtl)
    columns = _columns(regions)
    if len(columns) > 1 and _loose_items(regions, columns):
        return sorted(regions, key=_by_top)
    if len(columns) > 1:
        columns = _place_side_notes(columns[::-1] if rtl else columns)
        return [r for col in columns for r in _xy_cut(col, rtl)]
    return sorted(regions, key=_by_top)


def _loose_items(regions: list[Region], columns: list[list[Region]]) -> bool:
    """Short blocks beside each other with a column of a single short line (a letter's date beside
    the addresses): not columns of text but items of a form, read from the top."""
    if any(len(group_lines(r.words)) > _LOOSE_LINES for r in regions if r.words):
        return False
    return any(len(col) == 1 and col[0].words and len(group_lines(col[0].words)) == 1
               and len(col[0].words) <= _LOOSE_WORDS for col in columns)


def _column_bands(rows: list[list[Region]]) -> list[list[Region]]:
    """Consecutive rows joined while they continue the columns of the band above them."""
    bands: list[list[Region]] = [rows[0]]
    for row in rows[1:]:
        if _continues_columns(bands[-1], row):
            bands[-1] = bands[-1] + row
        else:
            bands.append(row)
    return bands


def _continues_columns(band: list[Region], row: list[Region]) -> bool:
    """The row adds to the band's columns: no block bridges a gutter and no heading hangs outside
    them. A one-column band must sit inside one column of the row (a heading at a column's top);
    else it is a full-width or hanging block above the columns."""
    if len(_columns(band + row)) < 2 or any(b.frame is not None for b in band + row):
        return False  # rows of cards are read row by row
    band_columns = _columns(band)
    if len(band_columns) == 1:
        return all(_homes(b, _columns(row)) == 1 for b in band)
    return all(_joins(b, band_columns) for b in row)


def _joins(block: Region, columns: list[list[Region]]) -> bool:
    """The block lies in one of the columns, or beside them as a margin note (not as a hanging heading)."""
    homes = _homes(block, columns)
    return homes == 1 or (homes == 0 and block.category not in _HEADINGS)


def _homes(block: Region, columns: list[list[Region]]) -> int:
    """How many of the columns the block lies in."""
    return sum(_reaches(block, _span(col)) for col in columns)


def _columns(regions: list[Region]) -> list[list[Region]]:
    """Columns found from the text; a picture joins the one column it lies in.

    Picture boxes often reach into the gutter or past the text edge, which would hide the gutter
    if they took part in the cut; a picture spanning two columns still joins them into one.
    """
    text = [r for r in regions if r.category != Category.PICTURE]
    if not text or len(text) == len(regions):
        return _split(regions, axis=0)
    columns = _split(text, axis=0)
    spans = [_span(col) for col in columns]
    for pic in (r for r in regions if r.category == Category.PICTURE):
        homes = [i for i, span in enumerate(spans) if _reaches(pic, span)]
        if len(homes) > 1:
            return [list(regions)]
        if homes:
            columns[homes[0]].append(pic)
        else:
            columns.append([pic])
    return sorted(columns, key=lambda col: _span(col)[0])


def _span(column: list[Region]) -> tuple[float, float]:
    return min(r.bbox[0] for r in column), max(r.bbox[2] for r in column)


def _reaches(r: Region, span: tuple[float, float]) -> bool:
    """The block lies partly in the column: more than a protruding edge."""
    inside = min(r.bbox[2], span[1]) - max(r.bbox[0], span[0])
    return inside > max(_BRIDGE, _PROTRUSION * (span[1] - span[0]))


def _trailing_footnotes(regions: list[Region]) -> list[Region]:
    """Footnotes below everything else of a multi-column band: they close the band, not its first column."""
    others = [r for r in regions if r.category != Category.FOOTNOTE]
    if not others or len(_columns(others)) < 2:
        return []
    floor = max(r.bbox[3] for r in others)
    return [r for r in regions if r.category == Category.FOOTNOTE and r.bbox[1] >= floor - 0.5]


def _notes_in_order(notes: list[Region], rtl: bool) -> list[Region]:
    """Footnotes column by column, or by their numbers when every one starts with a number."""
    ordered = _xy_cut(notes, rtl) if len(notes) > 1 else notes
    numbers = [_NOTE_NUMBER.match(" ".join(w.text for w in group_lines(n.words)[0])) if n.words else None
               for n in ordered]
    if all(numbers):
        return [n for _, n in sorted(zip((int(m.group(1)) for m in numbers if m), ordered), key=lambda p: p[0])]
    return ordered


def _split(regions: list[Region], axis: int) -> list[list[Region]]:
    """Groups separated by gaps along x (axis 0) or y (axis 1) that no region crosses."""
    lo, hi = axis, axis + 2
    # A sliver overlap (a box a point too wide) must not hide a real gutter.
    shrink = 1.0 if axis == 0 else 0.5
    items = sorted(regions, key=lambda r: r.bbox[lo])
    groups: list[list[Region]] = [[items[0]]]
    reach = items[0].bbox[hi] - shrink
    for r in items[1:]:
        gap_needed = _MIN_GAP if axis == 0 else 0.0
        if r.bbox[lo] + shrink - reach >= gap_needed:
            groups.append([r])
        else:
            groups[-1].append(r)
        reach = max(reach, r.bbox[hi] - shrink)
    return groups


def _place_side_notes(columns: list[list[Region]]) -> list[list[Region]]:
    widths = [max(r.bbox[2] for r in c) - min(r.bbox[0] for r in c) for c in columns]
    total = max(r.bbox[2] for c in columns for r in c) - min(r.bbox[0] for c in columns for r in c)
    text = [sum(len(r.words) for r in c) for c in columns]
    main = [i for i, w in enumerate(widths) if w >= _SIDE_NOTE * total]
    if not main or len(main) == len(columns):
        return columns
    ordered: list[list[Region]] = []
    for i, col in enumerate(columns):
        if i in main:
            ordered.append(col)
    # Each margin column goes right after the main column nearest to it.
    for i, col in enumerate(columns):
        if i in main or text[i] > max(text[j] for j in main):
            if i not in main:
                ordered.append(col)
            continue
        nearest = min(main, key=lambda j: abs(j - i))
        pos = ordered.index(columns[nearest]) + 1
        ordered.insert(pos, col)
    return ordered
