"""The pdfium reader (the default) is the pdfplumber reader, only faster.

Every corpus rendering, every producer-matrix PDF and every real-world PDF is read by both, and
the documents and records they give are compared: every text, cell, value and unit equal, every
coordinate within 0.05 pt (PDFium keeps coordinates as 32-bit floats). Where the two libraries
read a file differently, the difference is named in DEPARTURES and only it is allowed:

- positions: pdfminer adds character spacing (Tc) only between the glyphs of a string, not after
  the last one as ISO 32000-1 §9.4.4 says, so glyphs after a string set with Tc ≠ 0 sit up to a
  few points off; PDFium keeps fractional /Widths as whole numbers (299.8 → 299), so glyphs of a
  ReportLab string drift by up to half a point. Text, tables and values must still be equal;
  only positions, and a paragraph break that pdfminer's short line made, may differ.
- glyph: Chromium's Type 3 fonts give the Noto glyph that 户 and 戶 share; PDFium reads 户 (as the
  source HTML has it), pdfminer 戶. Equal once that one character is folded.

Unit tests below draw the cases the documents may not have: pages turned by /Rotate, rules
inside forms, white text, fake bold, images.
"""

from __future__ import annotations

import io
from dataclasses import asdict, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, REALWORLD, extracted

from extract.apply import apply_rules
from extract.batch import rules_for
from extract.pipeline import document_from_raw, read_pages
from extract.read import read_document
from extract.rulefolders import default_rules_dir
from extract.settings import OCR

TOLERANCE = 0.05  # points
DEPARTURES = {
    "hk-legco-hansard-2012-11-21": "positions",  # Tc on Times runs: line ends 1 pt short, a paragraph split
    "tw-yunlin-council-motions-2012": "positions",  # Tc ±0.72 on every title run: line ends up to 5 pt apart
    "hangzhou-weekly-2018-07-20.reportlab-none": "positions",  # fractional /Widths
    "hangzhou-weekly-2018-08-03.reportlab-zebra": "positions",
    "zhejiang-notice-2018-30.reportlab-none": "positions",
    "hangzhou-weekly-2018-07-20.chromium-three-line": "glyph",
    "hangzhou-weekly-2018-08-03.chromium-none-landscape": "glyph",
    "zhejiang-notice-2018-30.chromium-rows": "glyph",
    "zhejiang-notice-2018-30.chromium-three-line-landscape": "glyph",
}
SHARED_GLYPH = str.maketrans("戶", "户")


@cache
def read_by(path: str, reader: str, fold: bool = False) -> dict[str, Any]:
    """Both extractions; ``fold``: pdfplumber's characters with the shared glyph read as PDFium reads it."""
    if reader == "pdfium":
        document = extracted(path)
    else:
        raw = read_pages(path, None, None, replace(OCR, mode="never"), reader)
        for page in raw.pages:
            for char in page.chars:
                char.text = char.text.translate(SHARED_GLYPH) if fold else char.text
        document = document_from_raw(raw)
    records = apply_rules(document, rules_for(str(default_rules_dir())))
    written = asdict(document)
    for paragraph in written["paragraphs"]:  # what is written out (model.INTERNAL): the boxes they make are
        paragraph.pop("glyphs")
    return {"document": written, "records": asdict(records)}


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two extractions differ: texts and structure exactly, numbers within TOLERANCE."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for key in a for d in differences(a[key], b[key], f"{where}.{key}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items, {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= TOLERANCE else [f"{where}: {a} vs {b}"]
    return [] if a == b else [f"{where}: {str(a)[:80]!r} vs {str(b)[:80]!r}"]


FREE_TEXT = ("text", "label", "context", "task", "owner", "raw", "section_id", "title", "heading")


def what_is_said(extraction: dict[str, Any]) -> dict[str, Any]:
    """Where pdfminer misplaces glyphs it also splits lines and words ("2012 -2013") and so
    paragraphs, labels and sections: compare the printed characters (``original``, spaces
    out), every table and every figure, date and check, not the free text built from lines."""
    document = extraction["document"]
    printed = "".join(p["original"] for p in document["paragraphs"])
    said = without_positions({"tables": document["tables"], "records": extraction["records"]})
    for kind in ("metrics", "deadlines", "checks"):
        said["records"][kind] = [{k: v for k, v in r.items() if k not in FREE_TEXT} for r in said["records"][kind]]
    return {"printed": "".join(printed.split()), **said}


def without_positions(value: Any) -> Any:
    """The extraction with every coordinate and page box left out: what it says, not where."""
    if isinstance(value, dict):
        return {k: without_positions(v) for k, v in value.items() if k not in ("bbox", "ink", "lines", "ys", "xs")}
    if isinstance(value, list | tuple):
        return [without_positions(v) for v in value]
    return value


def readable_pdfs() -> list[Path]:
    pdfs = sorted(CORPUS.glob("*.pdf")) + sorted((CORPUS / "producers").glob("*.pdf"))
    return pdfs + (sorted(REALWORLD.glob("*.pdf")) if REALWORLD.is_dir() else [])


@pytest.mark.parametrize("path", readable_pdfs(), ids=lambda p: p.stem)
def test_both_readers_give_the_same_document(path: Path) -> None:
    departure = DEPARTURES.get(path.stem)
    plumber = read_by(str(path), "pdfplumber", fold=departure == "glyph")
    pdfium = read_by(str(path), "pdfium")
    if departure == "positions":
        plumber, pdfium = what_is_said(plumber), what_is_said(pdfium)
    found = differences(plumber, pdfium)
    assert not found, f"{len(found)} differences, first: {found[:5]}"


def test_every_departure_is_a_file_read_here() -> None:
    stems = {p.stem for p in readable_pdfs()}
    assert not REALWORLD.is_dir() or set(DEPARTURES) <= stems


# --------------------------------------------------------------------------- drawn cases
def drawn_pdf(draw) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    draw(pdf)
    pdf.save()
    return buffer.getvalue()


def page_parts(data: bytes, reader: str, tmp_path: Path) -> list[tuple]:
    path = tmp_path / f"{reader}.pdf"
    path.write_bytes(data)
    page = read_document(path, reader=reader).pages[0]
    chars = sorted((c.text, c.x0, c.top, c.x1, c.bottom, c.size, c.upright, c.bold) for c in page.chars)
    edges = sorted((e.orientation, e.x0, e.top, e.x1, e.bottom) for e in page.edges)
    return [(page.width, page.height, page.rotation, page.quality), chars, edges, sorted(page.images)]


def assert_same_page(data: bytes, tmp_path: Path) -> list[tuple]:
    plumber, pdfium = page_parts(data, "pdfplumber", tmp_path), page_parts(data, "pdfium", tmp_path)
    assert plumber[0] == pdfium[0]
    for kind, a, b in zip(("chars", "edges", "images"), plumber[1:], pdfium[1:]):
        assert len(a) == len(b), kind
        for x, y in zip(a, b):
            assert differences(list(x), list(y)) == [], (kind, x, y)
    return pdfium


def ruled_table(pdf) -> None:
    pdf.setFont("Helvetica", 11)
    for row in range(4):
        pdf.line(72, 700 - row * 20, 372, 700 - row * 20)
        pdf.drawString(80, 686 - row * 20, f"row {row} 12.5%")
    for x in (72, 222, 372):
        pdf.line(x, 700, x, 640)


def test_turned_page(tmp_path: Path) -> None:
    def draw(pdf) -> None:
        pdf.setPageRotation(90)
        ruled_table(pdf)

    parts = assert_same_page(drawn_pdf(draw), tmp_path)
    assert parts[0][2] == 90 and parts[1] and parts[2]


def test_rules_and_text_inside_a_form(tmp_path: Path) -> None:
    def draw(pdf) -> None:
        pdf.beginForm("table")
        ruled_table(pdf)
        pdf.endForm()
        pdf.saveState()
        pdf.translate(20, -300)
        pdf.scale(1.2, 0.9)
        pdf.doForm("table")
        pdf.restoreState()

    parts = assert_same_page(drawn_pdf(draw), tmp_path)
    assert len(parts[2]) == 7 and parts[2][0][1] > 80  # moved and scaled with the form


def test_white_text_shaded_rows_fake_bold_and_images(tmp_path: Path) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    def draw(pdf) -> None:
        pdf.setFillGray(0.85)
        pdf.rect(72, 600, 300, 18, stroke=0, fill=1)  # a shaded row
        pdf.setFillGray(1)
        pdf.drawString(80, 560, "hidden")  # white: not on paper
        pdf.setFillGray(0)
        for dx in (0, 0.3):  # fake bold: the same glyphs drawn twice
            pdf.drawString(80 + dx, 520, "bold")
        pdf.setStrokeGray(1)
        pdf.line(72, 500, 372, 500)  # a white rule
        pdf.drawImage(ImageReader(Image.new("RGB", (20, 10), "red")), 400, 400, 100, 50)

    parts = assert_same_page(drawn_pdf(draw), tmp_path)
    assert "".join(c[0] for c in parts[1]) == "bdlo"
    assert len(parts[2]) == 4 and len(parts[3]) == 1  # the shaded row's sides; the white rule is paper


def test_page_lists() -> None:
    from extract.read.selection import chosen_pages, pages_text, parse_pages

    spans = parse_pages(" 3, 1-2 ,2,8-")
    assert spans == ((3, 3), (1, 2), (2, 2), (8, 0)) and pages_text(spans) == "3,1-2,2,8-"
    assert chosen_pages(spans, 9) == ([0, 1, 2, 7, 8], "read 5 of its 9 pages (--pages 3,1-2,2,8-)")
    assert chosen_pages(spans, 2) == ([0, 1], "read 2 of its 2 pages (--pages 3,1-2,2,8-)")
    assert chosen_pages((), 4) == ([0, 1, 2, 3], "")
