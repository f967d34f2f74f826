"""Scanned copies of corpus pages, for the OCR tests: what a clerk's flatbed or a phone app makes.

Each scan is corpus pages rasterised (pypdfium2) at 150-200 dpi, turned 0.3-1.2° (a sheet laid
slightly askew), with sensor noise and specks, saved as JPEG inside a PDF with no text layer; one
page is scanned sideways, one document mixes a text page with a scanned one. The noise is seeded,
so a rebuild gives the same bytes. The truth of every scanned page is its corpus page: the
corpus truth files and the page's text layer.

    python corpus/build.py scans          # writes corpus/scans/*.pdf and corpus/scans/scans.json
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "scans"


@dataclass(frozen=True)
class ScannedPage:
    source: str  # corpus document name
    page: int  # 1-based page of the source
    dpi: int = 150
    angle: float = 0.0  # degrees the sheet lay askew (counter-clockwise)
    sideways: bool = False  # scanned turned by 90°
    keep_text: bool = False  # not scanned: the source page as it is (a mixed document)


SCANS: dict[str, list[ScannedPage]] = {
    "scan-notice": [
        ScannedPage("zhejiang-notice-2018-30", 3, dpi=150, angle=0.6),
        ScannedPage("zhejiang-notice-2018-30", 4, dpi=150, angle=-0.9),
    ],
    "scan-weekly-table": [ScannedPage("hangzhou-weekly-2018-07-20", 8, dpi=200, angle=1.2)],
    "scan-sideways": [ScannedPage("hangzhou-weekly-2018-07-20", 9, dpi=150, angle=0.4, sideways=True)],
    "scan-traditional": [ScannedPage("hangzhou-annual-2020", 1, dpi=150, angle=-0.3)],
    "scan-mixed": [
        ScannedPage("shaoxing-annual-2020", 1, keep_text=True),
        ScannedPage("shaoxing-annual-2020", 2, dpi=150, angle=0.8),
    ],
}
JPEG_QUALITY = 70
NOISE_SIGMA = 10.0  # grey levels of sensor noise
SPECKS = 400  # dust specks per page


def scan_image(page: ScannedPage, seed: int):
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(str(HERE / f"{page.source}.pdf"))
    try:
        image = document[page.page - 1].render(scale=page.dpi / 72).to_pil().convert("L")
    finally:
        document.close()
    image = image.rotate(page.angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0.0, NOISE_SIGMA, pixels.shape)
    height, width = pixels.shape
    ys, xs = rng.integers(0, height, SPECKS), rng.integers(0, width, SPECKS)
    pixels[ys, xs] = rng.integers(0, 120, SPECKS)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    if page.sideways:
        image = image.transpose(Image.Transpose.ROTATE_90)
    return image


def build_scan(name: str, pages: list[ScannedPage]) -> Path:
    import pikepdf
    from PIL import Image

    target = pikepdf.new()
    for index, page in enumerate(pages):
        if page.keep_text:
            with pikepdf.open(HERE / f"{page.source}.pdf") as source:
                target.pages.append(source.pages[page.page - 1])
            continue
        image = scan_image(page, seed=random.Random(f"{name}/{index}").randrange(2**32))
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=JPEG_QUALITY)
        single = io.BytesIO()
        Image.open(io.BytesIO(jpeg.getvalue())).save(single, "PDF", resolution=page.dpi)
        with pikepdf.open(io.BytesIO(single.getvalue())) as scanned:
            target.pages.append(scanned.pages[0])
    path = OUT / f"{name}.pdf"
    target.save(path, deterministic_id=True)
    return path


def build_all() -> list[Path]:
    OUT.mkdir(exist_ok=True)
    paths = [build_scan(name, pages) for name, pages in SCANS.items()]
    manifest = {name: [asdict(p) for p in pages] for name, pages in SCANS.items()}
    (OUT / "scans.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths
