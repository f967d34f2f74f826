"""OCR engine: rapidocr with the PP-OCRv6-small models shipped inside its wheel; nothing is downloaded.

Owns: loading the engine once per thread, lazily (a run without scans never imports it); the
parameters and why; turning rapidocr's output into plain ``OcrLine``/``Glyph`` records in image
pixels, one glyph per character with its own score; scoring text crops for the orientation test.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DETECTOR = "PP-OCRv6_det_small.onnx"
RECOGNISER = "PP-OCRv6_rec_small.onnx"
INSTALL_HINT = "pip install 'extract[ocr]'"

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left (pixels)


class OcrUnavailable(RuntimeError):
    """The OCR extra is not installed, or its models are missing from the wheel."""


@dataclass(frozen=True, slots=True)
class Glyph:
    text: str  # one character
    score: float  # the recogniser's confidence in it, 0-1
    quad: Quad


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    score: float
    quad: Quad
    glyphs: tuple[Glyph, ...]

    @property
    def width(self) -> float:
        (x0, y0), (x1, y1) = self.quad[0], self.quad[1]
        return ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5

    @property
    def height(self) -> float:
        (x0, y0), (x3, y3) = self.quad[0], self.quad[3]
        return ((x3 - x0) ** 2 + (y3 - y0) ** 2) ** 0.5


_local = threading.local()


def model_dir() -> Path:
    try:
        import rapidocr
    except ImportError as exc:
        raise OcrUnavailable(f"OCR is not installed ({INSTALL_HINT})") from exc
    folder = Path(rapidocr.__file__).parent / "models"
    missing = [name for name in (DETECTOR, RECOGNISER) if not (folder / name).is_file()]
    if missing:
        raise OcrUnavailable(f"OCR models missing from the rapidocr package ({', '.join(missing)}); reinstall it")
    return folder


def engine() -> Any:
    """This thread's engine. No angle classifier: it flips symmetric strings ("0.00%" → "%00:0")
    and whole pages are turned upright before recognition. text_score 0: rapidocr would drop
    low-scored lines silently; we keep them and flag them. One onnxruntime thread: pages run in
    parallel instead, which scales better on few cores."""
    if getattr(_local, "engine", None) is None:
        folder = model_dir()
        import logging

        from rapidocr import RapidOCR

        _local.engine = RapidOCR(
            params={
                "Global.use_cls": False,
                "Global.return_word_box": True,
                "Global.text_score": 0.0,
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "Det.model_path": str(folder / DETECTOR),
                "Rec.model_path": str(folder / RECOGNISER),
            }
        )
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return _local.engine


def read_image(image: Any) -> list[OcrLine]:
    """Every text line rapidocr finds in a BGR image, with a glyph per character."""
    result = engine()(image)
    if result.boxes is None or result.txts is None:
        return []
    words = result.word_results or [()] * len(result.txts)
    lines = []
    for box, text, score, line_words in zip(result.boxes, result.txts, result.scores, words):
        quad = as_quad(box)
        glyphs = tuple(g for word in line_words for g in split_word(word, quad))
        if text.strip():
            lines.append(OcrLine(text, float(score), quad, glyphs or tuple(even_glyphs(text, float(score), quad))))
    return lines


def score_crops(crops: list[Any]) -> list[float]:
    """The recogniser's confidence in each crop read as one line (no detection)."""
    from rapidocr.ch_ppocr_rec import TextRecInput

    if not crops:
        return []
    output = engine().text_rec(TextRecInput(img=crops, return_word_box=False))
    return [float(s) for s in output.scores]


def as_quad(box: Any) -> Quad:
    points = [(float(x), float(y)) for x, y in box]
    return points[0], points[1], points[2], points[3]  # type: ignore[return-value]


def split_word(word: tuple, line: Quad) -> list[Glyph]:
    """A recognised word (a hanzi, or a run of Latin letters and digits) as one glyph per character;
    a run's box is shared out evenly across its characters."""
    text, score, box = word[0], float(word[1]), word[2]
    text = text.strip()
    if not text:
        return []
    quad = as_quad(box) if box is not None else line
    return even_glyphs(text, score, quad)


def even_glyphs(text: str, score: float, quad: Quad) -> list[Glyph]:
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return []
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    out = []
    n = len(chars)
    for i, ch in enumerate(chars):
        a, b = i / n, (i + 1) / n
        top_left = (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a)
        top_right = (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)
        bottom_right = (x3 + (x2 - x3) * b, y3 + (y2 - y3) * b)
        bottom_left = (x3 + (x2 - x3) * a, y3 + (y2 - y3) * a)
        out.append(Glyph(ch, score, (top_left, top_right, bottom_right, bottom_left)))
    return out
