"""Orientation and skew of a scanned page, from the OCR's own first reading.

Owns: deciding whether a page was scanned sideways or upside down (most text lines taller than
wide means sideways; which way round, and whether upright or upside down, is settled by the
recogniser's confidence in the longest lines' crops turned each candidate way: the right way
reads at 0.95-1.0, the wrong way at 0.3-0.7 on the Penghu scan and our rotated corpus scans);
measuring small skew (0.3-1.2° on a flatbed scan) from the slope of the long lines, so that
characters can be put back on level rows.
"""

from __future__ import annotations

import math
from statistics import median
from typing import Any

from .engine import OcrLine, score_crops

SAMPLE_LINES = 12  # longest lines scored per candidate turn (~0.3 s)
MIN_SIDEWAYS_LINES = 3
FLIP_MARGIN = 0.05  # an upside-down reading must beat the upright one by this much in mean score
MIN_SKEW_DEG = 0.1  # below this the rows already line up
MAX_SKEW_DEG = 10.0
RULING_SHARE = 0.3  # a ruling spans this share of the page's width at least
MIN_RULINGS = 3
STROKE_PX = 40  # longer than a character at 150 dpi (~25 px), short enough to stay straight on a slant  # above this it is a drawing or a stamp, not the page's slant


def turn_needed(image: Any, lines: list[OcrLine]) -> int:
    """Degrees to turn the image clockwise so its text reads upright: 0, 90, 180 or 270."""
    import numpy as np

    long_lines = [ln for ln in lines if len(ln.glyphs) >= 2]
    tall = [ln for ln in long_lines if box_height(ln) > 1.5 * box_width(ln)]
    wide = [ln for ln in long_lines if box_width(ln) > 1.5 * box_height(ln)]
    sideways = len(tall) >= MIN_SIDEWAYS_LINES and len(tall) > len(wide)
    sample = sorted(tall if sideways else wide, key=lambda ln: -max(box_width(ln), box_height(ln)))[:SAMPLE_LINES]
    if not sample:
        return 0
    crops = [crop(image, ln) for ln in sample]
    candidates = (90, 270) if sideways else (0, 180)
    means = {}
    for turn in candidates:
        turned = [np.ascontiguousarray(np.rot90(c, k=-(turn // 90))) for c in crops]
        scores = score_crops(turned)
        means[turn] = sum(scores) / len(scores)
    if not sideways:
        return 180 if means[180] > means[0] + FLIP_MARGIN else 0
    return max(candidates, key=lambda t: means[t])


def turn_image(image: Any, turn: int) -> Any:
    import numpy as np

    return np.ascontiguousarray(np.rot90(image, k=-(turn // 90))) if turn else image


def skew_degrees(lines: list[OcrLine]) -> float:
    """The median slope of the long horizontal lines, in degrees (positive: text runs downhill)."""
    slopes = []
    for ln in lines:
        (x0, y0), (x1, y1) = ln.quad[0], ln.quad[1]
        if x1 - x0 > 4 * max(1.0, ln.height) and len(ln.glyphs) >= 4:
            slopes.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    if len(slopes) < 3:
        return 0.0
    angle = median(slopes)
    return angle if MIN_SKEW_DEG <= abs(angle) <= MAX_SKEW_DEG else 0.0


def ruling_skew(image: Any) -> float | None:
    """The slant of a page's long horizontal rulings, in degrees, when it has at least
    MIN_RULINGS of them: more exact than the text's, whose short cell boxes lean less than the
    page (a table scanned 1.2° askew: text lines say 0.83°)."""
    import cv2

    width = image.shape[1]
    ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    # only horizontal strokes longer than a character: a 1.2° slant drifts under a pixel over them
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (STROKE_PX, 1)))
    found = cv2.HoughLinesP(
        ink, 1, math.pi / 1800, threshold=max(50, width // 4), minLineLength=width * RULING_SHARE, maxLineGap=4
    )
    if found is None:
        return None
    slopes = []
    for x0, y0, x1, y1 in found.reshape(-1, 4).tolist():
        if x1 < x0:
            x0, y0, x1, y1 = x1, y1, x0, y0
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if abs(angle) <= MAX_SKEW_DEG:
            slopes.append(angle)
    if len(slopes) < MIN_RULINGS:
        return None
    angle = median(slopes)
    return angle if abs(angle) >= MIN_SKEW_DEG else 0.0


def level(point: tuple[float, float], angle: float, centre: tuple[float, float]) -> tuple[float, float]:
    """A point of the scan where it would be had the page been laid straight (turned by -angle)."""
    radians = math.radians(-angle)
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    cos, sin = math.cos(radians), math.sin(radians)
    return centre[0] + dx * cos - dy * sin, centre[1] + dx * sin + dy * cos


def level_image(image: Any, angle: float) -> Any:
    """The scan turned by -angle about its centre, the corners filled white (for finding rulings)."""
    if not angle:
        return image
    import cv2

    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


def box_width(line: OcrLine) -> float:
    xs = [p[0] for p in line.quad]
    return max(xs) - min(xs)


def box_height(line: OcrLine) -> float:
    ys = [p[1] for p in line.quad]
    return max(ys) - min(ys)


def crop(image: Any, line: OcrLine) -> Any:
    import cv2

    xs = [int(p[0]) for p in line.quad]
    ys = [int(p[1]) for p in line.quad]
    height, width = image.shape[:2]
    piece = image[max(0, min(ys)) : min(height, max(ys) + 1), max(0, min(xs)) : min(width, max(xs) + 1)]
    return cv2.cvtColor(piece, cv2.COLOR_GRAY2BGR) if piece.ndim == 2 else piece
