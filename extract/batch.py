"""Batch stage: many files, each read in isolation, in parallel, with a cache.

Owns: document ids (file stems made safe as file names, told apart by their folders when two
inputs share a stem, the same whatever order the inputs come in); looking every file up in the
cache before any work; sending the rest to worker processes (workers.py), where each document is
read, structured and run through the rules on its own, under a time and memory limit, so that a
bad file fails alone with a one-line reason; a batch of fewer documents than workers sharing its
long documents' pages among them (pageranges.py); the status of each document; results in the
order of the input paths.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import cache
from .apply import apply_rules, table_settings_for
from .confidence import low_confidence, table_confidence
from .errors import ReadError
from .layout import Prepared
from .model import Document, RawDocument, Records
from .ocr import ocr_document
from .ocr.engine import INSTALL_HINT
from .pageranges import PagePart, joined, parts_for, read_part, worth_splitting
from .pipeline import document_from_raw, read_pages
from .read import READ_ALL, READERS, Progress, Reading, display_path, open_document, read_opened, reading_kind
from .read.selection import pages_text
from .rulefolders import RulesArg, layers, user_rules
from .rules import RuleSet, load_rules
from .settings import LIMITS, OCR, TABLES, Limits, OcrSettings
from .workers import Outcome, prestart, run_tasks, usable_cores

UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
HANZI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class DocResult:
    doc_id: str
    path: str
    sha256: str
    status: str  # ok | partial (some pages not read) | failed
    error: str
    document: Document | None
    records: Records | None
    cached: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    key: str = ""  # its cache entry's key, when it has one
    # Its CSV outputs (export.Pieces), made in its worker or kept from an earlier run: document
    # and records are then not sent back or loaded.
    pieces: Any = None


@lru_cache(maxsize=4)
def rules_for(folders: tuple[str, ...] | str) -> RuleSet:
    return load_rules(folders)


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
    path: str,
    doc_id: str,
    rules_dir: RulesArg,
    cache_dir: str | None,
    ocr: OcrSettings = OCR,
    reading: Reading = READ_ALL,
    rendered_format: str | None = None,
    part: tuple[int, int] | None = None,
    parts: list[PagePart] | None = None,
    progress: Progress | None = None,
) -> DocResult | PagePart | None:
    """Everything for one file (in a worker); never raises: a failure is a result with status
    'failed'. With ``rendered_format`` (csv), the result carries its output pieces instead of the
    document and records: made here, in parallel, and far smaller to send back.
    A long document may be shared: with ``part`` (i, of n) this worker reads only its share of
    the pages and hands them back (a PagePart; None for i > 0 when the document is too short to
    share, the first part then doing all of it); with ``parts``, it finishes the document from
    the pages the others read."""
    rules = rules_for(layers(rules_dir))  # checked as the main process checked them: the same files refused
    if progress:
        progress(started=True)  # the time limit counts from here, not from loading the rules
    try:
        ready = None
        if parts:
            raw, ready = joined(parts)
        else:
            opened = open_document(path, doc_id, reading.password)
            if part and worth_splitting(opened, reading, part[1]):
                return read_part(opened, *part, ocr, progress, reading)
            if part and part[0] > 0:
                return None
            if part:  # read whole here: the other shares' cores are free for its OCR pages
                ocr = replace(ocr, threads=ocr.threads * part[1])
            raw = ocr_document(read_opened(opened, progress, reading), ocr, progress)
        document, records = records_of(raw, rules, ready)
        document = as_written(document)
        status, error, warnings = document_status(document, records)
        result = DocResult(
            doc_id, display_path(path), document.sha256, status, error, document, records, warnings=warnings
        )
    except ReadError as exc:
        result = failed(doc_id, path, str(exc), file_sha(Path(path)))
    except MemoryError:
        result = failed(doc_id, path, "ran out of memory while reading it", file_sha(Path(path)))
    except RecursionError:
        result = failed(doc_id, path, "its structure is nested too deeply to read", file_sha(Path(path)))
    except Exception as exc:  # an unforeseen fault in one document must not stop the batch
        reason = f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        result = failed(doc_id, path, reason, file_sha(Path(path)))
    if cache_dir and result.status != "failed" and result.sha256:
        entry = cache.Entry(result.status, result.error, result.warnings, result.document, result.records)
        result.key = cache.entry_key(result.sha256, rules.digest, cache_kind(Path(path), ocr, reading))
        cache.store(Path(cache_dir), result.key, entry)
    if rendered_format:  # csv, with its options: export.rendering()
        from .export import kept, pieces
        from .review import ReviewSource

        review = ReviewSource({doc_id: Path(path)}, reading) if cache.REVIEWED in rendered_format else None
        made = kept(result, pieces(result, review, cache.PRINTED in rendered_format), cache_dir, rendered_format)
        result = replace(result, document=None, records=None, pieces=made)
    return result


def extract_with_rules(
    path: str,
    doc_id: str,
    rules: RuleSet,
    ocr: OcrSettings = OCR,
    progress: Progress | None = None,
    reader: str = READERS[0],
) -> tuple[Document, Records]:
    """The document and its records."""
    return records_of(read_pages(path, doc_id, progress, ocr, reader), rules)


def records_of(raw: RawDocument, rules: RuleSet, ready: dict[int, Prepared] | None = None) -> tuple[Document, Records]:
    """The document of pages read, and its records (``ready``: pages prepared for layout with the
    default table settings). A report format that sets its own table tolerances (table_settings:
    in its rule file) has its documents' pages laid out again with them."""
    document = document_from_raw(raw, TABLES, ready)
    settings = table_settings_for(document, rules)
    if settings != TABLES:
        document = document_from_raw(raw, settings)
    return document, apply_rules(document, rules)


def as_written(document: Document) -> Document:
    """The document without what only the rules use (model.INTERNAL: each character's place,
    three times a document's size once pickled back from its worker)."""
    return replace(document, paragraphs=[replace(p, glyphs=[]) for p in document.paragraphs])


def cache_kind(path: Path, ocr: OcrSettings, reading: Reading = READ_ALL) -> str:
    """How a file is read, for the cache key: a PDF read with another --ocr mode, reader or
    --pages is another entry (the password is not: it opens the same pages or none)."""
    kind = reading_kind(path)
    if kind != "pdf":
        return kind
    chosen = f"-pages_{pages_text(reading.pages)}" if reading.pages else ""
    return f"{kind}-{reading.reader}-ocr_{ocr.mode}_{ocr.dpi}{chosen}"


def failed(doc_id: str, path: str, reason: str, sha: str = "") -> DocResult:
    return DocResult(doc_id, display_path(path), sha, "failed", reason, None, None)


def document_status(document: Document, records: Records) -> tuple[str, str, list[str]]:
    """ok when every page was read; partial when some pages could not be (they are named, with
    why); failed, with the reason, when nothing could be read or a rule could not run (its records
    would be incomplete)."""
    warnings = list(document.warnings)
    if records.errors:
        return "failed", records.errors[0], warnings
    if document.kind != "pdf":
        return "ok", "", warnings
    unreadable = [p for p in document.problems if p.quality in ("no_text", "garbled")]
    blank = [p for p in document.problems if p.quality == "blank"]
    if len(unreadable) + len(blank) >= document.pages:
        if not unreadable:
            return "failed", f"no text on any of its {document.pages} pages (blank pages)", warnings
        if all(p.detail.startswith("image-only") for p in unreadable):
            reason = f"image-only PDF: no text layer on any of its {document.pages} pages; {ocr_hint(unreadable)}"
        elif {p.quality for p in unreadable} == {"no_text"}:
            reason = f"no readable text on any of its {document.pages} pages ({page_list(unreadable)})"
        else:
            reason = f"text layer unusable on all {document.pages} pages ({unreadable[0].detail})"
        if document.warnings:  # a damaged file: the damage is the likelier cause
            reason = f"damaged PDF ({'; '.join(document.warnings)}); still unreadable: {reason}"
        return "failed", reason, warnings
    warnings.extend(ocr_warnings(document, records))
    if unreadable:
        warnings.append(f"{len(unreadable)} of {document.pages} pages not read: {page_list(unreadable)}")
        return "partial", "", warnings
    hanzi = chinese_characters(document)
    if hanzi < MIN_DOCUMENT_HANZI:
        warnings.append(
            f"only {hanzi} Chinese characters read in {document.pages} pages: if the document is in Chinese, "
            "its words are drawn as images or outlines; run OCR"
        )
        return "partial", "", warnings
    return "ok", "", warnings


def ocr_hint(unreadable: list) -> str:
    """What to do about pages that need OCR: install it, or let it run."""
    if any(INSTALL_HINT in p.detail for p in unreadable):
        return f"install OCR to read them: {INSTALL_HINT}"
    if any("OCR found no text" in p.detail for p in unreadable):
        return "OCR found no text on them either"
    return "read them with --ocr auto"


def ocr_warnings(document: Document, records: Records) -> list[str]:
    """Which pages OCR read and how sure it was; the figures it was unsure of, by page."""
    if not document.ocr:
        return []
    from .export import page_ranges

    mean = sum(p.mean_confidence for p in document.ocr) / len(document.ocr)
    turned = [p.page for p in document.ocr if p.turn]
    said = f"pages {page_ranges([p.page for p in document.ocr])} read by OCR (mean confidence {mean:.2f}"
    said += f"; pages {page_ranges(turned)} turned upright)" if turned else ")"
    notes = [said]
    unsure = low_confidence(records.metrics, OCR.min_confidence)
    if unsure:
        pages = page_ranges(sorted({m.page for m in unsure if m.page}))
        notes.append(
            f"{len(unsure)} figures read by OCR with confidence below {OCR.min_confidence:g} (pages {pages}): "
            "check them against the page"
        )
    tables = [(t, table_confidence(t, document)) for t in document.tables]
    shaky = [f"{t.table_id} (page {page_ranges(t.pages)}, {c:.2f})" for t, c in tables if c < OCR.min_confidence]
    if shaky:  # a blurred ruling or a misread label spoils a table's shape, not only its figures
        notes.append(
            f"tables read by OCR with characters below confidence {OCR.min_confidence:g}: {', '.join(shaky)}; "
            "check their cells against the page"
        )
    return notes


MIN_DOCUMENT_HANZI = 20  # fewer in a whole document: its words were not read


def page_list(problems: list) -> str:
    """pages 3, 7: why; page 9: why — each reason once, with its pages."""
    by_reason: dict[str, list[int]] = {}
    for p in problems:
        by_reason.setdefault(p.detail, []).append(p.page)
    parts = []
    for reason, pages in by_reason.items():
        shown = ", ".join(map(str, pages[:12])) + (f" and {len(pages) - 12} more" if len(pages) > 12 else "")
        parts.append(f"page{'s' if len(pages) > 1 else ''} {shown}: {reason}")
    return "; ".join(parts)


def chinese_characters(document: Document) -> int:
    texts = [p.text for p in document.paragraphs] + [c.text for t in document.tables for row in t.rows for c in row]
    return sum(len(HANZI.findall(text)) for text in texts)


# --------------------------------------------------------------------------- ids
def document_ids(paths: list[Path]) -> list[str]:
    """File stems, safe as file names; stems met more than once (ignoring case, for file systems
    that do) are told apart by their folders (2023/report.pdf → 2023-report), else by their suffix,
    else by a hash of the path. The same ids whatever the order of the inputs, and never another
    input's plain stem."""
    base = [safe_id(readable_name(p.stem)) for p in paths]
    groups: dict[str, list[int]] = {}
    for i, stem in enumerate(base):
        groups.setdefault(stem.casefold(), []).append(i)
    ids = list(base)
    taken = set(groups)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda i: os.path.realpath(paths[i]))
        if len(members) < 2:
            continue
        chosen = distinguish([paths[i] for i in members], base[members[0]], taken)
        for i, doc_id in zip(members, chosen):
            ids[i] = doc_id
        taken |= {doc_id.casefold() for doc_id in chosen}
    return ids


def distinguish(paths: list[Path], stem: str, taken: set[str]) -> list[str]:
    def fits(candidates: list[str]) -> bool:
        folded = {c.casefold() for c in candidates}
        return len(folded) == len(candidates) and not taken & folded

    folders = [Path(os.path.realpath(p)).parent.parts for p in paths]
    for depth in range(1, max(len(f) for f in folders) + 1):
        candidates = [safe_id("-".join([*(readable_name(part) for part in f[-depth:]), stem])) for f in folders]
        if fits(candidates):
            return candidates
    candidates = [safe_id(f"{stem}-{p.suffix.lstrip('.')}") for p in paths]
    if fits(candidates):
        return candidates
    return [safe_id(f"{stem}-{hashlib.sha1(os.fsencode(os.path.realpath(p))).hexdigest()[:8]}") for p in paths]


def readable_name(name: str) -> str:
    """A file name as text: names that are not UTF-8 (GBK names from Windows archives) are read as
    GB18030 when they decode as such, else shown with their bytes escaped."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


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
    rules_dir: RulesArg,
    jobs: int = 0,
    cache_dir: Path | None = None,
    on_done: Callable[[DocResult], None] | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    limits: Limits = LIMITS,
    ocr: OcrSettings = OCR,
    reading: Reading = READ_ALL,
    rendered_format: str | None = None,
) -> list[DocResult]:
    """Every document's result, in the order of ``paths``. Cached documents are answered at once
    (with ``rendered_format``, by the output files kept for them when there are: document and
    records then stay unloaded); the others go to ``jobs`` workers (0: one per core).
    KeyboardInterrupt stops the workers at once and propagates; what finished is in the cache."""
    paths = list(paths)
    ids = document_ids(paths)
    results: dict[int, DocResult] = {}
    digest = rules_for(layers(rules_dir)).digest if cache_dir else ""
    shas: dict[int, str] = {}
    todo: list[int] = []
    for i, (path, doc_id) in enumerate(zip(paths, ids)):
        too_big = oversized(path, limits)
        if too_big:
            result: DocResult | None = failed(doc_id, str(path), too_big)
        else:
            shas[i] = file_sha(path) if cache_dir else ""
            result = None
            if cache_dir and shas[i]:
                result = cached(path, doc_id, shas[i], digest, cache_dir, ocr, reading, rendered_format)
        if result is None:
            if not todo:
                prestart(layers(rules_dir))  # sets up while the other files are looked up
            todo.append(i)
            continue
        results[i] = result
        if on_done:
            on_done(result)
    cores = jobs or usable_cores()
    todo.sort(key=lambda i: -file_size(paths[i]))  # the longest first, so no worker is left with one at the end
    shared = parts_for(len(todo), cores)  # a batch of fewer documents than cores: long ones are shared
    plan = [
        (i, (j, shared) if shared > 1 else None)
        for i in todo
        for j in range(shared if reading_kind(paths[i]) == "pdf" else 1)
    ]
    workers = max(1, min(cores, len(plan)))
    if not ocr.threads:  # the cores the document workers leave, shared among them for OCR pages
        ocr = replace(ocr, threads=max(1, usable_cores() // workers))
    folders = layers(rules_dir)
    kept_in = str(cache_dir) if cache_dir else None
    task_of = {i: (str(paths[i]), ids[i], folders, kept_in, ocr, reading, rendered_format) for i in todo}
    pieces: dict[int, list[PagePart]] = {}
    reading_s: dict[int, float] = {}  # a shared document's longest part
    granted_s: dict[int, float] = {}  # and the time its parts were granted for OCR pages

    def settle(i: int, result: DocResult, seconds: float) -> None:
        if i in results:  # another part of it failed first
            return
        result.seconds = seconds
        results[i] = result
        if on_done:
            on_done(result)

    def fail(i: int, reason: str, seconds: float) -> None:
        settle(i, failed(ids[i], str(paths[i]), reason, shas.get(i, "")), seconds)

    def finished(outcome: Outcome) -> None:
        i, _ = plan[outcome.index]
        if outcome.failure is not None:
            fail(i, outcome.failure, outcome.seconds)
        elif isinstance(outcome.result, PagePart):
            pieces.setdefault(i, []).append(outcome.result)
            reading_s[i] = max(reading_s.get(i, 0.0), outcome.seconds)
            granted_s[i] = granted_s.get(i, 0.0) + outcome.extra_s
        elif outcome.result is not None:
            settle(i, outcome.result, outcome.seconds)

    def heard_about(documents: list[int]) -> Callable[[int, dict[str, Any]], None]:
        def progressed(index: int, info: dict[str, Any]) -> None:
            if on_progress:
                on_progress({"path": display_path(paths[documents[index]]), **info})

        return progressed

    if plan:
        tasks = [(*task_of[i], part) for i, part in plan]
        run_tasks(process_file, tasks, workers, finished, heard_about([i for i, _ in plan]), limits)
    unfinished(todo, pieces, shared, results, fail)
    waiting = [i for i in todo if i not in results]
    if waiting:  # the shared documents, each put together and finished by one worker

        def completed(outcome: Outcome) -> None:
            i = waiting[outcome.index]
            seconds = outcome.seconds  # counted from the reading's start
            if outcome.failure is not None:
                fail(i, outcome.failure, seconds)
            else:
                settle(i, outcome.result, seconds)

        tasks = [(*task_of[i], None, pieces[i]) for i in waiting]
        spent = [(reading_s[i], granted_s[i]) for i in waiting]  # one time limit for the whole document
        run_tasks(process_file, tasks, min(cores, len(tasks)), completed, heard_about(waiting), limits, spent)
    return [results[i] for i in range(len(paths))]


def unfinished(
    todo: list[int],
    pieces: dict[int, list[PagePart]],
    shared: int,
    results: dict[int, DocResult],
    fail: Callable[[int, str, float], None],
) -> None:
    """Fail, saying why, each document with no result that cannot be finished from its parts: read
    only in part, or a different file by each worker (it changed while it was read)."""
    for i in todo:
        parts = pieces.get(i, [])
        if i in results:
            continue
        if len(parts) != shared or len({p.sha256 for p in parts}) > 1:
            fail(i, "the file changed while it was being read; read it again", 0.0)


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def oversized(path: Path, limits: Limits) -> str:
    """Why a file is too large to read at all ("" when it is not): checked before it is hashed."""
    try:
        size = path.stat().st_size
    except OSError:
        return ""
    if size > limits.max_input_mb * 1_000_000:
        return f"file is {size / 1e9:.1f} GB; files over {limits.max_input_mb / 1000:g} GB are not read"
    return ""


def cached(
    path: Path,
    doc_id: str,
    sha: str,
    digest: str,
    cache_dir: Path,
    ocr: OcrSettings,
    reading: Reading = READ_ALL,
    rendered_format: str | None = None,
) -> DocResult | None:
    key = cache.entry_key(sha, digest, cache_kind(path, ocr, reading))
    shown = display_path(path)
    if rendered_format:
        from .export import SCHEMAS, kept_pieces

        kept = cache.load_rendered(cache_dir, key, doc_id, shown, rendered_format, tuple(SCHEMAS))
        if kept is not None:
            pieces = kept_pieces(kept)
            return DocResult(
                doc_id, shown, sha, kept.status, kept.error, None, None, True, kept.warnings, 0.0, key, pieces
            )
    entry = cache.load(cache_dir, key, doc_id, shown)
    if entry is None:
        return None
    return DocResult(
        doc_id, shown, sha, entry.status, entry.error, entry.document, entry.records, True, entry.warnings, 0.0, key
    )


def extract_many(paths: Iterable[str | Path], rules_dir: str | Path | None = None, jobs: int = 0) -> dict[str, Any]:
    """The dataset of many files as pandas DataFrames: documents, sections, tables, metrics, deadlines, checks."""
    import pandas as pd

    from .export import ROWS, SCHEMAS

    results = run_batch([Path(p) for p in paths], user_rules(rules_dir), jobs)
    results = sorted(results, key=lambda r: r.doc_id)
    return {
        name: pd.DataFrame(list(ROWS[name](results)), columns=[c for c, _ in cols]) for name, cols in SCHEMAS.items()
    }
