"""Speed and memory figures: python benchmarks/bench.py [--realworld]

Prints, for the sample corpus (and ../shared/realworld with --realworld): seconds and pages per
second per document in one process, the peak memory of that process, the whole batch with one
worker and with all cores, and a re-run served from the cache. Figures, not a pass/fail test:
compare runs as ratios on the same machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_document(paths: list[Path]) -> None:
    code = (
        "import sys, time, resource, json\n"
        "from extract import extract_file\n"
        "from extract.apply import apply_rules\n"
        "from extract.rules import load_rules\n"
        f"rules = load_rules({str(ROOT / 'rules')!r})\n"
        "t = time.perf_counter(); doc = extract_file(sys.argv[1]); r = apply_rules(doc, rules)\n"
        "print(json.dumps({'s': time.perf_counter() - t, 'pages': doc.pages, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    print(f"{'document':45s} {'pages':>5s} {'seconds':>8s} {'pages/s':>8s} {'peak MB':>8s}")
    total_pages = total_s = 0.0
    for path in paths:
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{path.name[:45]:45s} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        import json

        figures = json.loads(out.stdout.strip().splitlines()[-1])
        pages = max(figures["pages"], 1)
        total_pages += pages
        total_s += figures["s"]
        print(
            f"{path.name[:45]:45s} {pages:5d} {figures['s']:8.2f} {pages / figures['s']:8.1f} {figures['rss'] / 1024:8.0f}"
        )
    print(f"{'total':45s} {int(total_pages):5d} {total_s:8.2f} {total_pages / total_s:8.1f}")


def batch(paths: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, os.cpu_count() or 1):
            out = Path(tmp) / f"out{jobs}"
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "extract",
                    *map(str, paths),
                    "-o",
                    str(out),
                    "--jobs",
                    str(jobs),
                    "--quiet",
                    "--no-cache",
                ],
                check=False,
            )
            print(f"batch, {jobs} worker(s), no cache: {time.perf_counter() - start:6.2f} s")
        out = Path(tmp) / "cached"
        subprocess.run([sys.executable, "-m", "extract", *map(str, paths), "-o", str(out), "--quiet"], check=False)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "extract", *map(str, paths), "-o", str(out), "--quiet"], check=False)
        print(f"batch re-run from the cache:       {time.perf_counter() - start:6.2f} s")
        shutil.rmtree(out, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest peak memory of any worker: {children:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realworld", action="store_true", help="also the PDFs in ../shared/realworld")
    args = parser.parse_args()
    paths = sorted((ROOT / "corpus").glob("*.pdf"))
    realworld = ROOT.parent / "shared" / "realworld"
    if args.realworld and realworld.is_dir():
        paths += sorted(realworld.glob("*.pdf"))
    per_document(paths)
    batch(paths)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
