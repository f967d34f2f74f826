"""Speed and memory figures from one run: python benchmarks/bench.py [--quick]

Prints, on the benchmark pages (the five corpus documents and four real-world PDFs with a text
layer, 125 pages, or the corpus alone without ../shared):

1. time per stage in one process on one core: read, layout, tables, normalise, structure,
   rules, write;
2. the whole command (``extract --jobs 1``) against plain pdfplumber (``extract_text()`` and
   ``extract_tables()`` on every page), each a fresh process, runs interleaved, medians: our
   time / pdfplumber's as a ratio;
3. the batch with one worker and with two: pages/s and the ratio, on the benchmark pages and on
   four copies of them (36 files: the fixed set-up of ~1.3 s before the first document, jieba's
   dictionary and the rule patterns most of it, weighs less);
4. the time and peak memory of ``extract`` on a 500-page PDF (the benchmark pages
   concatenated), with one worker, and with two sharing its pages (pageranges.py);
5. a warm re-run of 200 documents served from the cache.

Figures, not a pass/fail test: compare runs as ratios on the same machine (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "realworld"
REAL = (
    "gov-disclosure-2023-hongze.pdf",
    "budget-2025-shanghai-finance-bureau.pdf",
    "tw-fia-income-stats-103-yunlin.pdf",
    "tw-ey-supplementary-budget-113.pdf",
)
BASELINE = """
import sys, pdfplumber
for path in sys.argv[1:]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text(); page.extract_tables(); page.close()
"""


def benchmark_pages() -> list[Path]:
    pdfs = sorted((ROOT / "corpus").glob("*.pdf"))
    return pdfs + [SHARED / name for name in REAL if (SHARED / name).exists()]


def page_count(paths: list[Path]) -> int:
    import pypdfium2 as pdfium

    total = 0
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        total += len(pdf)
        pdf.close()
    return total


# --------------------------------------------------------------------------- 1: stages
def stages(paths: list[Path]) -> dict[str, float]:
    """Seconds per stage over all documents, in this process (imports done before timing)."""
    from extract import layout
    from extract.apply import apply_rules
    from extract.batch import DocResult, document_status, rules_for
    from extract.export import write_outputs
    from extract.normalize import detect_script, normalize_pages
    from extract.pipeline import page_text
    from extract.read import read_document
    from extract.rulefolders import default_rules_dir
    from extract.structure import build_document

    rules = rules_for(str(default_rules_dir()))
    spent = dict.fromkeys(("read", "layout", "tables", "normalise", "structure", "rules", "write"), 0.0)
    table_time = [0.0]

    def timed(function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                table_time[0] += time.perf_counter() - start

        return wrapper

    saved = layout.find_page_tables, layout.find_unruled_tables
    layout.find_page_tables, layout.find_unruled_tables = timed(saved[0]), timed(saved[1])
    results = []
    try:
        for path in paths:
            clock = time.perf_counter()
            raw = read_document(path)
            spent["read"] += time.perf_counter() - clock
            clock, table_time[0] = time.perf_counter(), 0.0
            pages = layout.lay_out(raw)
            spent["layout"] += time.perf_counter() - clock - table_time[0]
            spent["tables"] += table_time[0]
            clock = time.perf_counter()
            script = detect_script(page_text(pages))
            normalize_pages(pages, script)
            spent["normalise"] += time.perf_counter() - clock
            clock = time.perf_counter()
            document = build_document(raw, pages, script)
            spent["structure"] += time.perf_counter() - clock
            clock = time.perf_counter()
            records = apply_rules(document, rules)
            spent["rules"] += time.perf_counter() - clock
            status, error, warnings = document_status(document, records)
            results.append(
                DocResult(raw.doc_id, str(path), raw.sha256, status, error, document, records, warnings=warnings)
            )
    finally:
        layout.find_page_tables, layout.find_unruled_tables = saved
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        write_outputs(results, Path(tmp))
        spent["write"] += time.perf_counter() - clock
    return spent


# --------------------------------------------------------------------------- 2-5: processes
def run(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def extract_command(paths: list[Path], out: Path, jobs: int, cache: bool = False) -> list[str]:
    command = [sys.executable, "-m", "extract", *map(str, paths), "-o", str(out), "--jobs", str(jobs), "-q"]
    return command + ([] if cache else ["--no-cache"])


def against_pdfplumber(paths: list[Path], rounds: int) -> tuple[float, float]:
    """Medians of interleaved runs: (ours with one worker, plain pdfplumber)."""
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            ours.append(run(extract_command(paths, Path(tmp) / "out", 1)))
            theirs.append(run([sys.executable, "-c", BASELINE, *map(str, paths)]))
    return statistics.median(ours), statistics.median(theirs)


def copies(paths: list[Path], count: int, folder: Path) -> list[Path]:
    """``count`` files cycling through ``paths``, each under its own name (its own document)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [folder / f"{i:03d}-{paths[i % len(paths)].name}" for i in range(count)]
    for i, copy in enumerate(made):
        shutil.copyfile(paths[i % len(paths)], copy)
    return made


def workers(paths: list[Path], rounds: int) -> tuple[float, float]:
    one, two = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            one.append(run(extract_command(paths, Path(tmp) / "one", 1)))
            two.append(run(extract_command(paths, Path(tmp) / "two", 2)))
    return statistics.median(one), statistics.median(two)


def concatenated(paths: list[Path], pages: int, target: Path) -> Path:
    import pikepdf

    out = pikepdf.new()
    sources = [pikepdf.open(p) for p in paths]
    while len(out.pages) < pages:
        for source in sources:
            for page in source.pages:
                if len(out.pages) < pages:
                    out.pages.append(page)
    out.save(target)
    return target


def peak_memory(big: Path, jobs: int) -> tuple[float, float]:
    """(seconds, peak resident MB of the largest process) for one run over the big PDF."""
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            "import resource, subprocess, sys\n"
            "subprocess.run(sys.argv[1:], check=False)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code, *extract_command([big], Path(tmp) / "big", jobs), "--timeout", "3600"],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    return seconds, int(out.stdout.split()[-1]) / 1024


def warm_rerun(paths: list[Path], documents: int) -> tuple[float, float]:
    """(cold, warm) seconds for ``documents`` files, the second run served from the cache."""
    with tempfile.TemporaryDirectory() as tmp:
        files = copies(paths, documents, Path(tmp) / "docs")
        out = Path(tmp) / "out"
        cold = run(extract_command(files, out, 0, cache=True))
        warm = run(extract_command(files, out, 0, cache=True))
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round each, 100-page PDF, 50 documents")
    args = parser.parse_args()
    rounds, big_pages, documents = (1, 100, 50) if args.quick else (3, 500, 200)
    paths = benchmark_pages()
    pages = page_count(paths)
    print(f"benchmark pages: {pages} in {len(paths)} PDFs; {os.cpu_count()} cores; Python {sys.version.split()[0]}")

    spent = stages(paths)
    total = sum(spent.values())
    print(f"\n1. stages, one process, one core ({total:.2f} s, {pages / total:.1f} pages/s):")
    for stage, seconds in spent.items():
        print(f"   {stage:10s} {seconds:7.2f} s  {seconds / total:6.1%}")

    ours, theirs = against_pdfplumber(paths, rounds)
    print(f"\n2. whole command vs plain pdfplumber (medians of {rounds} interleaved runs, fresh processes):")
    print(f"   extract --jobs 1      {ours:7.2f} s  {pages / ours:6.1f} pages/s")
    print(f"   pdfplumber text+tables{theirs:7.2f} s  {pages / theirs:6.1f} pages/s")
    print(f"   ratio ours/pdfplumber {ours / theirs:7.2f}")

    print("\n3. batch, --jobs 1 against --jobs 2:")
    with tempfile.TemporaryDirectory() as tmp:
        for label, batch in (("benchmark pages", paths), ("4 copies", copies(paths, 4 * len(paths), Path(tmp)))):
            one, two = workers(batch, rounds)
            count = pages * len(batch) // len(paths)
            print(
                f"   {label:16s} {len(batch):3d} PDFs: --jobs 1 {one:.2f} s ({count / one:.1f} pages/s), "
                f"--jobs 2 {two:.2f} s ({count / two:.1f} pages/s): {one / two:.2f}x"
            )

    with tempfile.TemporaryDirectory() as tmp:
        big = concatenated(paths, big_pages, Path(tmp) / "big.pdf")
        seconds, megabytes = peak_memory(big, 1)
        shared_s, shared_mb = peak_memory(big, 2)
    print(f"\n4. {big_pages}-page PDF, --jobs 1: {seconds:.1f} s, peak {megabytes:.0f} MB (largest process)")
    print(
        f"   --jobs 2 (its pages shared by two workers): {shared_s:.1f} s, peak {shared_mb:.0f} MB: "
        f"{seconds / shared_s:.2f}x"
    )

    cold, warm = warm_rerun(paths, documents)
    print(f"\n5. {documents} documents: first run {cold:.1f} s, warm re-run from the cache {warm:.2f} s")
    print(f"\n(this process: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
