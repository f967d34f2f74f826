"""Pages a text layer cannot read, built from corpus pages: scans, watermark-only scans, words drawn
as pictures with only the digits as text, glyphs with no character map, and documents mixing them
with good pages."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from PIL import Image


def page_image(pdf: Path, index: int, dpi: int = 100) -> Image.Image:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return document[index].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


def images_to_pdf(images: list[Image.Image], dpi: int = 100) -> bytes:
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


def add_text(pdf_bytes: bytes, page: int, items: list[tuple[float, float, str]], size: float = 9) -> bytes:
    """Latin text (Helvetica) drawn on a page at PDF coordinates (x, y from the bottom)."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        target = pdf.pages[page]
        font = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        )
        target.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/Fx"))
        ops = b"".join(
            b"BT /Fx %.1f Tf %.2f %.2f Td (%s) Tj ET\n" % (size, x, y, t.encode("latin-1")) for x, y, t in items
        )
        target.contents_add(pdf.make_stream(ops), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def scanned(pdf: Path, index: int) -> bytes:
    """One page as a scan: an image and no text."""
    return images_to_pdf([page_image(pdf, index)])


def watermark_scan(pdf: Path, index: int) -> bytes:
    """A phone-app scan: the page as an image, and the app's line as the only text."""
    return add_text(scanned(pdf, index), 0, [(200, 20, "Scanned with CamScanner")])


def digits_over_picture(pdf: Path, index: int) -> bytes:
    """The page drawn as a picture with only its digits as text (a register whose Chinese is drawn)."""
    import pdfplumber

    with pdfplumber.open(pdf) as source:
        page = source.pages[index]
        digits = [(c["x0"], float(page.height) - c["bottom"], c["text"]) for c in page.chars if c["text"].isdigit()]
    return add_text(scanned(pdf, index), 0, digits, size=8)


def unmapped_glyphs(pdf: Path) -> bytes:
    """Every font's character map taken away: the glyphs read as (cid:N)."""
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            fonts = page.obj.get("/Resources", {}).get("/Font", {})
            for font in fonts.values():
                for target in [font, *(font.get("/DescendantFonts") or [])]:
                    if "/ToUnicode" in target:
                        del target["/ToUnicode"]
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def with_page_replaced(pdf: Path, index: int, replacement: bytes) -> bytes:
    """The document with one page swapped for the first page of another PDF."""
    with pikepdf.open(pdf) as document, pikepdf.open(io.BytesIO(replacement)) as other:
        document.pages[index] = other.pages[0]
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
