"""Read stage: a PDF (pdfplumber) or extracted text file into a RawDocument.

Owns: opening files and turning every failure into a one-line ReadError; per page, the
de-duplicated characters ("fake bold" doubles removed), visible ruling-line edges, image
boxes, and a quality verdict (ok / no_text / garbled / blank) so that a page whose text layer
is missing or decodes to nonsense is flagged for OCR instead of yielding garbage.
Plain .txt input (text as extracted from a PDF, tab-separated table rows) becomes pages of
text lines, split where a run of blank lines marks a page break.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from .model import BBox, Char, Edge, RawDocument, RawPage
from .quality import judge_page_text

# pdfminer logs every damaged object at WARNING; the page verdicts carry what matters
logging.getLogger("pdfminer").setLevel(logging.ERROR)

PDF_MAGIC = b"%PDF-"
MIN_EDGE = 2.0  # points: shorter strokes are glyph parts or dots, not ruling lines


class ReadError(Exception):
    """A file that cannot be read as a document; the message is one line naming the reason."""


def read_document(path: str | Path) -> RawDocument:
    path = Path(path)
    if not path.exists():
        raise ReadError("file not found")
    if path.is_dir():
        raise ReadError("is a directory, not a file")
    data = path.read_bytes()
    if not data:
        raise ReadError("empty file (0 bytes)")
    sha = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in (".txt", ".text"):
        return read_text(path, data, sha)
    if not data.lstrip()[:5].startswith(PDF_MAGIC):
        kind = sniff_kind(data)
        raise ReadError(f"not a PDF (content looks like {kind})")
    return read_pdf(path, sha)


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
    try:
        data[:4096].decode("utf-8")
        return "plain text; rename it to .txt to read it as text"
    except UnicodeDecodeError:
        return "unknown binary data"


# --------------------------------------------------------------------------- PDF
def read_pdf(path: Path, sha: str) -> RawDocument:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfplumber wraps pdfminer's many error types
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise ReadError("encrypted PDF: a password is needed to open it") from exc
        if isinstance(cause, PDFEncryptionError):
            raise ReadError(f"encrypted PDF with unsupported encryption ({cause})") from exc
        if isinstance(cause, PDFSyntaxError):
            raise ReadError(f"corrupt PDF: {cause}") from exc
        raise ReadError(f"corrupt PDF: {type(cause).__name__}: {cause}".rstrip(": ")) from exc
    with pdf:
        try:
            page_list = list(pdf.pages)
        except Exception as exc:
            raise ReadError(f"corrupt PDF: page tree unreadable ({type(exc).__name__})") from exc
        if not page_list:
            raise ReadError("PDF has no pages")
        pages = list(read_pages(page_list))
        metadata = {k: str(v) for k, v in (pdf.metadata or {}).items() if isinstance(v, str | bytes | int)}
    return RawDocument(doc_id=path.stem, path=str(path), sha256=sha, kind="pdf", pages=pages, metadata=metadata)


def read_pages(page_list: list) -> Iterator[RawPage]:
    for page in page_list:
        try:
            yield read_page(page)
        except Exception as exc:  # a damaged content stream spoils one page, not the document
            yield RawPage(
                number=page.page_number,
                width=float(page.width or 0),
                height=float(page.height or 0),
                quality="garbled",
                quality_detail=f"page content unreadable ({type(exc).__name__}: {str(exc)[:80]})",
            )
        finally:
            page.close()  # release the parsed layout: memory stays flat on long documents


def read_page(page) -> RawPage:
    plain = page.dedupe_chars(tolerance=1)
    chars = [to_char(c) for c in plain.chars if visible_char(c)]
    edges = [e for e in (to_edge(obj) for obj in page.edges if visible_edge(obj)) if e is not None]
    images: list[BBox] = [(float(i["x0"]), float(i["top"]), float(i["x1"]), float(i["bottom"])) for i in page.images]
    raw = RawPage(
        number=page.page_number,
        width=float(page.width),
        height=float(page.height),
        chars=chars,
        edges=edges,
        images=images,
        rotation=int(page.rotation or 0) % 360,
    )
    if raw.rotation in (90, 270) and chars and sum(not c.upright for c in chars) > len(chars) / 2:
        unrotate(raw)
    raw.quality, raw.quality_detail = judge_page_text("".join(c.text for c in chars), bool(images), len(edges))
    return raw


def unrotate(page: RawPage) -> None:
    """A page shown turned by /Rotate: put its text back upright, so lines run left to right."""
    width, height = page.width, page.height

    def box(x0: float, top: float, x1: float, bottom: float) -> BBox:
        if page.rotation == 90:
            return top, width - x1, bottom, width - x0
        return height - bottom, x0, height - top, x1

    for ch in page.chars:
        ch.x0, ch.top, ch.x1, ch.bottom = box(ch.x0, ch.top, ch.x1, ch.bottom)
        ch.upright = True
    page.edges = [Edge("v" if e.orientation == "h" else "h", *box(e.x0, e.top, e.x1, e.bottom)) for e in page.edges]
    page.images = [box(*b) for b in page.images]
    page.width, page.height = height, width


def to_char(c: dict) -> Char:
    return Char(
        text=c["text"],
        x0=float(c["x0"]),
        top=float(c["top"]),
        x1=float(c["x1"]),
        bottom=float(c["bottom"]),
        size=float(c.get("size") or (c["bottom"] - c["top"])),
        font=str(c.get("fontname", "")),
        upright=bool(c.get("upright", True)),
    )


def is_white(color: object) -> bool:
    if color is None:
        return False
    if isinstance(color, int | float):
        return float(color) >= 0.98
    if isinstance(color, list | tuple):
        values = [float(v) for v in color if isinstance(v, int | float)]
        if len(values) == 1:
            return values[0] >= 0.98
        if len(values) == 3:
            return min(values) >= 0.98
        if len(values) == 4:  # CMYK: white is no ink
            return max(values) <= 0.02
    return False


def visible_char(c: dict) -> bool:
    return bool(c["text"].strip()) and not is_white(c.get("non_stroking_color"))


def visible_edge(obj: dict) -> bool:
    """Ruling lines are stroked in a visible colour, or thin filled bars; white or unpainted shapes are not."""
    if obj.get("object_type") == "curve" and obj.get("orientation") is None:
        return False
    stroked = obj.get("stroke", True) and not is_white(obj.get("stroking_color"))
    filled = obj.get("fill", False) and not is_white(obj.get("non_stroking_color"))
    return bool(stroked or filled)


def to_edge(obj: dict) -> Edge | None:
    orientation = obj.get("orientation")
    x0, top, x1, bottom = float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"])
    if orientation == "h" and x1 - x0 >= MIN_EDGE:
        return Edge("h", x0, top, x1, bottom)
    if orientation == "v" and bottom - top >= MIN_EDGE:
        return Edge("v", x0, top, x1, bottom)
    return None


# --------------------------------------------------------------------------- text
def read_text(path: Path, data: bytes, sha: str) -> RawDocument:
    for encoding in ("utf-8-sig", "gb18030", "big5"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReadError("text file in an unknown encoding (tried UTF-8, GB18030, Big5)")
    if "\x00" in text:
        raise ReadError("binary data in a .txt file")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    if not text.strip():
        raise ReadError("text file has no text")
    lines = [re.sub(r"[ \u3000]+$", "", line) for line in text.split("\n")]
    page = RawPage(number=1, width=0.0, height=0.0, text_lines=lines)
    page.quality, page.quality_detail = judge_page_text(text, False, 0)
    return RawDocument(doc_id=path.stem, path=str(path), sha256=sha, kind="text", pages=[page])
