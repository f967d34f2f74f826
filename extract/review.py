"""Review page: static HTML to check every extracted value against the page it was read from.

Owns: ``review/<doc_id>.html`` for each document (its page images, and on them a box at the
characters of every figure, deadline, heading and table cell; beside them the list of records,
each a link to its box, failed checks and warnings first and marked) with its images under
``review/<doc_id>/``, and ``review/index.html`` listing the documents. Plain files: no script,
no server, no network; a link to a box scrolls to it and CSS's ``:target`` marks it.

Boxes are placed in percent of the page, so the page image's resolution does not matter; the
coordinates are the outputs' own (points from the page's top-left), so what the page shows is
what metrics.csv says.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .model import BBox, Document, Records
from .read.selection import READ_ALL, Reading

if TYPE_CHECKING:
    from .batch import DocResult

IMAGE_SCALE = 1.5  # 108 dpi: 5-point type is still legible; an A4 page is ~893 px wide, ~120 KB as JPEG
JPEG_QUALITY = 80

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
    sizes: dict[int, tuple[float, float]] = {}
    warnings = list(r.warnings)
    pdf = source.pdf(r.doc_id) if document is not None else None
    if pdf is None and document is not None and document.kind == "pdf":
        warnings.append("the page images could not be made: the file could not be opened again")
    if pdf is not None:
        try:
            for number, size, image in page_images(pdf, reading.pages, reading.password):
                files[image_path(r.doc_id, number)] = image
                sizes[number] = size
        except Exception as exc:  # the outputs stand without pictures: the page says why
            warnings.append(f"the page images could not be made: {' '.join(str(exc).split())[:200]}")
    marks = list(marks_of(document, r.records)) if document is not None and r.records is not None else []
    files[f"review/{r.doc_id}.html"] = document_page(r, warnings, marks, sizes).encode("utf-8")
    return files


@dataclass(frozen=True, slots=True)
class Mark:
    """One box on a page and the record it stands for."""

    key: str  # the element id: m3, d1, s2.1, t-t01-4-2, c0
    kind: str  # a KINDS key
    page: int
    bbox: BBox
    title: str  # what hovering over it says


def image_path(doc_id: str, number: int) -> str:
    return f"review/{doc_id}/p{number:04d}.jpg"


def page_images(
    pdf: bytes, pages: tuple[tuple[int, int], ...], password: str
) -> Iterator[tuple[int, tuple[float, float], bytes]]:
    """(number, size in points, JPEG) of each page read, as PDFium draws it."""
    import pypdfium2 as pdfium

    from .read.selection import chosen_pages

    document = pdfium.PdfDocument(pdf, password=password or None)
    try:
        for index in chosen_pages(pages, len(document))[0]:
            number = index + 1
            page = document[index]
            try:
                width, height = page.get_size()
                image = page.render(scale=IMAGE_SCALE).to_pil().convert("RGB")
            finally:
                page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            yield number, (width, height), buffer.getvalue()
    finally:
        document.close()


def marks_of(document: Document, records: Records) -> Iterator[Mark]:
    """Every box, drawn in this order so the ones that matter most lie on top: table cells,
    headings, deadlines, figures, failed checks."""
    for table in document.tables:
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row):
                box = cell.ink or cell.bbox
                if box and cell.text and cell.merged_from is None:
                    yield Mark(f"t-{table.table_id}-{r}-{c}", "cell", cell.page, box, cell.text)
    for section in document.sections:
        if section.bbox:
            yield Mark(f"s{section.section_id}", "heading", section.page, section.bbox, section.heading or "")
    for index, deadline in enumerate(records.deadlines):
        if deadline.page and deadline.bbox:
            yield Mark(
                f"d{index}", "deadline", deadline.page, deadline.bbox, f"{deadline.deadline_text}: {deadline.task}"
            )
    for index, metric in enumerate(records.metrics):
        if metric.page and metric.bbox:
            shown = f"{metric.label or metric.metric} = {metric.raw} ({fmt_value(metric.value)} {metric.unit})"
            yield Mark(f"m{index}", "metric", metric.page, metric.bbox, shown)
    for index, check in enumerate(records.checks):
        if not check.passed and check.page and check.bbox:
            yield Mark(f"c{index}", "check", check.page, check.bbox, f"{check.kind}: {check.detail}")


def fmt_value(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def document_page(r: DocResult, warnings: list[str], marks: list[Mark], sizes: dict[int, tuple[float, float]]) -> str:
    doc_id, status, error, document, records = r.doc_id, r.status, r.error, r.document, r.records
    e = html.escape
    title = (document.meta.title if document else None) or doc_id
    head = [
        f'<header><a href="index.html">all documents</a><h1>{e(title)}</h1>',
        f"<div>{e(doc_id)} · {e(document.path if document else '')} · "
        f'<b class="status-{e(status)}">{e(status)}</b></div>',
    ]
    if error:
        head.append(f'<div class="alert">{e(error)}</div>')
    head += [f'<div class="alert">warning: {e(w)}</div>' for w in warnings]
    if document is not None:
        head += [f'<div class="alert">page {p.page}: {e(p.quality)}: {e(p.detail)}</div>' for p in document.problems]
    head.append(legend() + "</header>")
    nav = record_list(document, records) if document is not None and records is not None else ""
    pages = "".join(
        page_section(doc_id, number, size, [m for m in marks if m.page == number])
        for number, size in sorted(sizes.items())
    )
    if document is not None and not sizes:
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


def page_section(doc_id: str, number: int, size: tuple[float, float], marks: list[Mark]) -> str:
    width, height = size
    boxes = "".join(box_element(mark, width, height) for mark in marks)
    return (
        f'<section class="page" id="p{number}"><h2>page {number}</h2><div class="sheet">'
        f'<img src="{html.escape(image_path(doc_id, number).removeprefix("review/"))}" alt="page {number}" '
        f'width="{round(width * IMAGE_SCALE)}" height="{round(height * IMAGE_SCALE)}">{boxes}</div></section>'
    )


def box_element(mark: Mark, width: float, height: float) -> str:
    x0, top, x1, bottom = mark.bbox
    style = (
        f"left:{100 * x0 / width:.3f}%;top:{100 * top / height:.3f}%;"
        f"width:{100 * (x1 - x0) / width:.3f}%;height:{100 * (bottom - top) / height:.3f}%;"
        f"border-color:{KINDS[mark.kind][0]}"
    )
    css = f"box {mark.kind}"
    return f'<a class="{css}" id="{html.escape(mark.key)}" href="#r-{html.escape(mark.key)}" style="{style}" title="{html.escape(mark.title)}"></a>'


def record_list(document: Document, records: Records) -> str:
    """The records by kind, each row linking to its box (or its page when it has no box)."""
    parts = []
    failed = [(i, c) for i, c in enumerate(records.checks) if not c.passed]
    if failed:
        rows = [row(f"c{i}", c.page, bool(c.bbox), [c.table_id, c.detail], failed=True) for i, c in failed]
        parts.append(block(f"failed checks ({len(failed)})", rows))
    rows = [
        row(f"m{i}", m.page, bool(m.bbox), [m.label or m.metric, m.raw, m.entity])
        for i, m in enumerate(records.metrics)
    ]
    parts.append(block(f"figures ({len(rows)})", rows))
    rows = [
        row(f"d{i}", d.page, bool(d.bbox), [d.deadline_text, d.owner, d.task[:40]])
        for i, d in enumerate(records.deadlines)
    ]
    parts.append(block(f"deadlines ({len(rows)})", rows))
    rows = [row(f"s{s.section_id}", s.page, bool(s.bbox), [s.label or "", s.heading or ""]) for s in document.sections]
    parts.append(block(f"headings ({len(rows)})", rows))
    rows = [table_row(t) for t in document.tables]
    parts.append(block(f"tables ({len(rows)})", rows))
    return "".join(parts)


def block(heading: str, rows: list[str]) -> str:
    return f"<h2>{html.escape(heading)}</h2><table>{''.join(rows)}</table>"


def row(key: str, page: int | None, boxed: bool, texts: list[str], failed: bool = False) -> str:
    """One record: its words, and a link to its box (to its page when it has none)."""
    e = html.escape
    target = f"#{key}" if boxed else f"#p{page}" if page else ""
    where = f'<a href="{e(target)}">p{page}</a>' if target else ""
    cells = "".join(f"<td>{e(t)}</td>" for t in texts)
    css = ' class="failed"' if failed else ""
    return f'<tr id="r-{e(key)}"{css}><td>{where}</td>{cells}</tr>'


def table_row(table) -> str:
    """A table: its title, linking to its first cell with text."""
    first = next(
        (
            (f"t-{table.table_id}-{r}-{c}", cell.page)
            for r, cells in enumerate(table.rows)
            for c, cell in enumerate(cells)
            if (cell.ink or cell.bbox) and cell.text and cell.merged_from is None
        ),
        None,
    )
    key, page = first if first else (f"t-{table.table_id}", table.pages[0] if table.pages else None)
    return row(key, page, first is not None, [table.table_id, table.title or "(untitled)"])


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
        f'<tr><td><a href="{e(d.doc_id)}.html">{e(d.doc_id)}</a></td><td>{e(d.title)}</td>'
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
