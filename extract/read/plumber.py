"""The pdfplumber reader (``--reader pdfplumber``): pdfminer parses every page in Python.

Owns: turning pdfplumber's character, edge and image dictionaries into the reader-neutral page
parts of pages.py. Kept as the reference the pdfium reader is proven equal to
(tests/test_readers.py), and as a second opinion when a PDF reads oddly: reading takes about
three times as long (13.2 s against 4.7 s on the benchmark pages, benchmarks/RESULTS.md).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence

from ..errors import ReadError
from ..model import BBox, Char, RawPage
from .pages import Glyph, Stroke, finish_page, is_white
from .source import PdfPages, Progress, one_line, unreadable_page

# pdfminer logs every damaged object at WARNING; the page verdicts carry what matters
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def read_pdf_pages(data: bytes, pages: Sequence[int] | None = None, progress: Progress | None = None) -> PdfPages:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfplumber wraps pdfminer's many error types
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        raise ReadError(f"corrupt PDF: {one_line(cause)}") from exc
    with pdf:
        try:
            page_list = list(pdf.pages)
        except Exception as exc:
            raise ReadError(f"corrupt PDF: page tree unreadable ({type(exc).__name__})") from exc
        if not page_list:
            raise ReadError("PDF has no pages")
        chosen = [page_list[i] for i in pages] if pages is not None else page_list
        read = list(read_each(chosen, progress))
        metadata = {k: str(v) for k, v in (pdf.metadata or {}).items() if isinstance(v, str | bytes | int)}
    return PdfPages(read, metadata, len(page_list))


def read_each(page_list: list, progress: Progress | None) -> Iterator[RawPage]:
    for page in page_list:
        try:
            yield read_page(page)
        except Exception as exc:  # a damaged content stream spoils one page, not the document
            yield unreadable_page(page.page_number, float(page.width or 0), float(page.height or 0), exc)
        finally:
            page.close()  # release the parsed layout: memory stays flat on long documents
        if progress:
            progress(page=page.page_number)


def read_page(page) -> RawPage:
    glyphs = [Glyph(to_char(c), is_white(c.get("non_stroking_color"))) for c in page.chars]
    strokes = [to_stroke(obj) for obj in page.edges]
    images: list[BBox] = [(float(i["x0"]), float(i["top"]), float(i["x1"]), float(i["bottom"])) for i in page.images]
    size = (float(page.width), float(page.height))
    return finish_page(page.page_number, size, int(page.rotation or 0), glyphs, strokes, images, len(page.curves))


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


def to_stroke(obj: dict) -> Stroke:
    """Ruling lines are stroked in a visible colour, or thin filled bars; white or unpainted shapes are not."""
    stroked = obj.get("stroke", True) and not is_white(obj.get("stroking_color"))
    filled = obj.get("fill", False) and not is_white(obj.get("non_stroking_color"))
    return Stroke(
        obj.get("orientation"),
        float(obj["x0"]),
        float(obj["top"]),
        float(obj["x1"]),
        float(obj["bottom"]),
        bool(stroked or filled),
    )
