"""Ruling lines of a scanned table, found in the image with OpenCV, as the same Edges a PDF draws.

Owns: binarising the scan, keeping the long straight strokes (a morphological opening with a
line-shaped kernel longer than any character), dropping strokes that are not part of a grid
(a ruling ends on a crossing line, or spans half the page; a row of small characters whose
strokes run together does neither), and turning each stroke into an Edge in PDF points, so the
lattice stage builds a scanned grid exactly as it builds a drawn one.
"""

from __future__ import annotations

from typing import Any

from ..model import Edge

MIN_LINE_PT = 28.0  # strokes shorter than this are characters (一, —: 10-20 pt), not rulings
GAP_CLOSE_PT = 1.5  # bridge breaks a scan leaves in a line (toner dropout)
TOUCH_PT = 4.0  # a ruling's end lies this close to the line it meets (scans over- and undershoot)
FREE_SHARE = 0.5  # a stroke this share of the page long is a ruling even with no crossing line


def ruling_edges(gray: Any, dpi: float) -> list[Edge]:
    import cv2

    scale = 72 / dpi
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    length = max(8, int(MIN_LINE_PT / scale))
    gap = max(1, int(GAP_CLOSE_PT / scale))
    edges: list[Edge] = []
    for orientation, kernel, bridge in (
        ("h", (length, 1), (gap, 1)),
        ("v", (1, length), (1, gap)),
    ):
        closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, bridge))
        lines = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for x, y, w, h, _area in stats[1:count].tolist():
            if orientation == "h" and h <= max(6, w // 20):
                middle = (y + h / 2) * scale
                edges.append(Edge("h", x * scale, middle, (x + w) * scale, middle))
            elif orientation == "v" and w <= max(6, h // 20):
                middle = (x + w / 2) * scale
                edges.append(Edge("v", middle, y * scale, middle, (y + h) * scale))
    height, width = gray.shape[:2]
    return grid_lines(edges, width * scale, height * scale)


def grid_lines(edges: list[Edge], page_width: float, page_height: float) -> list[Edge]:
    """The strokes that belong to a grid: each end on a crossing stroke, or long in its own right.
    On the Penghu scan the small print of a 經費支用科目 column leaves 30-60 pt streaks that
    pass for lines; they end in the middle of cells."""
    horizontal = [e for e in edges if e.orientation == "h"]
    vertical = [e for e in edges if e.orientation == "v"]
    for _ in range(2):  # a stroke dropped may have been another's only crossing
        horizontal = [e for e in horizontal if e.x1 - e.x0 >= FREE_SHARE * page_width or ends_on(e, vertical)]
        vertical = [e for e in vertical if e.bottom - e.top >= FREE_SHARE * page_height or ends_on(e, horizontal)]
    return horizontal + vertical


def ends_on(edge: Edge, crossing: list[Edge]) -> bool:
    if edge.orientation == "h":
        y = edge.top
        near = [e.x0 for e in crossing if e.top - TOUCH_PT <= y <= e.bottom + TOUCH_PT]
        return any(abs(x - edge.x0) <= TOUCH_PT for x in near) and any(abs(x - edge.x1) <= TOUCH_PT for x in near)
    x = edge.x0
    near = [e.top for e in crossing if e.x0 - TOUCH_PT <= x <= e.x1 + TOUCH_PT]
    return any(abs(y - edge.top) <= TOUCH_PT for y in near) and any(abs(y - edge.bottom) <= TOUCH_PT for y in near)
