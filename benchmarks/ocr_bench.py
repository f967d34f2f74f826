"""OCR speed and memory: python benchmarks/ocr_bench.py [PDF] [--pages N]

Reads the scanned pages of one document (default: the scanned corpus pages, corpus/scans/*.pdf,
or the first N pages of a PDF given) in a fresh process per setting, with one OCR thread and
with two, and prints seconds per page, the speed-up of two threads as a ratio of the same run's
one-thread figure, and each process's peak memory. Figures, not a pass/fail test; the target is
≤ 1.5 GB per worker.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import json, resource, sys, time
from dataclasses import replace
from extract.ocr import ocr_document
from extract.read import read_document
from extract.settings import OCR
pages = 0
seconds = 0.0
for path in sys.argv[2:]:
    raw = read_document(path)
    t = time.perf_counter()
    read = ocr_document(raw, replace(OCR, threads=int(sys.argv[1])))
    seconds += time.perf_counter() - t
    pages += sum(p.ocr is not None for p in read.pages)
print(json.dumps({"pages": pages, "s": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def first_pages(path: Path, count: int, folder: Path) -> Path:
    import pikepdf

    with pikepdf.open(path) as source:
        part = pikepdf.new()
        for page in source.pages[:count]:
            part.pages.append(page)
        target = folder / f"{path.stem}-first{count}.pdf"
        part.save(target)
    return target


def run(threads: int, paths: list[Path]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(threads), *map(str, paths)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path)
    parser.add_argument("--pages", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = (
            [first_pages(args.pdf, args.pages, Path(tmp))]
            if args.pdf
            else sorted((ROOT / "corpus" / "scans").glob("*.pdf"))
        )
        one = run(1, paths)
        two = run(2, paths)
    print(f"{'threads':>7s} {'pages':>5s} {'s/page':>7s} {'peak MB':>8s}")
    for threads, figures in ((1, one), (2, two)):
        print(f"{threads:7d} {figures['pages']:5d} {figures['s'] / figures['pages']:7.2f} {figures['rss_mb']:8.0f}")
    print(f"two threads run {one['s'] / two['s']:.2f}x as fast as one (same pages, same machine)")


if __name__ == "__main__":
    main()
