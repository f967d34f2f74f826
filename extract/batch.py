"""Batch stage: many files in parallel, each in isolation, with a content-hash cache.

Owns: one worker process per core (or --jobs), each document read, structured and run through
the rules on its own so that a bad file fails alone with a one-line reason; a cache keyed by
(file sha256, rules digest, version) so an unchanged document is not read twice; the order of
results (the order of the input paths).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .apply import apply_rules
from .errors import ReadError
from .model import Document, Records
from .pipeline import extract_file
from .rules import RuleSet, load_rules


@dataclass
class DocResult:
    doc_id: str
    path: str
    sha256: str
    status: str  # ok | failed
    error: str
    document: Document | None
    records: Records | None
    cached: bool = False


@lru_cache(maxsize=4)
def rules_for(directory: str) -> RuleSet:
    return load_rules(directory)


def file_sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def process_file(path: str, doc_id: str, rules_dir: str, cache_dir: str | None) -> DocResult:
    """Everything for one file; never raises (a failure is a result with status 'failed')."""
    source = Path(path)
    sha = file_sha(source)
    rules = rules_for(rules_dir)
    cache_file = Path(cache_dir) / f"{sha}-{rules.digest}-{__version__}.pickle" if cache_dir and sha else None
    if cache_file is not None and cache_file.exists():
        try:
            with open(cache_file, "rb") as handle:
                cached: DocResult = pickle.load(handle)
            cached.doc_id, cached.path, cached.cached = doc_id, path, True
            return cached
        except Exception:  # a stale or damaged cache entry is simply rebuilt
            cache_file.unlink(missing_ok=True)
    try:
        document = extract_file(source)
        document.doc_id = doc_id
        records = apply_rules(document, rules)
        for record in records.metrics + records.deadlines + records.checks:
            record.doc_id = doc_id
        status, error = document_status(document)
        result = DocResult(doc_id, path, sha, status, error, document, records)
        if records.errors:
            result.status, result.error = "failed", records.errors[0]
    except ReadError as exc:
        result = DocResult(doc_id, path, sha, "failed", str(exc), None, None)
    except Exception as exc:  # an unforeseen fault in one document must not stop the batch
        result = DocResult(doc_id, path, sha, "failed", f"internal error: {type(exc).__name__}: {exc}", None, None)
    if cache_file is not None and result.status == "ok":
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(result, handle)
        os.replace(tmp, cache_file)
    return result


def document_status(document: Document) -> tuple[str, str]:
    """A document with no readable page failed (and says why); one with some bad pages is ok with a warning."""
    if document.kind != "pdf" or not document.problems:
        return "ok", ""
    unreadable = [p for p in document.problems if p.quality in ("no_text", "garbled")]
    blank = [p for p in document.problems if p.quality == "blank"]
    if len(unreadable) + len(blank) >= document.pages and unreadable:
        kinds = {p.quality for p in unreadable}
        if kinds == {"no_text"}:
            return (
                "failed",
                f"image-only PDF: no text layer on any of its {document.pages} pages; run OCR first (e.g. ocrmypdf) and extract the result",
            )
        return "failed", f"text layer unusable on all {document.pages} pages ({unreadable[0].detail})"
    if unreadable:
        pages = ", ".join(str(p.page) for p in unreadable[:10])
        return "ok", f"{len(unreadable)} of {document.pages} pages unreadable (pages {pages}): {unreadable[0].detail}"
    return "ok", ""


def document_ids(paths: list[Path]) -> list[str]:
    """File stems; a stem met twice gets -2, -3… so outputs never overwrite each other."""
    seen: dict[str, int] = {}
    ids = []
    for path in paths:
        stem = path.stem
        seen[stem] = seen.get(stem, 0) + 1
        ids.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return ids


def run_batch(
    paths: Iterable[Path],
    rules_dir: Path,
    jobs: int = 0,
    cache_dir: Path | None = None,
    on_done: Callable[[DocResult], None] | None = None,
) -> list[DocResult]:
    paths = list(paths)
    ids = document_ids(paths)
    jobs = jobs or os.cpu_count() or 1
    args = [(str(p), doc_id, str(rules_dir), str(cache_dir) if cache_dir else None) for p, doc_id in zip(paths, ids)]
    results: dict[int, DocResult] = {}
    if jobs == 1 or len(paths) == 1:
        for i, arg in enumerate(args):
            results[i] = process_file(*arg)
            if on_done:
                on_done(results[i])
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
            futures = {pool.submit(process_file, *arg): i for i, arg in enumerate(args)}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:  # a worker that died (out of memory, killed)
                    p, doc_id = args[i][0], args[i][1]
                    results[i] = DocResult(
                        doc_id, p, "", "failed", f"worker crashed: {type(exc).__name__}: {exc}", None, None
                    )
                if on_done:
                    on_done(results[i])
    return [results[i] for i in range(len(paths))]


def extract_many(paths: Iterable[str | Path], rules_dir: str | Path | None = None, jobs: int = 0) -> dict[str, Any]:
    """The dataset of many files as pandas DataFrames: documents, sections, tables, metrics, deadlines, checks."""
    import pandas as pd

    from .export import ROWS, SCHEMAS

    results = run_batch([Path(p) for p in paths], Path(rules_dir) if rules_dir else default_rules_dir(), jobs)
    results = sorted(results, key=lambda r: r.doc_id)
    return {
        name: pd.DataFrame(list(ROWS[name](results)), columns=[c for c, _ in cols]) for name, cols in SCHEMAS.items()
    }


def default_rules_dir() -> Path:
    """./rules when the current folder has one, else the rules shipped beside the package."""
    local = Path.cwd() / "rules"
    if local.is_dir():
        return local
    return Path(__file__).resolve().parent.parent / "rules"
