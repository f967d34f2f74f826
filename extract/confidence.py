"""Confidence: how sure the OCR was of a figure or a table, from the scores of the characters under it.

Owns: looking up the characters an OCR page read (Document.ocr) inside a box, and the lowest
score among them; for a figure, the characters that print it (its box is its whole line, whose
other characters say nothing about it); a record or table from a text layer is certain (1). A
figure whose box holds no OCR character at all on an OCR page gets the page's lowest score,
never a false certainty.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from .model import BBox, Document, Metric, OcrPage, Table

SLACK = 1.0  # points: a character's centre on a cell's border still belongs to it


def by_page(doc: Document) -> dict[int, OcrPage]:
    return {p.page: p for p in doc.ocr}


def glyphs_in(reading: OcrPage, bbox: BBox) -> list[tuple[float, float, float, float, float, str]]:
    """The characters read inside a box, in reading order (row by row, left to right)."""
    x0, top, x1, bottom = bbox
    inside = [
        g
        for g in reading.glyphs
        if x0 - SLACK <= (g[0] + g[2]) / 2 <= x1 + SLACK and top - SLACK <= (g[1] + g[3]) / 2 <= bottom + SLACK
    ]
    return sorted(inside, key=lambda g: (round((g[1] + g[3]) / 2 / max(1.0, g[3] - g[1])), g[0]))


def box_confidence(reading: OcrPage, bbox: BBox | None, printed: str = "") -> float:
    """The lowest score of the characters in the box; of those printing ``printed`` when it is
    found among them."""
    if bbox is None:
        return reading.confidence
    inside = glyphs_in(reading, bbox)
    if not inside:
        return reading.confidence
    scores = [g[4] for g in inside]
    target = plain(printed)
    if target:
        spread = [(ch, g[4]) for g in inside for ch in plain(g[5])]
        text = "".join(ch for ch, _ in spread)
        at = text.find(target)
        if at >= 0:
            scores = [score for _, score in spread[at : at + len(target)]]
    return min(scores)


def plain(text: str) -> str:
    """Text as the records hold it: NFKC, simplified, no spaces."""
    from .normalize import to_simplified

    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", text)))


def scored_metrics(metrics: list[Metric], doc: Document) -> list[Metric]:
    """The metrics, each with the lowest OCR score of the characters printing it."""
    pages = by_page(doc)
    if not pages:
        return metrics
    return [
        replace(m, confidence=round(box_confidence(pages[m.page], m.bbox, m.raw), 4)) if m.page in pages else m
        for m in metrics
    ]


def table_confidence(table: Table, doc: Document) -> float:
    """The lowest OCR score of any character in the table's cells (1 for a table from a text layer)."""
    pages = by_page(doc)
    scores = [
        box_confidence(pages[cell.page], cell.bbox)
        for row in table.rows
        for cell in row
        if cell.page in pages and cell.text.strip()
    ]
    return round(min(scores), 4) if scores else 1.0


def low_confidence(metrics: list[Metric], threshold: float) -> list[Metric]:
    return [m for m in metrics if m.confidence < threshold]
