"""Typed data that flows between stages. Imports nothing from the rest of the package but `celltext`,
the pure text functions below it in the layers that derive `Cell.plain`."""

from __future__ import annotations

from enum import Enum
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from .celltext.plain_markdown import markdown_plain
from .celltext.plain_table import table_plain

SCHEMA_VERSION = "1.0"


class Category(str, Enum):
    CAPTION = "Caption"
    FOOTNOTE = "Footnote"
    FORMULA = "Formula"
    LIST_ITEM = "List-item"
    PAGE_FOOTER = "Page-footer"
    PAGE_HEADER = "Page-header"
    PICTURE = "Picture"
    SECTION_HEADER = "Section-header"
    TABLE = "Table"
    TEXT = "Text"
    TITLE = "Title"


FURNITURE = frozenset({Category.PAGE_HEADER, Category.PAGE_FOOTER})


class CellFormat(str, Enum):
    MARKDOWN = "markdown"
    HTML = "html"
    LATEX = "latex"
    TEXT = "text"  # plain text where a VLM would give LaTeX (embedded engine formulas)
    SVG = "svg"  # sanitized SVG markup (--mode svg)
    NONE = "none"


class Mode(str, Enum):
    LAYOUT = "layout"
    DETECT = "detect"
    TEXT = "text"
    BOX = "box"
    TABLES = "tables"
    FORMULAS = "formulas"
    ORDER = "order"
    WEB = "web"  # dots.mocr: a web page screenshot, parsed into layout blocks
    SCENE = "scene"  # dots.mocr: text spotted in a photo or scene
    SVG = "svg"  # dots.mocr: the picture or chart redrawn as SVG

    @property
    def default_temperature(self) -> float:
        """dots.mocr samples SVG at 0.9; every other mode at the reference 0.1."""
        return 0.9 if self is Mode.SVG else 0.1

    @property
    def prompt_name(self) -> str:
        return {
            Mode.LAYOUT: "layout_all",
            Mode.TABLES: "layout_all",
            Mode.FORMULAS: "layout_all",
            Mode.DETECT: "layout_only",
            Mode.ORDER: "layout_only",
            Mode.TEXT: "ocr",
            Mode.BOX: "grounding_ocr",
            Mode.WEB: "web_parsing",
            Mode.SCENE: "scene_spotting",
            Mode.SVG: "svg",
        }[self]


class PageStatus(str, Enum):
    OK = "ok"  # answer parsed cleanly
    REPAIRED = "repaired"  # answer needed repairs, content kept
    TRUNCATED = "truncated"  # the model hit the token limit; what it said is kept
    FALLBACK = "fallback"  # produced by a fallback step after the first answer failed
    FAILED = "failed"  # no usable answer; `error` says why
    SERVER_UNAVAILABLE = "server-unavailable"

    @property
    def usable(self) -> bool:
        return self not in (PageStatus.FAILED, PageStatus.SERVER_UNAVAILABLE)


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Box(Frozen):
    """Axis-aligned box, x1 <= x2 and y1 <= y2."""

    x1: float
    y1: float
    x2: float
    y2: float

    def scaled(self, sx: float, sy: float) -> "Box":
        return Box(x1=self.x1 * sx, y1=self.y1 * sy, x2=self.x2 * sx, y2=self.y2 * sy)

    def as_list(self, ndigits: int = 2) -> list[float]:
        return [round(v, ndigits) for v in (self.x1, self.y1, self.x2, self.y2)]


class PageGeometry(Frozen):
    """The page as the user knows it, and the image the engine was sent.

    Page pixels are PDF points * dpi / 72 for PDFs and the file's own pixels for images.
    `sent_*` is the multiple-of-28 image the engine saw: its answers are in that space.
    """

    width_pt: float
    height_pt: float
    dpi: float
    width_px: int
    height_px: int
    sent_width: int
    sent_height: int

    def sent_to_px(self, box: Box) -> Box:
        return box.scaled(self.width_px / self.sent_width, self.height_px / self.sent_height)

    def px_to_sent(self, box: Box) -> Box:
        return box.scaled(self.sent_width / self.width_px, self.sent_height / self.height_px)

    def px_to_pt(self, box: Box) -> Box:
        return box.scaled(self.width_pt / self.width_px, self.height_pt / self.height_px)


class RawBlock(BaseModel):
    """One block as an engine reported it, coordinates in the sent image; not yet validated."""

    model_config = ConfigDict(extra="forbid")

    bbox: Optional[list] = None
    category: Optional[str] = None
    text: Optional[str] = None
    format: Optional[CellFormat] = None  # engines that know the format say so (embedded: text formulas)
    truncated: bool = False


class DescriptionStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"  # `error` says why; a re-run tries again
    SKIPPED = "skipped"  # not sent (too small, no crop); `error` says why


class PictureDescription(Frozen):
    """What the describer model said about a Picture (`--describe-pictures`); never replaces the cell's text."""

    status: DescriptionStatus
    text: Optional[str] = Field(default=None, description="The description in words; null unless status is ok.")
    data: Optional[str] = Field(default=None, description="Sanitized HTML <table> of a chart's data, when the model gave one.")
    error: Optional[str] = Field(default=None, description="Why it failed or was skipped (ok: a warning, if any).")
    model: Optional[str] = None
    attempts: int = 0


class CaptionLink(Frozen):
    """The Picture or Table a Caption belongs to."""

    page: int
    order: int
    category: Category
    label: Optional[str] = Field(default=None, description="'Figure 3', 'Table 2.1', ... as written, when present.")
    number: Optional[str] = Field(default=None, description="The figure/table number alone: '3', '2.1', 'A1'.")


PLAIN_DESCRIPTION = (
    "The text a reader sees, for indexing and search: data, never markup, to be escaped if put into HTML. "
    "markdown and text: the Markdown rendered (CommonMark), then its text: entities and escapes decoded, tags and "
    "emphasis markers dropped, code kept as its characters, math spans kept as written; one line per paragraph, "
    "heading (no '#'), list item (bullets dropped, an ordered item keeps its number as 'N. '), quote line, table "
    "row (cells tab-separated) and code block; line breaks kept, blank lines and rules dropped. html (tables): one "
    "line per row, cells separated by a tab, a spanning cell once where it starts, whitespace in a cell one space, "
    "a caption or text beside the table on lines of its own, rows with no text left out. latex: the LaTeX source "
    "unchanged. svg and none: ''. Derived from text and format, ignored on input; absent from documents written "
    "before it existed.")


def _plain_not_required(schema: dict[str, Any]) -> None:
    # Always written, but documents written before it existed are schema 1.0 too and must stay valid.
    schema["required"] = [name for name in schema.get("required", []) if name != "plain"]


class Cell(Frozen):
    model_config = ConfigDict(json_schema_extra=_plain_not_required)

    order: int = Field(description="Reading-order index within the page, from 0 (detect mode: position order, "
                                   "top to bottom then left to right).")
    category: Category
    bbox_px: Optional[list[float]] = Field(description="[x1, y1, x2, y2] in page pixels; null if the box was unusable.")
    bbox_pt: Optional[list[float]] = Field(description="[x1, y1, x2, y2] in PDF points (72 per inch).")
    text: str = ""
    format: CellFormat
    truncated: bool = False
    asset: Optional[str] = Field(default=None, description="Relative path of this cell's file (crop, table, formula).")
    font_size: Optional[float] = Field(default=None, description="Headings: the text layer's font size in points.")
    level: Optional[int] = Field(default=None, description="Headings: document-wide level, 1 = the one Title.")
    caption_of: Optional[CaptionLink] = Field(default=None, description="Captions: the Picture or Table captioned.")
    description: Optional[PictureDescription] = None

    @model_validator(mode="before")
    @classmethod
    def _plain_is_not_input(cls, data: Any) -> Any:
        # `plain` is written with the cell (page store, <doc>.json) and derived again when read back.
        if isinstance(data, dict) and "plain" in data:
            return {k: v for k, v in data.items() if k != "plain"}
        return data

    @computed_field(description=PLAIN_DESCRIPTION)  # type: ignore[prop-decorator]
    @property
    def plain(self) -> str:
        """The cell as plain text, for indexing and search; never markup (derived from `text` and `format`)."""
        if self.format in (CellFormat.MARKDOWN, CellFormat.TEXT):
            return markdown_plain(self.text)
        if self.format is CellFormat.HTML:
            return table_plain(self.text)
        if self.format is CellFormat.LATEX:
            return self.text
        return ""


class Repair(Frozen):
    kind: str
    detail: str = ""


class Timings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    render_s: float = 0.0
    engine_s: float = 0.0
    parse_s: float = 0.0
    write_s: float = 0.0


class EngineUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    requests: int = Field(default=1, description="Model requests the page needed (hybrid: layout plus one per box "
                                                 "asked of the model); `attempts` also counts their retries.")
    finish_reason: Optional[str] = None
    endpoint: Optional[str] = None


class PageResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(description="1-based page number within the source.")
    status: PageStatus
    error: Optional[str] = None
    geometry: Optional[PageGeometry] = None
    repairs: list[Repair] = Field(default_factory=list)
    fallbacks: list[str] = Field(default_factory=list)
    path: Optional[str] = Field(default=None, description=(
        "How the page's text was had: 'model' (the model wrote it), 'hybrid' (model layout, text from the PDF's "
        "text layer, tables and formulas by the model); null for modes and engines without the choice."))
    timings: Timings = Field(default_factory=Timings)
    usage: EngineUsage = Field(default_factory=EngineUsage)
    cells: list[Cell] = Field(default_factory=list)
    raw_answer: Optional[str] = Field(default=None, description="The engine's answer, kept only when it could not be parsed.")


class DocumentInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    sha256: str
    kind: str = Field(description="pdf or image")
    page_count: int
    pages_selected: list[int]
    dpi: float
    engine: str
    model: str
    mode: Mode
    dotsparse_version: str
    error: Optional[str] = Field(default=None, description="Set when the whole file could not be read.")


class TablePart(Frozen):
    page: int
    order: int


class MergedTable(Frozen):
    """A table continued across page breaks; each page's own cells stay as the model answered."""

    parts: list[TablePart]
    html: str = Field(description="The merged, sanitized <table>.")
    reasons: list[str] = Field(description="The evidence the merge was decided on.")
    header_rows_dropped: int = 0
    rows_joined: int = Field(default=0, description="Rows split by a page break and joined back.")


class DocumentResult(BaseModel):
    """The shape of `<doc>.json`; writers stream it page by page rather than building it whole."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    document: DocumentInfo
    pages: list[PageResult]
    merged_tables: list[MergedTable] = Field(default_factory=list)


Page = PageResult  # the public name: one page of a Document
