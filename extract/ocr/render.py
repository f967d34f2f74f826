"""Rendering: PDF pages to grayscale pixels with pypdfium2, for OCR and for finding ruling lines.

Owns: opening the document's bytes once, and serialising access to it (PDFium is not
thread-safe, while recognition runs in several threads).
"""

from __future__ import annotations

import threading
from typing import Any


class PageRenderer:
    def __init__(self, data: bytes) -> None:
        import pypdfium2 as pdfium

        self._lock = threading.Lock()
        self._pdf = pdfium.PdfDocument(data)

    def render(self, number: int, dpi: int) -> Any:
        """Page ``number`` (1-based) as a grayscale uint8 array, as it is shown (/Rotate applied)."""
        with self._lock:
            page = self._pdf[number - 1]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                image = bitmap.to_numpy().copy()
            finally:
                page.close()
        return image[:, :, 0] if image.ndim == 3 else image

    def close(self) -> None:
        with self._lock:
            self._pdf.close()
