"""Rendering: PDF pages to grayscale pixels with pypdfium2, for OCR and for finding ruling lines.

Owns: opening the document's bytes once, and serialising access to it (PDFium is not
thread-safe, while recognition runs in several threads); the largest image a page may become.
"""

from __future__ import annotations

import threading
from typing import Any

MAX_PIXELS = (
    5000  # longest side: A3 at 300 dpi is 4961 px; a 14,400 pt page at 150 dpi would be 30,000 px (3.6 GB in BGR)
)


class PageRenderer:
    def __init__(self, data: bytes) -> None:
        import pypdfium2 as pdfium

        self._lock = threading.Lock()
        self._pdf = pdfium.PdfDocument(data)

    def render(self, number: int, dpi: int) -> tuple[Any, float]:
        """Page ``number`` (1-based) as a grayscale uint8 array, as it is shown (/Rotate applied),
        and the dpi it was rendered at: lower than asked for a page too large to render whole."""
        with self._lock:
            page = self._pdf[number - 1]
            try:
                width, height = page.get_size()
                dpi = min(float(dpi), MAX_PIXELS / max(1.0, width, height) * 72)
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                image = bitmap.to_numpy().copy()
            finally:
                page.close()
        return (image[:, :, 0] if image.ndim == 3 else image), dpi

    def close(self) -> None:
        with self._lock:
            self._pdf.close()
