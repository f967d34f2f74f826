"""Read stage: a PDF or an extracted-text file into a RawDocument.

Owns: opening files and turning every failure into a one-line ReadError, and choosing the
reader. Per page, whichever reader: the de-duplicated characters ("fake bold" doubles removed),
visible ruling-line edges, image boxes, and a quality verdict (ok / no_text / garbled / blank)
so that a page whose text layer is missing or decodes to nonsense is flagged for OCR instead of
yielding garbage.

    pdfium.py   the default reader: PDFium (pypdfium2), in C
    plumber.py  the reference reader: pdfplumber (pdfminer), in Python, ``--reader pdfplumber``
    pages.py    what both share: glyphs and strokes to a RawPage, fake-bold doubles, the verdict
    text.py     .txt input
    source.py   what a reader hands back
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ReadError
from ..model import RawDocument
from ..preflight import preflight
from ..settings import LIMITS
from .pages import dedupe_glyphs
from .selection import READ_ALL, READERS, Reading, chosen_pages
from .source import PdfPages, Progress
from .text import read_text

__all__ = [
    "READERS",
    "READ_ALL",
    "Opened",
    "Progress",
    "ReadError",
    "Reading",
    "dedupe_glyphs",
    "display_path",
    "open_document",
    "page_total",
    "read_document",
    "read_opened",
    "reading_kind",
]

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # readers accept junk (a byte-order mark, an HTTP header) before %PDF- within 1 KB


@dataclass(frozen=True)
class Opened:
    """A file read and checked, before its pages are: enough to know how many there are."""

    path: Path
    doc_id: str
    sha256: str
    kind: str  # "pdf" or "text", by the file's name (reading_kind)
    data: bytes  # the file's bytes; a PDF's as qpdf passed or repaired them
    pages: int = 0  # a PDF's page count
    repairs: tuple[str, ...] = ()  # what qpdf had to repair


def read_document(
    path: str | Path,
    doc_id: str | None = None,
    progress: Progress | None = None,
    reader: str = READERS[0],
    pages: range | None = None,
) -> RawDocument:
    """The file read by ``reader``; ``pages`` (0-based indices) reads only those pages of a PDF."""
    return read_opened(open_document(path, doc_id), progress, Reading(reader), pages)


def open_document(path: str | Path, doc_id: str | None = None, password: str = "") -> Opened:
    """The file's bytes, hashed, and a PDF checked (and repaired, and decrypted with ``password``)
    by qpdf; a ReadError says why not."""
    path = Path(path)
    data = read_input(path)
    sha = hashlib.sha256(data).hexdigest()
    doc_id = doc_id or path.stem
    if reading_kind(path) == "text":
        return Opened(path, doc_id, sha, "text", data)
    if PDF_MAGIC not in data[:PDF_HEADER_WINDOW]:
        kind = sniff_kind(data)
        raise ReadError(f"not a PDF (content looks like {kind})")
    checked = preflight(path, data, password)
    return Opened(path, doc_id, sha, "pdf", checked.data, checked.pages, tuple(checked.repairs))


def page_total(opened: Opened, reading: Reading) -> int:
    """How many pages ``reading`` reads of a PDF (ReadError when it asks for none it has)."""
    return len(chosen_pages(reading.pages, opened.pages)[0])


def read_opened(
    opened: Opened, progress: Progress | None = None, reading: Reading = READ_ALL, within: range | None = None
) -> RawDocument:
    """The pages of a file opened by open_document that ``reading`` picks (all by default) or,
    with ``within``, those positions among them; a PDF read in part says so in its warnings."""
    if opened.kind == "text":
        return read_text(display_path(opened.path), opened.doc_id, opened.data, opened.sha256)
    indices, said = chosen_pages(reading.pages, opened.pages)
    if within is not None:
        indices = indices[max(within.start, 0) : max(within.stop, 0)]
    raw = read_pdf(opened, progress, reading.reader, indices)
    return replace(raw, warnings=[*raw.warnings, said]) if said else raw


def display_path(path: str | Path) -> str:
    """A path for outputs and messages: bytes that are not UTF-8 shown escaped (\\xbd), never a crash."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def reading_kind(path: Path) -> str:
    """How a file is read: .txt/.text as extracted text, everything else as a PDF."""
    return "text" if path.suffix.lower() in (".txt", ".text") else "pdf"


def read_input(path: Path) -> bytes:
    """The file's bytes, or a ReadError naming why they cannot be had."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReadError("file not found") from None
    except OSError as exc:
        raise ReadError(f"cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReadError("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ReadError("not a regular file (a pipe, socket or device); copy the document to a file first")
    if info.st_size > LIMITS.max_input_mb * 1_000_000:
        raise ReadError(
            f"file is {info.st_size / 1e9:.1f} GB; files over {LIMITS.max_input_mb / 1000:g} GB are not read"
        )
    try:
        data = path.read_bytes()
    except PermissionError:
        raise ReadError("permission denied: the file cannot be read by this user") from None
    except OSError as exc:
        raise ReadError(f"cannot read the file ({exc.strerror or exc})") from None
    if not data:
        raise ReadError("empty file (0 bytes)")
    return data


def sniff_kind(data: bytes) -> str:
    signatures = {
        b"\xff\xd8\xff": "a JPEG image",
        b"\x89PNG": "a PNG image",
        b"PK\x03\x04": "a ZIP/Office file",
        b"\xd0\xcf\x11\xe0": "an old Office file",
        b"GIF8": "a GIF image",
        b"II*\x00": "a TIFF image",
        b"MM\x00*": "a TIFF image",
        b"<html": "HTML",
        b"<!DOCTYPE": "HTML",
    }
    for magic, kind in signatures.items():
        if data.startswith(magic):
            return kind
    try:  # incremental: a character cut at the 4 KB mark is not an error
        codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=False)
        return "plain text; rename it to .txt to read it as text"
    except UnicodeDecodeError:
        return "unknown binary data"


# --------------------------------------------------------------------------- PDF
def read_pdf(
    opened: Opened, progress: Progress | None = None, reader: str = READERS[0], pages: list[int] | None = None
) -> RawDocument:
    if progress:
        progress(pages=len(pages) if pages is not None else opened.pages)
    read = backend(reader)(opened.data, pages, progress)
    warnings = [f"repaired by qpdf: {'; '.join(opened.repairs)}"] if opened.repairs else []
    return RawDocument(
        doc_id=opened.doc_id,
        path=display_path(opened.path),
        sha256=opened.sha256,
        kind="pdf",
        pages=read.pages,
        metadata=read.metadata,
        warnings=warnings,
        data=opened.data,
    )


def backend(reader: str) -> Callable[[bytes, Sequence[int] | None, Progress | None], PdfPages]:
    """The reader's read_pdf_pages(data, pages, progress) -> PdfPages."""
    if reader == "pdfium":
        from .pdfium import read_pdf_pages
    elif reader == "pdfplumber":
        from .plumber import read_pdf_pages
    else:
        raise ValueError(f"unknown reader {reader!r}; choose from {', '.join(READERS)}")
    return read_pdf_pages
