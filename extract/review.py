"""Review page: static HTML to check every extracted value against the page it was read from.

Owns: ``review/<doc_id>/index.html`` for each document (its page images beside it, and on them a
box at the characters of every figure, deadline, heading and table cell; beside them the list
of records, each a link to its box, failed checks and warnings first and marked), and
``review/index.html`` listing the documents. Plain files: no script, no server, no network; a
link to a box scrolls to it and CSS's ``:target`` marks it.

Boxes are the outputs' own coordinates (metrics.csv's bbox), placed on PDFium's image of the
page through the page's own coordinates: a MediaBox that does not start at 0, a CropBox, /Rotate,
a page whose sideways text was turned back to be read; a page read by OCR is shown turned and
levelled as OCR read it. Placed in percent of the image, so its resolution does not matter.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from .model import BBox, Document, OcrPage, Records
from .read.selection import READ_ALL, Reading

if TYPE_CHECKING:
    from .batch import DocResult

IMAGE_SCALE = 1.5  # 108 dpi: 5-point type is still legible; an A4 page is ~893 px wide, ~120 KB as JPEG
JPEG_QUALITY = 80
MAX_PIXELS = (
    6_000_000  # a poster-sized page is drawn smaller: an A3 page at IMAGE_SCALE is 2.2 million, ~7 MB in memory
)
PRECISION = 64  # FPDF_PageToDevice answers in whole pixels: ask for a 64 times larger image

# kind -> (colour, what the legend calls it)
KINDS = {
    "metric": ("#d7191c", "figure"),
    "deadline": ("#e66101", "deadline"),
    "heading": ("#1a9641", "heading"),
    "cell": ("#2b83ba", "table cell"),
    "check": ("#c51b7d", "failed check"),
}

STYLE = """
body{margin:0;font:14px/1.4 system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;color:#222}
header{padding:8px 16px;background:#f4f4f4;border-bottom:1px solid #ccc}
header h1{font-size:18px;margin:0 0 4px}
.status-ok{color:#1a7f37}.status-partial{color:#b35900}.status-failed{color:#c00}
.alert{background:#fff3cd;border:1px solid #e0b000;padding:4px 8px;margin:4px 0}
.layout{display:flex;align-items:flex-start}
nav{position:sticky;top:0;width:420px;flex:none;height:100vh;overflow:auto;border-right:1px solid #ccc;
 padding:0 8px;box-sizing:border-box}
nav h2{font-size:15px;margin:12px 0 4px}
nav table{border-collapse:collapse;width:100%}
nav td{border-bottom:1px solid #eee;padding:2px 4px;vertical-align:top}
nav tr:target{background:#ffe98a}
nav tr.failed{background:#fde0ef}
main{flex:1;padding:8px 16px}
.page h2{font-size:15px;margin:16px 0 4px}
.sheet{position:relative;width:100%;max-width:900px;border:1px solid #999}
.sheet img{display:block;width:100%;height:auto}
.box{position:absolute;box-sizing:border-box;border:1.5px solid;display:block}
.box:target{border:3px solid #ff00ff !important;background:rgba(255,0,255,.12);scroll-margin-top:40vh}
.cell{border-width:1px;opacity:.55}
.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:12px;height:12px;border:2px solid;margin-right:4px;vertical-align:-2px}
.problem{color:#c00}
"""


@dataclass(frozen=True)
class ReviewSource:
    """Where the page images come from: each document's file by its id, and how it was read
    (only the pages read are shown; the password opens an encrypted file)."""

    files: dict[str, Path]
    reading: Reading = field(default=READ_ALL, repr=False)

    def pdf(self, doc_id: str) -> bytes | None:
        """The PDF as the reader parsed it (qpdf's repaired copy of a damaged file); None for a
        text file or one that cannot be opened again."""
        from .errors import ReadError
        from .preflight import preflight

        path = self.files.get(doc_id)
        if path is None or path.suffix.lower() in (".txt", ".text"):
            return None
        try:
            return preflight(path, path.read_bytes(), self.reading.password).data
        except (OSError, ReadError):
            return None


def review_files(r: DocResult, source: ReviewSource) -> dict[str, bytes]:
    """A document's review page and its page images (the pages read; none for a failed document
    or a text file), by their paths in the output folder."""
    document, reading = r.document, source.reading
    files: dict[str, bytes] = {}
    pictures: dict[int, Picture] = {}
    warnings = list(r.warnings)
    pdf = source.pdf(r.doc_id) if document is not None else None
    if pdf is None and document is not None and document.kind == "pdf":
        warnings.append("the page images could not be made: the file could not be opened again")
    if pdf is not None and document is not None:
        try:
            for number, picture in page_images(pdf, reading.pages, reading.password, document):
                files[image_path(r.doc_id, number)] = picture.jpeg
                pictures[number] = picture
        except Exception as exc:  # the outputs stand without pictures: the page says why
            warnings.append(f"the page images could not be made: {' '.join(str(exc).split())[:200]}")
    marks = list(marks_of(document, r.records)) if document is not None and r.records is not None else []
    files[page_path(r.doc_id)] = document_page(r, warnings, marks, pictures).encode("utf-8")
    return files


def page_path(doc_id: str) -> str:
    """Each document in a folder of its own: no id can be another's page or the index."""
    return f"review/{doc_id}/index.html"


def image_path(doc_id: str, number: int) -> str:
    return f"review/{doc_id}/{image_name(number)}"


def image_name(number: int) -> str:
    return f"p{number:04d}.jpg"


@dataclass(frozen=True, slots=True)
class Mark:
    """One box on a page and the record it stands for."""

    key: str  # the element id: m3, d1, s2.1, t-t01-4-2, c0
    kind: str  # a KINDS key
    page: int
    bbox: BBox
    title: str  # what hovering over it says
    record: str  # the id of its record's row in the list: r-m3, r-t-t01


Placement = Callable[[BBox], tuple[float, float, float, float]]  # a box -> left, top, width, height in % of the image


@dataclass(frozen=True, slots=True)
class Picture:
    """A page as an image, and where a box in the outputs' coordinates falls on it."""

    jpeg: bytes
    pixels: tuple[int, int]
    place: Placement


def page_images(
    pdf: bytes, pages: tuple[tuple[int, int], ...], password: str, document: Document
) -> Iterator[tuple[int, Picture]]:
    """Each page read, as PDFium draws it, turned and levelled as OCR read it."""
    import pypdfium2 as pdfium

    from .read.selection import chosen_pages

    ocr = {o.page: o for o in document.ocr}
    pdf_document = pdfium.PdfDocument(pdf, password=password or None)
    try:
        for index in chosen_pages(pages, len(pdf_document))[0]:
            page = pdf_document[index]
            try:
                yield index + 1, picture(page, ocr.get(index + 1), document.turned.get(index + 1, 0))
            finally:
                page.close()
    finally:
        pdf_document.close()


def picture(page, ocr: OcrPage | None, turned: int) -> Picture:
    """The page drawn at IMAGE_SCALE (less for a huge page: at most MAX_PIXELS). A page read by
    OCR is turned and levelled as OCR did, its boxes then in points of that image; a page read
    from its text layer keeps PDFium's view, its boxes carried there from the outputs' frame."""
    width, height = page.get_size()
    scale = min(IMAGE_SCALE, math.sqrt(MAX_PIXELS / max(width * height, 1.0)))
    image = page.render(scale=scale).to_pil().convert("RGB")
    if ocr is not None:
        from PIL import Image

        if ocr.turn:
            image = image.rotate(-ocr.turn, expand=True)
        if ocr.skew:  # as ocr.orient.level_image: about the centre, the corners white
            image = image.rotate(ocr.skew, resample=Image.Resampling.BICUBIC, fillcolor="white")
        place = scaled(image.width / scale, image.height / scale)
    else:
        place = shown_on(page, image.width, image.height, turned)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Picture(buffer.getvalue(), (image.width, image.height), place)


def scaled(width: float, height: float) -> Placement:
    def place(box: BBox) -> tuple[float, float, float, float]:
        x0, top, x1, bottom = box
        return 100 * x0 / width, 100 * top / height, 100 * (x1 - x0) / width, 100 * (bottom - top) / height

    return place


def shown_on(page, pixels_wide: int, pixels_high: int, turned: int) -> Placement:
    """Boxes in the readers' frame (pdfplumber's: from the MediaBox, /Rotate applied; a page
    drawn sideways turned back, read.pages.unrotate) placed on PDFium's image of the page (its
    CropBox, /Rotate applied), through the page's own coordinates (FPDF_PageToDevice)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    from .read.pdfium import Frame

    frame = Frame.of(page.get_mediabox(), page.get_rotation() % 360)
    a, b, c, d, e, f = frame.ctm
    det = a * d - b * c
    wide, high = pixels_wide * PRECISION, pixels_high * PRECISION
    out_x, out_y = ctypes.c_int(), ctypes.c_int()

    def on_image(user_x: float, user_y: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, wide, high, 0, user_x, user_y, out_x, out_y)
        return 100 * out_x.value / wide, 100 * out_y.value / high

    # the page to its image is affine: asked three times now, while the page is open
    (ox, oy), (rx, ry), (ux, uy) = on_image(0, 0), on_image(1000, 0), on_image(0, 1000)

    def device(x: float, top: float) -> tuple[float, float]:
        across, up = x - e - frame.x_shift, frame.height + frame.top_shift - f - top
        user_x, user_y = (d * across - c * up) / det / 1000, (a * up - b * across) / det / 1000
        return ox + (rx - ox) * user_x + (ux - ox) * user_y, oy + (ry - oy) * user_x + (uy - oy) * user_y

    def place(box: BBox) -> tuple[float, float, float, float]:
        corners = [device(x, y) for x, y in as_shown(box, turned, frame.width, frame.height)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    return place


def as_shown(box: BBox, turned: int, width: float, height: float) -> list[tuple[float, float]]:
    """The box's corners back on the page as shown, undoing read.pages.unrotate."""
    x0, top, x1, bottom = box
    if turned == 90:
        x0, top, x1, bottom = width - bottom, x0, width - top, x1
    elif turned == 270:
        x0, top, x1, bottom = top, height - x1, bottom, height - x0
    return [(x0, top), (x1, bottom)]


def marks_of(document: Document, records: Records) -> Iterator[Mark]:
    """Every box, drawn in this order so the ones that matter most lie on top: table cells,
    headings, deadlines, figures, failed checks."""
    for table in document.tables:
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row):
                box = cell.ink or cell.bbox
                if box and cell.text and cell.merged_from is None:
                    key = f"t-{table.table_id}-{r}-{c}"
                    yield Mark(key, "cell", cell.page, box, cell.text, f"r-t-{table.table_id}")
    for section in document.sections:
        if section.bbox:
            key = f"s{section.section_id}"
            yield Mark(key, "heading", section.page, section.bbox, section.heading or "", f"r-{key}")
    for index, deadline in enumerate(records.deadlines):
        if deadline.page and deadline.bbox:
            said = f"{deadline.deadline_text}: {deadline.task}"
            yield Mark(f"d{index}", "deadline", deadline.page, deadline.bbox, said, f"r-d{index}")
    for index, metric in enumerate(records.metrics):
        if metric.page and metric.bbox:
            said = f"{metric.label or metric.metric} = {metric.raw} ({fmt_value(metric.value)} {metric.unit})"
            yield Mark(f"m{index}", "metric", metric.page, metric.bbox, said, f"r-m{index}")
    for index, check in enumerate(records.checks):
        if not check.passed and check.page and check.bbox:
            said = f"{check.kind}: {check.detail}"
            yield Mark(f"c{index}", "check", check.page, check.bbox, said, f"r-c{index}")


def fmt_value(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def document_page(r: DocResult, warnings: list[str], marks: list[Mark], pictures: dict[int, Picture]) -> str:
    doc_id, status, error, document, records = r.doc_id, r.status, r.error, r.document, r.records
    e = html.escape
    title = (document.meta.title if document else None) or doc_id
    head = [
        f'<header><a href="../index.html">all documents</a><h1>{e(title)}</h1>',
        f"<div>{e(doc_id)} · {e(document.path if document else '')} · "
        f'<b class="status-{e(status)}">{e(status)}</b></div>',
    ]
    if error:
        head.append(f'<div class="alert">{e(error)}</div>')
    head += [f'<div class="alert">warning: {e(w)}</div>' for w in warnings]
    if document is not None:
        head += [f'<div class="alert">page {p.page}: {e(p.quality)}: {e(p.detail)}</div>' for p in document.problems]
    head.append(legend() + "</header>")
    shown = set(pictures)
    on_page: dict[int, list[Mark]] = {}
    first_cell: dict[str, str] = {}  # a table's record row -> its first boxed cell (marks_of goes row by row)
    for m in marks:
        if m.page in shown:
            on_page.setdefault(m.page, []).append(m)
            if m.kind == "cell":
                first_cell.setdefault(m.record, m.key)
    boxed = {m.key for page in on_page.values() for m in page}
    nav = (
        record_list(document, records, boxed, shown, first_cell) if document is not None and records is not None else ""
    )
    pages = "".join(
        page_section(number, picture, on_page.get(number, [])) for number, picture in sorted(pictures.items())
    )
    if document is not None and not pictures:
        why = "it was read from a text file" if document.kind == "text" else "see the warnings above"
        pages = f'<p class="problem">No page images: {why}.</p>'
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{e(title)}: review</title><style>{STYLE}</style></head><body>"
        + "".join(head)
        + f'<div class="layout"><nav>{nav}</nav><main>{pages}</main></div></body></html>\n'
    )


def legend() -> str:
    items = "".join(f'<span><i style="border-color:{colour}"></i>{name}</span>' for colour, name in KINDS.values())
    return f'<div class="legend">{items}</div>'


def page_section(number: int, picture: Picture, marks: list[Mark]) -> str:
    boxes = "".join(box_element(mark, picture.place) for mark in marks)
    width, height = picture.pixels
    return (
        f'<section class="page" id="p{number}"><h2>page {number}</h2><div class="sheet">'
        f'<img src="{image_name(number)}" alt="page {number}" width="{width}" height="{height}">{boxes}</div></section>'
    )


def box_element(mark: Mark, place: Placement) -> str:
    left, top, width, height = place(mark.bbox)
    style = (
        f"left:{left:.3f}%;top:{top:.3f}%;width:{width:.3f}%;height:{height:.3f}%;border-color:{KINDS[mark.kind][0]}"
    )
    e = html.escape
    return f'<a class="box {mark.kind}" id="{e(mark.key)}" href="#{e(mark.record)}" style="{style}" title="{e(mark.title)}"></a>'


def record_list(
    document: Document, records: Records, boxed: set[str], shown: set[int], first_cell: dict[str, str]
) -> str:
    """The records by kind, each row linking to its box (to its page when it has none; to
    nothing when its page has no image)."""

    def row(key: str, page: int | None, texts: list[str], failed: bool = False, box: str = "") -> str:
        e = html.escape
        box = box or key
        target = f"#{box}" if box in boxed else f"#p{page}" if page in shown else ""
        where = f'<a href="{e(target)}">p{page}</a>' if target else (f"p{page}" if page else "")
        cells = "".join(f"<td>{e(t)}</td>" for t in texts)
        css = ' class="failed"' if failed else ""
        return f'<tr id="r-{e(key)}"{css}><td>{where}</td>{cells}</tr>'

    parts = []
    failed = [(i, c) for i, c in enumerate(records.checks) if not c.passed]
    if failed:
        rows = [row(f"c{i}", c.page, [c.table_id, c.detail], failed=True) for i, c in failed]
        parts.append(block(f"failed checks ({len(failed)})", rows))
    rows = [row(f"m{i}", m.page, [m.label or m.metric, m.raw, m.entity]) for i, m in enumerate(records.metrics)]
    parts.append(block(f"figures ({len(rows)})", rows))
    rows = [row(f"d{i}", d.page, [d.deadline_text, d.owner, d.task[:40]]) for i, d in enumerate(records.deadlines)]
    parts.append(block(f"deadlines ({len(rows)})", rows))
    rows = [row(f"s{s.section_id}", s.page, [s.label or "", s.heading or ""]) for s in document.sections]
    parts.append(block(f"headings ({len(rows)})", rows))
    rows = []
    for t in document.tables:
        page = t.pages[0] if t.pages else None
        first = first_cell.get(f"r-t-{t.table_id}", "")
        rows.append(row(f"t-{t.table_id}", page, [t.table_id, t.title or "(untitled)"], box=first))
    parts.append(block(f"tables ({len(rows)})", rows))
    return "".join(parts)


def block(heading: str, rows: list[str]) -> str:
    return f"<h2>{html.escape(heading)}</h2><table>{''.join(rows)}</table>"


@dataclass(frozen=True, slots=True)
class Listed:
    """A document's line on the index page."""

    doc_id: str
    title: str
    status: str
    note: str  # its error, or its warnings
    figures: int
    deadlines: int
    failed_checks: int


def listed_row(documents_row: bytes, counts: dict[str, int]) -> Listed:
    """The index line of a document from its row of documents.csv (as export writes it, no
    header) and its rows in each dataset."""
    from .export import SCHEMAS

    fields = next(csv.reader(io.StringIO(documents_row.decode("utf-8"))))
    row = dict(zip([name for name, _ in SCHEMAS["documents"]], fields))
    note = row["error"] or row["warnings"]
    return Listed(
        row["doc_id"], row["title"], row["status"], note, counts["metrics"], counts["deadlines"], counts["checks"]
    )


def listed_result(r: DocResult) -> Listed:
    """The index line of a document from its result."""
    records = r.records
    title = (r.document.meta.title if r.document else None) or ""
    if records is None:
        return Listed(r.doc_id, title, r.status, r.error or " | ".join(r.warnings), 0, 0, 0)
    failed = sum(not c.passed for c in records.checks)
    note = r.error or " | ".join(r.warnings)
    return Listed(r.doc_id, title, r.status, note, len(records.metrics), len(records.deadlines), failed)


def index_page(documents: list[Listed]) -> bytes:
    """review/index.html: a line per document, linking to its page."""
    e = html.escape
    rows = "".join(
        f'<tr><td><a href="{e(quote(d.doc_id))}/index.html">{e(d.doc_id)}</a></td><td>{e(d.title)}</td>'
        f'<td class="status-{e(d.status)}">{e(d.status)}</td><td>{d.figures}</td><td>{d.deadlines}</td>'
        f"<td>{d.failed_checks or ''}</td><td>{e(d.note)}</td></tr>"
        for d in documents
    )
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>review</title>'
        f"<style>{STYLE} table{{border-collapse:collapse}} td,th{{border:1px solid #ddd;padding:3px 6px}}</style>"
        "</head><body><header><h1>Review: every figure, deadline, heading and table cell on its page</h1></header>"
        "<main><table><tr><th>document</th><th>title</th><th>status</th><th>figures</th><th>deadlines</th>"
        f"<th>failed checks</th><th>error / warnings</th></tr>{rows}</table></main></body></html>\n"
    ).encode()
