"""OCR stage: pages whose text layer cannot be read are rendered and read by OCR, so that scans,
broken text layers and image-drawn words enter the layout, table and rule stages as positioned
characters, like any other page.

Owns: choosing the pages (``--ocr auto``: those the read stage judged no_text or garbled;
``always``: every page; ``never``: none); reading them in parallel threads; turning each page
upright and level; the characters, in PDF points, with their scores; ruling lines from the image
when the page draws none; keeping a text layer's figures where OCR read the same. It returns a
new RawDocument; the pages it did not touch are the read stage's own objects.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ..model import Char, OcrPage, RawDocument, RawPage
from ..quality import HANZI
from ..settings import OCR, OcrSettings
from ..workers import usable_cores
from .engine import INSTALL_HINT, OcrLine, OcrUnavailable, model_dir, read_image
from .orient import level, level_image, ruling_skew, skew_degrees, turn_image, turn_needed
from .render import PageRenderer
from .rulings import ruling_edges

OCR_FONT = "OCR"
DIGITS = set("0123456789")
FIGURE_CHARS = DIGITS | set(",.")
MIN_VECTOR_EDGES = 4  # a page drawing this many ruling lines has its own; the scan's are not looked for
GLYPH_ORDER_SHARE = 0.3  # in real text neighbouring characters are consecutive code points ~2% of the time
MIN_WORD_SHARE = 0.6  # Latin letters and digits in a page of text without hanzi (English prose: ~0.8)
RUN_GAP = 0.5  # font sizes: a wider gap between digits parts two figures
DISAGREE_SCORE = 0.5  # below any threshold: a figure the text layer prints otherwise is flagged
SIZE_JITTER = 0.1  # detector boxes of one type size spread over 8%; sizes set apart differ by 25% and more
Progress = Any


def needs_ocr(page: RawPage, mode: str) -> bool:
    if mode == "always":
        return True
    return mode == "auto" and page.quality in ("no_text", "garbled")


def ocr_document(raw: RawDocument, settings: OcrSettings = OCR, progress: Progress | None = None) -> RawDocument:
    """The document with every page that needs OCR read by it (a new RawDocument)."""
    read, numbers = ocr_unsnapped(raw, settings, progress)
    return snapped(read, numbers)


def ocr_unsnapped(
    raw: RawDocument, settings: OcrSettings = OCR, progress: Progress | None = None
) -> tuple[RawDocument, tuple[int, ...]]:
    """The document with its OCR pages read, their type sizes as the detector measured them,
    and the numbers of the pages OCR was run on (snapped() evens out their sizes, across the
    whole document: a worker reading a share of a document's pages leaves that to the one
    putting them together)."""
    if raw.kind != "pdf" or settings.mode == "never":
        return raw, ()
    todo = [page for page in raw.pages if needs_ocr(page, settings.mode)]
    if not todo:
        return raw, ()
    try:
        model_dir()
    except OcrUnavailable as exc:
        return replace(raw, pages=[unread(p, str(exc)) if p in todo else p for p in raw.pages]), ()
    if progress:
        progress(ocr_pages=len(todo), extra_s=len(todo) * settings.seconds_per_page)
    renderer = PageRenderer(raw.data)
    try:
        threads = max(1, min(len(todo), settings.threads or usable_cores()))
        with ThreadPoolExecutor(max_workers=threads) as pool:
            read = dict(zip((p.number for p in todo), pool.map(lambda p: ocr_page(p, renderer, settings), todo)))
    finally:
        renderer.close()
    return replace(raw, pages=[read.get(p.number, p) for p in raw.pages]), tuple(read)


def snapped(raw: RawDocument, numbers: tuple[int, ...]) -> RawDocument:
    """The document with the type sizes of the pages OCR read (``numbers``) snapped together."""
    if not numbers:
        return raw
    chosen = set(numbers)
    read = snap_sizes({p.number: p for p in raw.pages if p.number in chosen})
    return replace(raw, pages=[read.get(p.number, p) for p in raw.pages])


def unread(page: RawPage, why: str) -> RawPage:
    """The page left as the read stage judged it, with why OCR could not read it."""
    return replace(page, quality_detail=f"{page.quality_detail}; {why}" if page.quality_detail else why)


def ocr_page(page: RawPage, renderer: PageRenderer, settings: OcrSettings) -> RawPage:
    """One page read by OCR; a failure spoils that page only, which stays unread with the reason."""
    try:
        return read_page(page, renderer, settings)
    except Exception as exc:  # onnxruntime, OpenCV and PDFium raise their own types
        return unread(page, f"OCR failed on the page ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})")


def read_page(page: RawPage, renderer: PageRenderer, settings: OcrSettings) -> RawPage:
    """One page read by OCR: upright, level, its characters and ruling lines in PDF points."""
    started = time.perf_counter()
    gray, dpi = renderer.render(page.number, settings.dpi)
    lines = read_image(as_bgr(gray))
    turn = turn_needed(gray, lines)
    if turn:
        gray = turn_image(gray, turn)
        lines = read_image(as_bgr(gray))
    ruled = ruling_skew(gray)
    angle = ruled if ruled is not None else skew_degrees(lines)
    height, width = gray.shape[:2]
    scale = 72 / dpi
    chars = characters(lines, angle, (width / 2, height / 2), scale)
    size = (width * scale, height * scale)
    same_frame = turn == 0 and abs(size[0] - page.width) < 2 and abs(size[1] - page.height) < 2
    if same_frame:
        chars = keep_layer_digits(chars, page.chars)
    own_edges = page.edges if same_frame else []
    edges = own_edges if len(own_edges) >= MIN_VECTOR_EDGES else ruling_edges(level_image(gray, angle), dpi)
    scores = [c.confidence for c in chars]
    reading = OcrPage(
        page=page.number,
        reason=page.quality_detail or f"--ocr {settings.mode}",
        turn=turn,
        skew=round(angle, 2),
        confidence=round(min(scores), 4) if scores else 0.0,
        mean_confidence=round(sum(scores) / len(scores), 4) if scores else 0.0,
        seconds=round(time.perf_counter() - started, 2),
        glyphs=[
            (round(c.x0, 1), round(c.top, 1), round(c.x1, 1), round(c.bottom, 1), round(c.confidence, 4), c.text)
            for c in chars
        ],
    )
    quality, detail = ocr_verdict(chars, page.quality_detail)
    return RawPage(
        number=page.number,
        width=size[0],
        height=size[1],
        chars=chars,
        edges=edges,
        images=[],
        rotation=0,
        quality=quality,  # type: ignore[arg-type]
        quality_detail=detail,
        ocr=reading,
    )


def ocr_verdict(chars: list[Char], before: str) -> tuple[str, str]:
    """ok, or why what OCR read is not the page's text: nothing at all, or no words but a run of
    symbols in code-point order (a damaged PDF whose fonts are lost renders its glyph numbers as
    !"#$%&'()*+,-./0123…)."""
    if not chars:
        return "no_text", f"OCR found no text ({before or 'blank scan'})"
    text = "".join(c.text for c in chars)
    if HANZI.search(text):
        return "ok", ""
    in_order = sum(ord(b) - ord(a) == 1 for a, b in itertools.pairwise(text)) / max(1, len(text) - 1)
    words = sum(ch.isascii() and ch.isalnum() for ch in text) / len(text)
    if in_order > GLYPH_ORDER_SHARE or words < MIN_WORD_SHARE:
        return "no_text", f"OCR read no words, only symbols ({text[:20]!r}): the page does not render ({before})"
    return "ok", ""


def as_bgr(gray: Any) -> Any:
    import cv2

    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def characters(lines: list[OcrLine], angle: float, centre: tuple[float, float], scale: float) -> list[Char]:
    """Each glyph as a Char in page points, put back level; the line's height is every glyph's
    size, so a line's characters share one row however tall each glyph's own box is."""
    heights = [
        max(1.0, level(ln.quad[3], angle, centre)[1] - level(ln.quad[0], angle, centre)[1]) * scale for ln in lines
    ]
    chars = []
    for line, line_height in zip(lines, heights):
        for glyph in line.glyphs:
            xs = [level(p, angle, centre)[0] for p in glyph.quad]
            ys = [level(p, angle, centre)[1] for p in glyph.quad]
            middle = (min(ys) + max(ys)) / 2 * scale
            chars.append(
                Char(
                    text=glyph.text,
                    x0=min(xs) * scale,
                    top=middle - line_height / 2,
                    x1=max(xs) * scale,
                    bottom=middle + line_height / 2,
                    size=line_height,
                    font=OCR_FONT,
                    confidence=glyph.score,
                )
            )
    return chars


def snap_sizes(pages: dict[int, RawPage]) -> dict[int, RawPage]:
    """Every OCR page's line heights with the detector's jitter taken out, across the document:
    the commonest height (by characters) is a type size and takes every height within SIZE_JITTER
    of it; then the commonest of the rest, and so on. The detector's boxes for one body size
    spread over 8% on our scans (19.2-20.6 pt for 16 pt text), on a page and from page to page,
    which the layout would take for new paragraphs; titles are 25% and more larger. (Chaining
    neighbouring heights instead merged the Penghu scan's title, body and small print into one.)"""
    counts = Counter(half_point(c.size) for page in pages.values() for c in page.chars)
    typeset: dict[float, float] = {}
    while counts:
        peak = max(sorted(counts), key=lambda h: counts[h])
        for height in [h for h in counts if abs(h - peak) <= peak * SIZE_JITTER]:
            typeset[height] = peak
            del counts[height]
    return {
        n: replace(page, chars=[resized(c, typeset[half_point(c.size)]) for c in page.chars])
        for n, page in pages.items()
    }


def half_point(size: float) -> float:
    return round(size * 2) / 2


def resized(ch: Char, size: float) -> Char:
    middle = (ch.top + ch.bottom) / 2
    return replace(ch, size=size, top=middle - size / 2, bottom=middle + size / 2)


def keep_layer_digits(chars: list[Char], layer: list[Char]) -> list[Char]:
    """Where the text layer prints the same figure as OCR read (a run of digits, commas, points),
    the layer's characters and boxes are kept and the figure is certain. Where they differ, OCR's
    reading stands, flagged (DISAGREE_SCORE): pairing single digits went wrong (the even split of
    a word's box put "1,300"'s 3 over the layer's 0), and neither side can be taken on trust."""
    figures = [c for c in layer if c.text in FIGURE_CHARS]
    if not figures:  # no digit in the layer: nothing to confirm or contradict
        return chars
    out: list[Char] = []
    for run in figure_runs(chars):
        if run[0].text not in FIGURE_CHARS or not any(c.text in DIGITS for c in run):
            out.extend(run)
            continue
        x0, x1 = min(c.x0 for c in run), max(c.x1 for c in run)
        top, bottom = run[0].top, run[0].bottom
        inside = [d for d in layer if x0 <= (d.x0 + d.x1) / 2 <= x1 and top <= (d.top + d.bottom) / 2 <= bottom]
        if any(d.text not in FIGURE_CHARS for d in inside):  # the layer prints no figure here (Tainan's 10 is 鯤鯓)
            out.extend(run)
            continue
        slack = (x1 - x0) / len(run) / 2
        under = sorted(
            (
                d
                for d in figures
                if x0 - slack <= (d.x0 + d.x1) / 2 <= x1 + slack and top <= (d.top + d.bottom) / 2 <= bottom
            ),
            key=lambda d: d.x0,
        )
        if "".join(d.text for d in under) == "".join(c.text for c in run):
            out.extend(replace(c, x0=d.x0, x1=d.x1, confidence=1.0) for c, d in zip(run, under))
        elif under:  # the layer prints another figure here: which is right is for a reader to see
            out.extend(replace(c, confidence=min(c.confidence, DISAGREE_SCORE)) for c in run)
        else:
            out.extend(run)
    return out


def figure_runs(chars: list[Char]) -> list[list[Char]]:
    """The characters in runs: figures (digits with their commas and points) and everything else."""
    runs: list[list[Char]] = []
    for ch in chars:
        kind = ch.text in FIGURE_CHARS
        last = runs[-1][-1] if runs else None
        same_line = (
            last is not None
            and abs((last.top + last.bottom) - (ch.top + ch.bottom)) / 2 < ch.size / 2
            and ch.x0 - last.x1 < ch.size * RUN_GAP  # figures in neighbouring cells are two figures
        )
        if runs and same_line and (runs[-1][0].text in FIGURE_CHARS) == kind:
            runs[-1].append(ch)
        else:
            runs.append([ch])
    return runs


__all__ = ["INSTALL_HINT", "needs_ocr", "ocr_document"]
