"""Boxes on a value's own characters, and the review page that shows them on the page.

The truth for a box is the text layer read by pdfplumber on its own (not our pipeline): the
characters whose middles fall inside a figure's or deadline's box must print that figure or
deadline, no more and no less. The review page is checked as files (every record boxed where
its box says, linked both ways, failed checks and warnings marked) and in Debian's Chromium,
driven by Playwright: a click on a record shows its box on the page image, over the same
characters PDFium draws there.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pytest
from conftest import CORPUS, extracted

from extract.apply import apply_rules
from extract.batch import DocResult
from extract.model import Paragraph, Records, TextLine
from extract.normalize import normalize_line, to_simplified
from extract.pipeline import extract_file
from extract.review import IMAGE_SCALE, ReviewSource, review_files
from extract.rulefolders import default_rules_dir
from extract.rules import load_rules

CORPUS_PDFS = sorted(CORPUS.glob("*.pdf"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = os.environ.get("EXTRACT_REVIEW_SHOTS")  # a folder to keep the browser test's screenshots in


@cache
def records_of(path: Path):
    document = extracted(str(path))
    return document, apply_rules(document, load_rules(default_rules_dir()))


def printed_inside(page, box: tuple[float, float, float, float]) -> str:
    """The text layer's characters whose middles are inside the box, line by line, without spaces."""
    x0, top, x1, bottom = box
    inside = [
        c for c in page.chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
    ]
    inside.sort(key=lambda c: (round(c["top"]), c["x0"]))
    text = "".join(c["text"] for c in inside)
    return to_simplified(re.sub(r"\s+", "", text.translate(WIDE)))


WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # full-width digits and signs, as printed


def prose_values(records) -> list[tuple[str, int, tuple]]:
    metrics = [(m.raw, m.page, m.bbox) for m in records.metrics if m.source == "text"]
    deadlines = [(d.deadline_text, d.page, d.bbox) for d in records.deadlines if d.source == "text"]
    return metrics + deadlines


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.stem)
def test_value_boxes_hold_their_own_characters(path: Path) -> None:
    """A figure or deadline in prose is boxed at its characters: on one line, exactly them; split
    over two lines, both parts (and the lines between); split over two pages, the part on its page,
    the rest opening the next page."""
    _, records = records_of(path)
    values = prose_values(records)
    assert values
    wrong = []
    with pdfplumber.open(path) as pdf:
        for raw, number, box in values:
            want = re.sub(r"\s+", "", raw.translate(WIDE))
            page = pdf.pages[number - 1]
            text = printed_inside(page, box)
            line = min(c["bottom"] - c["top"] for c in page.chars if c["text"].strip())
            if box[3] - box[1] > 2 * line:  # over two lines: the box is their union
                ok = want in text
            elif text != want and want.startswith(text) and number < len(pdf.pages):
                rest = want[len(text) :]
                following = re.sub(r"\s+", "", pdf.pages[number].extract_text() or "")
                ok = bool(text) and rest in to_simplified(following)[:200]
            else:
                ok = text == want
            if not ok:
                wrong.append((raw, number, box, text))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("path", [p for p in CORPUS_PDFS if p.stem.startswith("hangzhou-weekly")], ids=lambda p: p.stem)
def test_table_figures_are_boxed_at_their_cells_characters(path: Path) -> None:
    """A figure from a table cell: its box is the box round the cell's characters on the text
    layer (not the cell's rules), and they print the figure."""
    _, records = records_of(path)
    figures = [m for m in records.metrics if m.source.startswith("table:")]
    assert len(figures) > 500
    wrong = []
    with pdfplumber.open(path) as pdf:
        for m in figures:
            page = pdf.pages[m.page - 1]
            x0, top, x1, bottom = m.bbox
            inside = [
                c
                for c in page.chars
                if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
            ]
            ink = (
                min(c["x0"] for c in inside),
                min(c["top"] for c in inside),
                max(c["x1"] for c in inside),
                max(c["bottom"] for c in inside),
            )
            if (
                printed_inside(page, m.bbox) != re.sub(r"\s+", "", m.raw)
                or max(abs(a - b) for a, b in zip(ink, m.bbox)) > 0.01
            ):
                wrong.append((m.raw, m.page, m.bbox, ink))
    assert not wrong, wrong[:5]


def test_values_on_one_line_are_boxed_tighter_than_their_line() -> None:
    """Not the whole printed line: a figure's box is narrower than the paragraph's line it is on."""
    _, records = records_of(CORPUS / "zhejiang-notice-2018-30.pdf")
    first = next(m for m in records.metrics if m.raw == "100项")
    assert first.page == 3
    x0, _, x1, _ = first.bbox
    assert x1 - x0 < 60  # "100 项" at 16 points; its line is 442 points wide


def test_a_run_in_heading_is_boxed_alone() -> None:
    """（四）做好政务信息系统改造对接。2018年7月底前，… : the heading's box ends where its words end,
    on the text layer's characters; a heading on a line of its own keeps its line."""
    path = CORPUS / "zhejiang-notice-2018-30.pdf"
    document, _ = records_of(path)
    run_in = next(s for s in document.sections if s.heading == "做好政务信息系统改造对接")
    alone = next(s for s in document.sections if s.label == "一、")
    with pdfplumber.open(path) as pdf:
        assert printed_inside(pdf.pages[run_in.page - 1], run_in.bbox) == "(四)做好政务信息系统改造对接"
        assert printed_inside(pdf.pages[alone.page - 1], alone.bbox) == "一、" + alone.heading


def test_spans_follow_normalisation() -> None:
    """Each character of a normalised line keeps where it is printed: full-width digits narrowed,
    traditional characters converted one for one, spaces between hanzi dropped, a ligature's
    letters sharing its glyph."""
    line = TextLine("截止 ８月 數據 ﬂ", 1, (0, 0, 100, 10))
    line.xs = [(0, 10), (10, 20), (20, 25), (25, 35), (35, 45), (45, 50), (50, 60), (60, 70), (70, 75), (75, 85)]
    normalize_line(line, "traditional")
    assert line.text == "截止8月数据fl"
    assert line.xs == [(0, 10), (10, 20), (25, 35), (35, 45), (50, 60), (60, 70), (75, 80.0), (80.0, 85)]
    line = TextLine("Open Data", 1, (0, 0, 100, 10))
    line.xs = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80), (80, 90)]
    normalize_line(line, "simplified")
    assert line.xs[4] == (40, 50)  # a space kept between Latin words spans its gap


def test_span_box_of_a_paragraph() -> None:
    para = Paragraph("一二三四五六", 1, (0, 0, 30, 25), lines=[(0, 3, 1, (0, 0, 30, 10)), (3, 6, 1, (0, 15, 30, 25))])
    para.glyphs = [[(0, 10), (10, 20), (20, 30)], None]
    assert para.span_box(1, 2) == (1, (10, 0, 20, 10))
    assert para.span_box(1, 4) == (1, (0, 0, 30, 25))  # over two lines: their union
    assert para.span_box(4, 5) == (1, (0, 15, 30, 25))  # characters not known: the line


# --------------------------------------------------------------------------- the page, as files
@cache
def review_of(path: Path) -> tuple[dict[str, bytes], Records]:
    document, records = records_of(path)
    result = DocResult(path.stem, str(path), document.sha256, "ok", "", document, records, warnings=["a warning"])
    return review_files(result, ReviewSource({path.stem: path})), records


def boxes_in(page_html: str) -> dict[str, dict[str, float]]:
    found = {}
    for match in re.finditer(r'<a class="box [a-z]+" id="([^"]+)" href="#r-[^"]+" style="([^"]+)"', page_html):
        style = dict(part.split(":") for part in match[2].split(";") if part)
        found[html.unescape(match[1])] = {k: float(v.rstrip("%")) for k, v in style.items() if v.endswith("%")}
    return found


def test_every_record_is_boxed_where_its_box_says() -> None:
    path = CORPUS / "hangzhou-weekly-2018-07-20.pdf"
    files, records = review_of(path)
    page_html = files[f"review/{path.stem}/index.html"].decode()
    boxes = boxes_in(page_html)
    with pdfplumber.open(path) as pdf:
        for index, metric in enumerate(records.metrics):
            box = boxes[f"m{index}"]
            page = pdf.pages[metric.page - 1]
            assert box["left"] == pytest.approx(100 * metric.bbox[0] / page.width, abs=0.001)
            assert box["top"] == pytest.approx(100 * metric.bbox[1] / page.height, abs=0.001)
            assert box["width"] == pytest.approx(100 * (metric.bbox[2] - metric.bbox[0]) / page.width, abs=0.002)
            assert f'id="r-m{index}"' in page_html and f'href="#m{index}"' in page_html  # listed, linking to it
    assert sum(key.startswith("d") for key in boxes) == sum(d.bbox is not None for d in records.deadlines) > 0
    assert sum(key.startswith("t-") for key in boxes) > 1000  # every table cell with text
    failed = [c for c in records.checks if not c.passed]
    assert failed and page_html.count('class="failed"') == len(failed)  # failed checks listed first, marked
    assert '<div class="alert">warning: a warning</div>' in page_html
    targets = set(re.findall(r'href="#([^"]+)"', page_html))
    ids = set(re.findall(r' id="([^"]+)"', page_html))
    assert targets and targets <= ids, sorted(targets - ids)[:5]  # no link leads nowhere
    images = sorted(name for name in files if name.endswith(".jpg"))
    assert len(images) == len(pdfplumber.open(path).pages)


def test_review_through_the_command_line(tmp_path: Path) -> None:
    """--review writes review/index.html and a page per document; a later run without it drops them."""
    out = tmp_path / "out"
    source = CORPUS / "zhejiang-notice-2018-30.pdf"
    run = [sys.executable, "-m", "extract", str(source), "-o", str(out), "-q"]
    subprocess.run([*run, "--review", "--pages", "3-4"], check=True)
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    assert 'href="zhejiang-notice-2018-30/index.html"' in index
    assert sorted(p.name for p in (out / "review" / "zhejiang-notice-2018-30").iterdir()) == [
        "index.html",
        "p0003.jpg",
        "p0004.jpg",
    ]
    subprocess.run([*run, "--review", "--pages", "3-4"], check=True)  # from the cache: the same files
    assert (out / "review" / "zhejiang-notice-2018-30" / "index.html").is_file()
    subprocess.run(run, check=True)
    assert not (out / "review").exists()


# --------------------------------------------------------------------------- boxes on the image
def placed_crop(picture, box) -> Any:
    """The part of the page image a box is placed on, as grey levels."""
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(picture.jpeg)).convert("L")
    left, top, width, height = picture.place(box)
    w, h = image.size
    area = (left * w / 100, top * h / 100, (left + width) * w / 100, (top + height) * h / 100)
    return np.asarray(image.crop(tuple(round(v) for v in area))).astype(float)


def reference_crop(box, size: tuple[int, int], turn: int) -> Any:
    """The same figure on the corpus page as printed, turned as the variant shows it."""
    import numpy as np
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(CORPUS / "zhejiang-notice-2018-30.pdf"))
    image = document[2].render(scale=4).to_pil().convert("L")
    document.close()
    crop = image.crop(tuple(round(v * 4) for v in box)).rotate(-turn, expand=True)
    return np.asarray(crop.resize(size)).astype(float)


def page_variant(tmp_path: Path, name: str, change) -> Path:
    import pikepdf

    with pikepdf.open(CORPUS / "zhejiang-notice-2018-30.pdf") as pdf:
        kept = pikepdf.new()
        kept.pages.append(pdf.pages[2])
        change(kept.pages[0])
        target = tmp_path / f"{name}.pdf"
        kept.save(target)
    return target


VARIANTS = {  # name: (what is done to page 3, how many degrees clockwise it is then shown turned)
    "mediabox-off-origin": (lambda page: setattr(page, "MediaBox", [-12, 14.2, 583.2, 856.0]), 0),
    "cropbox-inset": (lambda page: setattr(page, "CropBox", [60, 80, 535, 780]), 0),
    "shown-sideways": (lambda page: setattr(page, "Rotate", 90), 90),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_boxes_land_on_their_characters_whatever_the_page_boxes(tmp_path: Path, name: str) -> None:
    """A page whose MediaBox does not start at 0, one with a CropBox, one shown turned (its text
    read turned back): each figure's box, placed on the page image, holds the ink of that figure
    as the untouched page prints it."""
    import numpy as np

    from extract.review import page_images

    change, turn = VARIANTS[name]
    path = page_variant(tmp_path, name, change)
    document = extracted(str(path))
    records = apply_rules(document, load_rules(default_rules_dir()))
    [(_, picture)] = list(page_images(path.read_bytes(), (), "", document))
    _, original = records_of(CORPUS / "zhejiang-notice-2018-30.pdf")
    printed = next(m for m in original.metrics if m.raw == "100项")
    figure = next(m for m in records.metrics if m.raw == "100项")
    shown = placed_crop(picture, figure.bbox)
    truth = reference_crop(printed.bbox, (shown.shape[1], shown.shape[0]), turn)
    assert shown.min() < 100, "no ink where the figure is placed"
    assert np.corrcoef(shown.ravel(), truth.ravel())[0, 1] > 0.7


def test_boxes_of_a_scan_turned_upright_by_ocr() -> None:
    """A sideways scan is turned and levelled to be read: its image is turned the same way, and
    the figures' boxes hold what OCR reads there."""
    from extract.ocr.engine import read_image
    from extract.review import page_images

    path = CORPUS / "scans" / "scan-sideways.pdf"
    document = extract_file(path)
    records = apply_rules(document, load_rules(default_rules_dir()))
    assert document.ocr[0].turn
    [(_, picture)] = list(page_images(path.read_bytes(), (), "", document))
    figures = [m for m in records.metrics if m.source.startswith("table:")][:6]
    assert len(figures) == 6
    for figure in figures:
        crop = placed_crop(picture, figure.bbox)
        padded = np.pad(crop, 12, constant_values=255).astype("uint8")
        read = "".join(line.text for line in read_image(np.stack([padded] * 3, axis=2)))
        assert read.replace(" ", "") == figure.raw, (figure.raw, read)


# --------------------------------------------------------------------------- the page, in a browser
def test_review_page_in_chromium(tmp_path: Path) -> None:
    """Click a figure in the list: the browser shows the page image with that figure's box over
    the characters PDFium draws there, and the boxes of the others."""
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: run tests/install-deps.sh (the README's test command does)")
    from playwright.sync_api import sync_playwright

    path = CORPUS / "zhejiang-notice-2018-30.pdf"
    files, records = review_of(path)
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    index = next(i for i, m in enumerate(records.metrics) if m.raw == "100项")
    metric = records.metrics[index]
    shots = Path(SHOTS) if SHOTS else tmp_path
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto((tmp_path / "review" / path.stem / "index.html").as_uri())
            page.click(f'a[href="#m{index}"]')
            page.wait_for_function(f"location.hash === '#m{index}'")
            image = page.locator(f"#p{metric.page} img")
            assert image.evaluate("img => img.complete && img.naturalWidth") == pytest.approx(
                595.0 * IMAGE_SCALE, abs=1
            )
            shown = image.bounding_box()
            box = page.locator(f"#m{index}").bounding_box()
            assert box is not None and shown is not None
            scale = shown["width"] / 595.0
            assert box["x"] - shown["x"] == pytest.approx(metric.bbox[0] * scale, abs=1)
            assert box["y"] - shown["y"] == pytest.approx(metric.bbox[1] * scale, abs=1)
            assert box["width"] == pytest.approx((metric.bbox[2] - metric.bbox[0]) * scale, abs=1)
            assert 0 <= box["y"] <= 1000  # scrolled into view
            shot = shots / "review-click.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert_box_over_characters(shot, box, metric.bbox, path, metric.page)


CHROMIUM_ARGS = [  # as root, offline: no sandbox, and no calls to Google's hosts
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def assert_box_over_characters(shot: Path, box: dict, bbox: tuple, pdf: Path, number: int) -> None:
    """The screenshot shows the marked box (magenta, as :target draws it) and inside it the same
    ink PDFium draws for that part of the page: dark where the glyphs are."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    screen = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    x0, y0 = round(box["x"]), round(box["y"])
    x1, y1 = round(box["x"] + box["width"]), round(box["y"] + box["height"])
    edge = screen[y0 + 1, x0 + 4 : x1 - 4]
    assert (np.abs(edge - [255, 0, 255]) < 60).all(axis=1).mean() > 0.8, "no :target box at the figure"
    inner = screen[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4].mean(axis=2)
    document = pdfium.PdfDocument(str(pdf))
    scale = (x1 - x0) / (bbox[2] - bbox[0])
    rendered = document[number - 1].render(scale=scale).to_pil().convert("L")
    document.close()
    left, top = round(bbox[0] * scale), round(bbox[1] * scale)
    truth = np.asarray(rendered.crop((left + 4, top + 4, left + 4 + inner.shape[1], top + 4 + inner.shape[0]))).astype(
        float
    )
    assert inner.min() < 100, "no glyphs inside the box"
    correlation = np.corrcoef(inner.ravel(), truth.ravel())[0, 1]
    assert correlation > 0.6, correlation
