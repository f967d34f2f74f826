"""One document through every stage: read → OCR → layout → normalise → structure.

``extract_file`` is the library's front door for a single file; batch.py runs it over many
files in parallel and rules/apply turn its Document into records.
"""

from __future__ import annotations

from pathlib import Path

from .layout import Prepared, lay_out
from .model import Document, LaidOutPage, RawDocument, TextLine
from .normalize import detect_script, normalize_pages
from .ocr import ocr_document
from .read import READERS, Progress, read_document
from .settings import OCR, TABLES, OcrSettings, TableSettings
from .structure import build_document


def extract_file(
    path: str | Path,
    doc_id: str | None = None,
    progress: Progress | None = None,
    ocr: OcrSettings = OCR,
    tables: TableSettings = TABLES,
    reader: str = READERS[0],
) -> Document:
    """One file's document model; ``doc_id`` defaults to the file's stem, ``progress`` hears of
    pages, ``ocr`` says which pages are read by OCR (by default those whose text layer cannot be),
    ``tables`` how tables are found and stitched, ``reader`` which PDF parser reads it."""
    return document_from_raw(read_pages(path, doc_id, progress, ocr, reader), tables)


def read_pages(
    path: str | Path,
    doc_id: str | None,
    progress: Progress | None,
    ocr: OcrSettings,
    reader: str = READERS[0],
) -> RawDocument:
    """The file's pages as read, and OCRed where needed."""
    return ocr_document(read_document(path, doc_id, progress, reader), ocr, progress)


def document_from_raw(
    raw: RawDocument, tables: TableSettings = TABLES, ready: dict[int, Prepared] | None = None
) -> Document:
    """The document model of pages already read (and OCRed): layout, normalisation, structure.
    ``ready``: pages already prepared for layout with these ``tables`` settings, by number."""
    pages = lay_out(raw, tables, ready)
    script = detect_script(page_text(pages))
    normalize_pages(pages, script)
    return build_document(raw, pages, script, tables)


def page_text(pages: list[LaidOutPage]) -> str:
    parts = []
    for page in pages:
        for item in page.items:
            if isinstance(item, TextLine):
                parts.append(item.text)
            else:
                parts.extend(cell.text for row in item.rows for cell in row)
    return "".join(parts)
