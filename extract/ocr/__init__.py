"""OCR stage: pages whose text layer cannot be read are rendered and read by OCR, so that scans,
broken text layers and image-drawn words enter the layout, table and rule stages as positioned
characters, like any other page.

Owns: choosing the pages (``--ocr auto``: those the read stage judged no_text or garbled;
``always``: every page; ``never``: none); reading them in parallel threads; turning each page
upright and level; the characters, in PDF points, with their scores; ruling lines from the image
when the page draws none; keeping a text layer's digits where OCR agrees with them. It returns a
new RawDocument; the pages it did not touch are the read stage's own objects.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ..model import Char, Edge, OcrPage, RawDocument, RawPage
from ..settings import OCR, OcrSettings
from .engine import INSTALL_HINT, OcrLine, OcrUnavailable, model_dir, read_image
from .orient import level, level_image, skew_degrees, turn_image, turn_needed
from .render import PageRenderer
from .rulings import ruling_edges

OCR_FONT = "OCR"
DIGITS = set("0123456789")
MIN_VECTOR_EDGES = 4  # a page drawing this many ruling lines has its own; the scan's are not looked for
DISAGREE_SCORE = 0.5  # a digit where the text layer and OCR differ: the text layer's, flagged
Progress = Any


def needs_ocr(page: RawPage, mode: str) -> bool:
    if mode == "always":
        return True
    return mode == "auto" and page.quality in ("no_text", "garbled")


def ocr_document(raw: RawDocument, settings: OcrSettings = OCR, progress: Progress | None = None) -> RawDocument:
    """The document with every page that needs OCR read by it (a new RawDocument)."""
    if raw.kind != "pdf" or settings.mode == "never":
        return raw
    todo = [page for page in raw.pages if needs_ocr(page, settings.mode)]
    if not todo:
        return raw
    try:
        model_dir()
    except OcrUnavailable as exc:
        return replace(raw, pages=[unavailable(p, str(exc)) if p in todo else p for p in raw.pages])
    if progress:
        progress(ocr_pages=len(todo), extra_s=len(todo) * settings.seconds_per_page)
    renderer = PageRenderer(raw.data)
    try:
        threads = max(1, min(len(todo), settings.threads or available_cores()))
        with ThreadPoolExecutor(max_workers=threads) as pool:
            read = dict(zip((p.number for p in todo), pool.map(lambda p: ocr_page(p, renderer, settings), todo)))
    finally:
        renderer.close()
    return replace(raw, pages=[read.get(p.number, p) for p in raw.pages])


def unavailable(page: RawPage, why: str) -> RawPage:
    return replace(page, quality_detail=f"{page.quality_detail}; {why}" if page.quality_detail else why)


def available_cores() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def ocr_page(page: RawPage, renderer: PageRenderer, settings: OcrSettings) -> RawPage:
    """One page read by OCR: upright, level, its characters and ruling lines in PDF points."""
    started = time.perf_counter()
    gray = renderer.render(page.number, settings.dpi)
    lines = read_image(as_bgr(gray))
    turn = turn_needed(gray, lines)
    if turn:
        gray = turn_image(gray, turn)
        lines = read_image(as_bgr(gray))
    angle = skew_degrees(lines)
    height, width = gray.shape[:2]
    scale = 72 / settings.dpi
    chars = characters(lines, angle, (width / 2, height / 2), scale)
    size = (width * scale, height * scale)
    same_frame = turn == 0 and abs(size[0] - page.width) < 2 and abs(size[1] - page.height) < 2
    if same_frame:
        chars = keep_layer_digits(chars, page.chars)
    own_edges = page.edges if same_frame else []
    edges = own_edges if len(own_edges) >= MIN_VECTOR_EDGES else ruling_edges(level_image(gray, angle), settings.dpi)
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
            (round(c.x0, 1), round(c.top, 1), round(c.x1, 1), round(c.bottom, 1), round(c.confidence, 4)) for c in chars
        ],
    )
    quality, detail = ("ok", "") if chars else ("no_text", f"OCR found no text ({page.quality_detail or 'blank scan'})")
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


def as_bgr(gray: Any) -> Any:
    import cv2

    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def characters(lines: list[OcrLine], angle: float, centre: tuple[float, float], scale: float) -> list[Char]:
    """Each glyph as a Char in page points, put back level; the line's height is every glyph's
    size, so a line's characters share one row however tall each glyph's own box is."""
    chars = []
    for line in lines:
        top_left, bottom_left = level(line.quad[0], angle, centre), level(line.quad[3], angle, centre)
        line_height = max(1.0, bottom_left[1] - top_left[1]) * scale
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


def keep_layer_digits(chars: list[Char], layer: list[Char]) -> list[Char]:
    """Where the text layer holds a digit under an OCR digit, the layer's digit and box are kept:
    certain when the two agree, flagged when they differ (the layer's digits are the document's)."""
    digits = [c for c in layer if c.text in DIGITS]
    if not digits:
        return chars
    out = []
    for ch in chars:
        if ch.text not in DIGITS:
            out.append(ch)
            continue
        under = next(
            (
                d
                for d in digits
                if ch.x0 <= (d.x0 + d.x1) / 2 <= ch.x1 and ch.top <= (d.top + d.bottom) / 2 <= ch.bottom
            ),
            None,
        )
        if under is None:
            out.append(ch)
        else:
            score = 1.0 if under.text == ch.text else min(ch.confidence, DISAGREE_SCORE)
            out.append(replace(ch, text=under.text, x0=under.x0, x1=under.x1, confidence=score))
    return out


__all__ = ["INSTALL_HINT", "Edge", "needs_ocr", "ocr_document"]
