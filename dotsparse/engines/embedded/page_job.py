"""One page, start to finish, inside a worker process: picklable job in, blocks out."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pymupdf

from ...errors import EngineError
from ...model import CellFormat, Category, Mode, RawBlock
from .assemble import page_text, to_blocks
from .documents import load_page, open_document
from .furniture import BandLine, band_lines, mark_furniture
from .layout import detect_regions
from .quality import judge
from .reading_order import order_regions
from .regions import Rect, Region, Word
from .ocrlayer import layer_agrees
from .outlines import outline_words
from .scan import scan_page
from .styles import mark_code_and_formulas
from .textlayer import group_lines, line_text, page_words, survey_spans

_NEIGHBOURS = 2  # pages each side compared for repeated headers and footers
_BAND_CACHE = 64
_BOX = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]\s*$")


@dataclass(frozen=True)
class PageJob:
    path: str
    index: int
    kind: str
    password: Optional[str]
    mode: Mode
    prompt: str
    sent_width: int
    sent_height: int
    ocr: str  # auto | always | never


@dataclass
class PageOutput:
    blocks: list[RawBlock]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail): why the text may be wrong


def limit_threads(threads: int) -> None:
    """Worker initializer: ONNX sessions default to one thread per core, so N workers oversubscribe N cores.

    PyMuPDF's layout module builds its own SessionOptions, hence the narrowed class. It also turns
    the CPU memory arena off (so RSS follows each page); here it stays on: without it every run of
    the image-feature network allocates and frees its buffers anew, a quarter of the worker's CPU
    time. All sessions of the worker (layout, table grid, OCR) share one arena, registered with
    the ONNX Runtime environment, instead of one each: ~110 MB less per worker at the same CPU.
    Memory stays bounded: the arena keeps the largest page's buffers, and workers are recycled.
    """
    import onnxruntime

    base = onnxruntime.SessionOptions
    shared = _shared_arena(onnxruntime)

    class _Limited(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.intra_op_num_threads = threads
            self.inter_op_num_threads = 1
            if shared:
                self.add_session_config_entry("session.use_env_allocators", "1")

        def __setattr__(self, name: str, value: object) -> None:
            if name == "enable_cpu_mem_arena":
                value = True
            super().__setattr__(name, value)

    onnxruntime.SessionOptions = _Limited


_arena_registered = False


def _shared_arena(onnxruntime: Any) -> bool:
    """One CPU arena for every session in this process (registered once per process)."""
    global _arena_registered
    if not _arena_registered:
        try:
            info = onnxruntime.OrtMemoryInfo("Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0,
                                             onnxruntime.OrtMemType.DEFAULT)
            onnxruntime.create_and_register_allocator(info, onnxruntime.OrtArenaCfg(0, 0, -1, -1))
        except Exception:  # an older or different runtime: each session keeps its own arena
            return False
        _arena_registered = True
    return True


def run_job(job: PageJob) -> PageOutput:
    try:
        return _run(job)
    except EngineError:
        raise
    except Exception as exc:  # one bad page must not stop the document: report it for this page only
        raise EngineError(f"embedded engine failed: {type(exc).__name__}: {exc}", source=job.path,
                          page=job.index + 1, stage="embedded") from exc


def _run(job: PageJob) -> PageOutput:
    doc = open_document(Path(job.path), job.password)
    if not 0 <= job.index < doc.page_count:
        raise EngineError(f"no page {job.index + 1} (the file has {doc.page_count})", source=job.path,
                          page=job.index + 1, stage="embedded")
    page = load_page(doc, job.index)
    rect = tuple(page.rect)
    sx, sy = job.sent_width / (rect[2] - rect[0]), job.sent_height / (rect[3] - rect[1])

    def to_sent(b: Rect) -> list[int]:
        return [round((b[0] - rect[0]) * sx), round((b[1] - rect[1]) * sy),
                round((b[2] - rect[0]) * sx), round((b[3] - rect[1]) * sy)]

    regions, words, notes = _page_regions(doc, page, job)
    if job.mode == Mode.BOX:
        return PageOutput([_box_block(job, words, to_sent, sx, sy, rect)], notes)
    if job.mode == Mode.TEXT:
        return PageOutput([RawBlock(bbox=[0, 0, job.sent_width, job.sent_height], category=Category.TEXT.value,
                                    text=page_text(regions), format=CellFormat.MARKDOWN)], notes)
    with_text = job.mode in (Mode.LAYOUT, Mode.TABLES, Mode.FORMULAS)
    return PageOutput(to_blocks(regions, to_sent, with_text), notes)


def _page_regions(doc: pymupdf.Document, page: pymupdf.Page,
                  job: PageJob) -> tuple[list[Region], list[Word], list[tuple[str, str]]]:
    textpage = page.get_textpage(flags=pymupdf.TEXTFLAGS_TEXT)
    survey = survey_spans(page, textpage)
    words = page_words(page, survey.hidden, textpage)
    notes: list[tuple[str, str]] = []
    verdict = judge(page, words, survey.hidden_chars, survey.total_chars)
    if verdict.hidden_layer and job.ocr != "always":
        layer = page_words(page, [], textpage)
        if job.ocr == "never":
            words = layer
            notes.append(("invisible_text_layer_unchecked", "the page's text is its invisible text layer "
                          "(an earlier OCR), not checked against the image because OCR is off"))
        elif layer_agrees(page, layer):
            words = layer
        verdict = judge(page, words, 0, survey.total_chars) if words is layer else verdict
    use_ocr = job.ocr == "always" or (job.ocr == "auto" and (verdict.needs_ocr or job.kind == "image"))
    if use_ocr:
        scanned = scan_page(page)
        return scanned.regions, scanned.words, notes + scanned.notes
    drawings = page.get_drawings()
    if job.ocr != "never":
        words = words + outline_words(page, drawings, words)
    regions = detect_regions(page, words, drawings)
    mark_code_and_formulas(regions, survey)
    mark_furniture(regions, tuple(page.rect), _neighbour_bands(doc, page.number))
    return order_regions(regions), words, notes


_bands: "OrderedDict[tuple[int, str, int], list[BandLine]]" = OrderedDict()  # (document, page) -> its band lines


def _neighbour_bands(doc: pymupdf.Document, number: int) -> list[list[BandLine]]:
    """Band lines of the neighbouring pages, cached: consecutive pages of a file share most neighbours."""
    out = []
    for other in range(max(0, number - _NEIGHBOURS), min(doc.page_count, number + _NEIGHBOURS + 1)):
        if other == number:
            continue
        key = (id(doc), doc.name, other)
        if key not in _bands:
            page = load_page(doc, other)
            _bands[key] = band_lines(page_words(page, []), tuple(page.rect))
            while len(_bands) > _BAND_CACHE:
                _bands.popitem(last=False)
        out.append(_bands[key])
    return out


def _box_block(job: PageJob, words: list[Word], to_sent: Callable[[Rect], list[int]], sx: float, sy: float,
               rect: Rect) -> RawBlock:
    m = _BOX.search(job.prompt.strip())
    if not m:
        raise EngineError("box mode needs a prompt ending with [x1, y1, x2, y2]", source=job.path,
                          page=job.index + 1, stage="embedded")
    x1, y1, x2, y2 = (float(v) for v in m.groups())
    box = (rect[0] + min(x1, x2) / sx, rect[1] + min(y1, y2) / sy, rect[0] + max(x1, x2) / sx, rect[1] + max(y1, y2) / sy)
    inside = [w for w in words if box[0] <= w.cx <= box[2] and box[1] <= w.cy <= box[3]]
    text = "\n".join(line_text(ln) for ln in group_lines(inside))
    return RawBlock(bbox=to_sent(box), category=Category.TEXT.value, text=text, format=CellFormat.MARKDOWN)
