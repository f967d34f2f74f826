"""The document model: plain dataclasses that flow forward through the pipeline.

read -> RawDocument (RawPage: chars, edges, images)      [read.py]
layout -> LaidOutPage (TextLine, PageTable in order)    [layout.py, tables.py]
normalize -> the same lines with clean, simplified text [normalize.py]
structure -> Document (Meta, Section, Table, Paragraph) [structure.py]
rules -> Metric, Deadline, TableRecord, Check           [apply.py]

Coordinates are PDF points with the origin at the page's top-left, as pdfplumber reports them;
a BBox is (x0, top, x1, bottom). Page numbers are 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

BBox = tuple[float, float, float, float]
Span = tuple[float, float]  # where a character runs across the page: (x0, x1)
Quality = Literal["ok", "no_text", "garbled", "blank"]


# --------------------------------------------------------------------------- read
@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    font: str
    upright: bool = True
    confidence: float = 1.0  # the recogniser's score for a character read by OCR; 1 from a text layer

    @property
    def bold(self) -> bool:
        return bold_font(self.font)


@lru_cache(maxsize=1024)  # a page has a few fonts and thousands of characters
def bold_font(name: str) -> bool:
    name = name.lower()
    return any(key in name for key in ("bold", "heavy", "black", "-bd", "semibold"))


@dataclass(slots=True)
class Edge:
    """A ruling line segment: horizontal ("h") or vertical ("v")."""

    orientation: Literal["h", "v"]
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class RawPage:
    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    images: list[BBox] = field(default_factory=list)
    rotation: int = 0
    quality: Quality = "ok"
    quality_detail: str = ""
    # text input: lines as extracted, a page per run of text (no geometry)
    text_lines: list[str] | None = None
    ocr: OcrPage | None = None  # how the page was read by OCR, when it was
    turned: int = 0  # its /Rotate (90, 270), when its text, drawn sideways, was turned back to run left to right


@dataclass(slots=True)
class OcrPage:
    """How one page was read by OCR: what was done to the scan and how sure the recogniser was."""

    page: int
    reason: str  # why it needed OCR (the text layer's verdict), or "--ocr always"
    turn: int = 0  # degrees the scan was turned clockwise to read upright
    skew: float = 0.0  # degrees of slant taken out
    confidence: float = 1.0  # the lowest character score on the page
    mean_confidence: float = 1.0
    seconds: float = 0.0
    # every character read, (x0, top, x1, bottom, score, text) in page points, to score figures
    glyphs: list[tuple[float, float, float, float, float, str]] = field(default_factory=list)


@dataclass(slots=True)
class RawDocument:
    doc_id: str
    path: str
    sha256: str
    kind: Literal["pdf", "text"]
    pages: list[RawPage]
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what the reader had to repair or could not read
    data: bytes = field(default=b"", repr=False)  # the PDF as read (repaired), for rendering pages to OCR


# --------------------------------------------------------------------------- layout
@dataclass(slots=True)
class TextLine:
    text: str
    page: int
    bbox: BBox
    size: float = 0.0
    bold: bool = False
    font: str = ""
    indent: float = 0.0  # left offset from its column, in font sizes
    right_gap: float = 0.0  # free space before its column's right edge, in font sizes
    centered: bool = False
    column: int = 0
    original: str = ""  # text before normalisation (original script)
    lead: str = ""  # a leading run in another face or bold: a run-in heading candidate
    from_text: bool = False  # came from text input: one extracted line, no geometry
    split_row: bool = False  # one of several pieces of a row split at wide gaps (a tabbed line)
    xs: list[Span] | None = field(default=None, repr=False, compare=False)  # each character of text; None: unknown


@dataclass(slots=True)
class Cell:
    text: str
    page: int
    bbox: BBox | None
    row_span: int = 1
    col_span: int = 1
    original: str = ""
    ink: BBox | None = None  # the box round its characters (bbox is the cell's own, from its rules)


@dataclass(slots=True)
class PageTable:
    """A table as found on one page, before stitching across pages."""

    page: int
    bbox: BBox | None
    rows: list[list[Cell]]  # a full grid: spanned positions hold the same Cell object
    ruled: bool = True
    xs: list[float] = field(default_factory=list)  # grid lines (unruled: the middles of the gaps)
    ys: list[float] = field(default_factory=list)
    gaps: list[tuple[float, float]] = field(default_factory=list)  # unruled: the white between columns

    @property
    def ncols(self) -> int:
        return len(self.rows[0]) if self.rows else 0


@dataclass(slots=True)
class LaidOutPage:
    number: int
    width: float
    height: float
    items: list[TextLine | PageTable]
    quality: Quality = "ok"
    quality_detail: str = ""
    dropped: list[TextLine] = field(default_factory=list)  # headers, footers, page numbers, figure labels


# --------------------------------------------------------------------------- structure
@dataclass(slots=True)
class Meta:
    title: str | None = None
    issuer: str | None = None  # the lead issuer (first named) of a joint document
    co_issuers: list[str] = field(default_factory=list)  # the other issuers of a joint document (联合发文)
    doc_number: str | None = None
    date: str | None = None  # ISO date of the document (落款)
    printed_date: str | None = None  # ISO date of 印发
    signer: str | None = None
    recipients: dict[str, list[str]] = field(default_factory=dict)  # 主送 / 报 / 抄送


@dataclass(slots=True)
class Paragraph:
    text: str
    page: int
    bbox: BBox | None
    section_id: str | None = None
    original: str = ""
    kind: str = "body"  # body | heading | caption | note
    lines: list[tuple[int, int, int, BBox]] = field(default_factory=list)  # (start, end, page, bbox) per printed line
    # per printed line, where each of its characters runs across the page (None: unknown)
    # (not written out: per-character positions would double a document's JSON; INTERNAL)
    glyphs: list[list[Span] | None] = field(default_factory=list, repr=False, compare=False)

    def locate(self, position: int) -> tuple[int, BBox | None]:
        """The page and line box of a character offset in the text (a paragraph may cross pages)."""
        for start, end, page, bbox in self.lines:
            if start <= position < end:
                return page, bbox
        return self.page, self.bbox

    def span_box(self, start: int, end: int) -> tuple[int, BBox | None]:
        """The page of text[start:end] and the box round its own characters: on each printed line
        of that page it touches, from its first character's left to its last one's right; the
        whole line's box where a line's characters are not known."""
        page, found = self.locate(start)
        boxes: list[BBox] = []
        for index, (first, last, on, line) in enumerate(self.lines):
            if on != page or last <= start or first >= end:
                continue
            spans = self.glyphs[index] if index < len(self.glyphs) else None
            if spans is None or len(spans) != last - first:
                boxes.append(line)
                continue
            inside = spans[max(start, first) - first : min(end, last) - first]
            boxes.append((min(s[0] for s in inside), line[1], max(s[1] for s in inside), line[3]))
        if not boxes:
            return page, found
        return page, (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )


@dataclass(slots=True)
class Item:
    """An 一是…二是… enumeration inside a paragraph."""

    label: str
    heading: str | None
    text: str
    page: int


@dataclass(slots=True)
class Section:
    section_id: str
    level: int
    label: str | None
    heading: str | None
    text: str
    page: int
    bbox: BBox | None
    items: list[Item] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # child section ids


@dataclass(slots=True)
class Attachment:
    number: int | None
    title: str
    page: int | None = None


@dataclass(slots=True)
class TableCell:
    text: str
    page: int
    bbox: BBox | None
    merged_from: tuple[int, int] | None = None  # (row, col) of the merged cell's origin, when filled down/right
    ink: BBox | None = None  # the box round its characters, when it has any
    original: str = ""  # the text as printed (traditional, full-width), when normalising changed it

    @property
    def printed(self) -> str:
        return self.original or self.text


@dataclass(slots=True)
class Table:
    table_id: str
    attachment: int | None
    attachment_title: str | None
    title: str | None
    pages: list[int]
    header: list[str]
    rows: list[list[TableCell]]
    total_rows: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)  # what stitching did: dropped headers, rejoined rows
    part: str | None = None  # the band naming this part of a grid that stacks several tables
    title_source: str = "caption"  # caption (printed above it) | attachment | section | number (表N)
    roles: list[str] = field(default_factory=list)  # per column: label | code | serial | value
    unit_printed: str | None = None  # the unit its values are printed in (万元), when the page says
    unit_source: str | None = None  # where that unit was read: 单位：万元, or a header
    header_printed: list[str] = field(default_factory=list)  # the header as printed, when normalising changed it

    @property
    def ncols(self) -> int:
        return len(self.header)

    def values(self) -> list[list[str]]:
        return [[cell.text for cell in row] for row in self.rows]


@dataclass(slots=True)
class PageProblem:
    page: int
    quality: Quality
    detail: str


@dataclass(slots=True)
class Document:
    doc_id: str
    path: str
    sha256: str
    pages: int
    kind: str
    script: Literal["simplified", "traditional"]
    meta: Meta
    sections: list[Section]
    attachments: list[Attachment]
    tables: list[Table]
    paragraphs: list[Paragraph]
    problems: list[PageProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # document-level: repaired by qpdf, …
    ocr: list[OcrPage] = field(default_factory=list)  # the pages read by OCR
    turned: dict[int, int] = field(default_factory=dict)  # page -> RawPage.turned, for pages read from a text layer

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.section_id == section_id), None)


# What the pipeline uses but neither a document's JSON nor the cache keeps, as pydantic's
# ``exclude`` for a Document (export.plain leaves out the same fields).
INTERNAL: dict[str, dict[str, dict[str, set[str]]]] = {"paragraphs": {"__all__": {"glyphs"}}}


# --------------------------------------------------------------------------- records (rules)
@dataclass(slots=True)
class Metric:
    doc_id: str
    date: str | None  # the document's date
    as_of: str | None  # the date the figure is stated for (截至…)
    section_id: str | None
    metric: str  # canonical id from the rules' metrics.yaml, "" when the vocabulary has none
    label: str  # what the number measures, as written
    entity: str  # department, district… the figure belongs to, "" for the whole
    value: float
    unit: str
    raw: str
    approx: bool
    page: int | None
    bbox: BBox | None
    source: str  # "text" or "table:<table_id>"
    rule: str  # "<format>:<rule index>" or "generic"
    is_total: bool = False  # from a 合计/总计 row
    row: str = ""  # a table figure's row labels, left to right: 201 / 05 / 07 / 专项普查活动
    column: str = ""  # a table figure's column, its header path: 收入预算/财政拨款收入
    unit_printed: str = ""  # the unit as printed, before conversion to base units: 万元
    period: str = ""  # the period the report covers: 2024, or 2015-07/2015-12
    issuer: str = ""  # the reporting body (the document's issuer)
    confidence: float = 1.0  # the lowest OCR score of its characters; 1 when read from a text layer


@dataclass(slots=True)
class DeadlineRecord:
    doc_id: str
    task: str
    owner: str
    deadline_text: str
    due: str | None
    page: int | None
    section_id: str | None
    rule: str
    kind: str = "by"  # by | period | ongoing | undetermined
    source: str = "text"  # "text" or "table:<table_id>"
    period: str = ""  # the period the document covers, as for metrics
    issuer: str = ""  # the body that issued the document
    bbox: BBox | None = None  # the deadline as printed (its words, or its table cell)


@dataclass(slots=True)
class Check:
    doc_id: str
    table_id: str
    kind: str  # column_sum | code_sum | row_sum | sum | ratio | rows_equal | same_figures | rule_error
    expected: float | None
    actual: float | None
    detail: str
    passed: bool = False
    page: int | None = None  # where the figure checked (the total) is printed
    bbox: BBox | None = None


@dataclass(slots=True)
class Records:
    """What the rules pulled out of one document."""

    formats: list[str] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    deadlines: list[DeadlineRecord] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # rule problems met while applying (timeouts)
