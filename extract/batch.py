"""Batch stage: many files, each read in isolation, in parallel, with a cache.

Owns: document ids (file stems made safe as file names, told apart by their folders when two
inputs share a stem, the same whatever order the inputs come in); looking every file up in the
cache before any work; sending the rest to worker processes (workers.py), where each document is
read, structured and run through the rules on its own, under a time and memory limit, so that a
bad file fails alone with a one-line reason; the status of each document; results in the order
of the input paths.
"""

from __future__ import annotations

import hashlib
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import cache
from .apply import apply_rules
from .errors import ReadError
from .model import Document, Records
from .pipeline import extract_file
from .read import Progress
from .rules import RuleSet, load_rules
from .settings import LIMITS, Limits
from .workers import Outcome, run_tasks

UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


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
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@lru_cache(maxsize=4)
def rules_for(directory: str) -> RuleSet:
    return load_rules(directory)


def file_sha(path: Path) -> str:
    """The content hash of a regular file, or "" when it cannot be read (the reader says why)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return ""
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return ""


# --------------------------------------------------------------------------- one document
def process_file(
    path: str, doc_id: str, rules_dir: str, cache_dir: str | None, progress: Progress | None = None
) -> DocResult:
    """Everything for one file (in a worker); never raises: a failure is a result with status 'failed'."""
    rules = rules_for(rules_dir)
    try:
        document = extract_file(path, doc_id, progress)
        records = apply_rules(document, rules)
        status, error, warnings = document_status(document, records)
        result = DocResult(doc_id, path, document.sha256, status, error, document, records, warnings=warnings)
    except ReadError as exc:
        result = failed(doc_id, path, str(exc))
    except MemoryError:
        result = failed(doc_id, path, "ran out of memory while reading it")
    except RecursionError:
        result = failed(doc_id, path, "its structure is nested too deeply to read")
    except Exception as exc:  # an unforeseen fault in one document must not stop the batch
        result = failed(doc_id, path, f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
    if cache_dir and result.status == "ok" and result.sha256:
        entry = cache.Entry(result.status, result.error, result.warnings, result.document, result.records)
        cache.store(Path(cache_dir), cache.entry_key(result.sha256, rules.digest), entry)
    return result


def failed(doc_id: str, path: str, reason: str) -> DocResult:
    return DocResult(doc_id, path, file_sha(Path(path)), "failed", reason, None, None)


def document_status(document: Document, records: Records) -> tuple[str, str, list[str]]:
    """A document with no readable page failed (and says why); one with some bad pages is ok with a
    warning; a rule that could not run fails it (its records would be incomplete)."""
    warnings = list(document.warnings)
    if records.errors:
        return "failed", records.errors[0], warnings
    if document.kind != "pdf" or not document.problems:
        return "ok", "", warnings
    unreadable = [p for p in document.problems if p.quality in ("no_text", "garbled")]
    blank = [p for p in document.problems if p.quality == "blank"]
    if len(unreadable) + len(blank) >= document.pages and unreadable:
        if {p.quality for p in unreadable} == {"no_text"}:
            reason = (
                f"image-only PDF: no text layer on any of its {document.pages} pages; "
                "run OCR first (e.g. ocrmypdf) and extract the result"
            )
        else:
            reason = f"text layer unusable on all {document.pages} pages ({unreadable[0].detail})"
        if document.warnings:  # a damaged file: the damage is the likelier cause
            reason = f"damaged PDF ({'; '.join(document.warnings)}); still unreadable: {reason}"
        return "failed", reason, warnings
    if unreadable:
        pages = ", ".join(str(p.page) for p in unreadable[:10])
        warnings.append(
            f"{len(unreadable)} of {document.pages} pages unreadable (pages {pages}): {unreadable[0].detail}"
        )
    return "ok", "", warnings


# --------------------------------------------------------------------------- ids
def document_ids(paths: list[Path]) -> list[str]:
    """File stems, safe as file names; stems met more than once are told apart by their folders
    (2023/report.pdf → 2023-report), else by their suffix, else by a hash of the path: the same
    ids whatever the order of the inputs."""
    base = [safe_id(p.stem) for p in paths]
    ids = list(base)
    counts = Counter(base)
    for stem in [s for s, n in counts.items() if n > 1]:
        members = [i for i, s in enumerate(base) if s == stem]
        taken = {ids[i] for i in range(len(paths)) if i not in members}
        ids_for = distinguish([paths[i] for i in members], stem, taken)
        for i, doc_id in zip(members, ids_for):
            ids[i] = doc_id
    return ids


def distinguish(paths: list[Path], stem: str, taken: set[str]) -> list[str]:
    folders = [p.resolve().parent.parts for p in paths]
    for depth in range(1, max(len(f) for f in folders) + 1):
        candidates = [safe_id("-".join([*f[-depth:], stem])) for f in folders]
        if len(set(candidates)) == len(candidates) and not taken & set(candidates):
            return candidates
    candidates = [safe_id(f"{stem}-{p.suffix.lstrip('.')}") for p in paths]
    if len(set(candidates)) == len(candidates) and not taken & set(candidates):
        return candidates
    return [safe_id(f"{stem}-{hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:8]}") for p in paths]


def safe_id(stem: str) -> str:
    """A stem usable as a file name everywhere: no separators or control characters, no leading
    dot (so '.' and '..' cannot climb out of the output folder), at most LIMITS.max_id_bytes."""
    text = UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", stem)).strip()
    text = re.sub(r"^\.", "_", text) or "document"
    limit = LIMITS.max_id_bytes
    if len(text.encode()) > limit:
        suffix = "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
        cut = text.encode()[: limit - len(suffix)].decode("utf-8", errors="ignore")
        text = cut + suffix
    return text


# --------------------------------------------------------------------------- many documents
def run_batch(
    paths: Iterable[Path],
    rules_dir: Path,
    jobs: int = 0,
    cache_dir: Path | None = None,
    on_done: Callable[[DocResult], None] | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    limits: Limits = LIMITS,
) -> list[DocResult]:
    """Every document's result, in the order of ``paths``. Cached documents are answered at once;
    the others go to ``jobs`` workers (0: one per core). KeyboardInterrupt stops the workers at once
    and propagates; what finished is in the cache."""
    import os

    paths = list(paths)
    ids = document_ids(paths)
    results: dict[int, DocResult] = {}
    digest = rules_for(str(rules_dir)).digest if cache_dir else ""
    todo: list[int] = []
    for i, (path, doc_id) in enumerate(zip(paths, ids)):
        hit = cached(path, doc_id, digest, cache_dir) if cache_dir else None
        if hit is None:
            todo.append(i)
            continue
        results[i] = hit
        if on_done:
            on_done(hit)
    tasks = [(str(paths[i]), ids[i], str(rules_dir), str(cache_dir) if cache_dir else None) for i in todo]

    def finished(outcome: Outcome) -> None:
        i = todo[outcome.index]
        result = outcome.result if outcome.failure is None else failed(ids[i], str(paths[i]), outcome.failure)
        result.seconds = outcome.seconds
        results[i] = result
        if on_done:
            on_done(result)

    def progressed(index: int, info: dict[str, Any]) -> None:
        if on_progress:
            on_progress({"path": str(paths[todo[index]]), **info})

    if tasks:
        run_tasks(process_file, tasks, jobs or os.cpu_count() or 1, finished, progressed, limits)
    return [results[i] for i in range(len(paths))]


def cached(path: Path, doc_id: str, digest: str, cache_dir: Path) -> DocResult | None:
    sha = file_sha(path)
    if not sha:
        return None
    entry = cache.load(cache_dir, cache.entry_key(sha, digest), doc_id, str(path))
    if entry is None:
        return None
    return DocResult(
        doc_id, str(path), sha, entry.status, entry.error, entry.document, entry.records, True, entry.warnings
    )


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
