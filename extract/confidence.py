"""Confidence: how sure the OCR was of a figure or a table, from the scores of the characters under it.

Owns: looking up the characters an OCR page read (Document.ocr) inside a box, and the lowest
score among them; a record or table from a text layer is certain (1). A figure whose box holds
no OCR character at all on an OCR page gets the page's lowest score, never a false certainty.
"""

from __future__ import annotations

from dataclasses import replace

from .model import BBox, Document, Metric, OcrPage, Table

SLACK = 1.0  # points: a character's centre on a cell's border still belongs to it


def by_page(doc: Document) -> dict[int, OcrPage]:
    return {p.page: p for p in doc.ocr}


def box_confidence(reading: OcrPage, bbox: BBox | None) -> float:
    if bbox is None:
        return reading.confidence
    x0, top, x1, bottom = bbox
    scores = [
        score
        for gx0, gtop, gx1, gbottom, score in reading.glyphs
        if x0 - SLACK <= (gx0 + gx1) / 2 <= x1 + SLACK and top - SLACK <= (gtop + gbottom) / 2 <= bottom + SLACK
    ]
    return min(scores) if scores else reading.confidence


def scored_metrics(metrics: list[Metric], doc: Document) -> list[Metric]:
    """The metrics, each with the lowest OCR score of the characters printing it."""
    pages = by_page(doc)
    if not pages:
        return metrics
    return [
        replace(m, confidence=round(box_confidence(pages[m.page], m.bbox), 4)) if m.page in pages else m
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
