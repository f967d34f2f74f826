"""Cache: a finished document's model and records, kept so that a re-run skips unchanged documents.

Owns: the key (the file's content, the code that read it, the libraries it used and the rules
applied), so an upgrade or a rule edit is never served stale results; the entry format (JSON of
the dataclasses, validated against their types on load, so a planted or damaged entry is a miss,
never code run); writing entries so that a crash or a full disk leaves no half-written entry.
Entries carry no document id or path: those are applied afresh on every load, so two files with
the same bytes, or a renamed file, get their own ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata
from pathlib import Path

from .model import Document, Records

# Libraries whose behaviour shapes the results: a new version may read a PDF differently.
LIBRARIES = (
    "pdfplumber",
    "pdfminer.six",
    "pikepdf",
    "opencc-python-reimplemented",
    "jieba",
    "cn2an",
    "regex",
    "rapidocr",
    "onnxruntime",
    "pypdfium2",
)
ENTRY_SUFFIX = ".json"
SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,60}")
MAX_ENTRY_BYTES = 1_000_000_000  # the 250-page Hansard's entry is ~30 MB
PACKAGE = Path(__file__).resolve().parent


@dataclass
class Entry:
    """What is kept of one document (no id, no path: those belong to the run)."""

    status: str
    error: str
    warnings: list[str] = field(default_factory=list)
    document: Document | None = None
    records: Records | None = None


@cache
def code_digest(package: Path = PACKAGE) -> str:
    """The package's own files and the versions of the libraries it reads with."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".yaml", ".json"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=absent".encode())
    return digest.hexdigest()[:16]


def entry_key(sha256: str, rules_digest: str, kind: str) -> str:
    """``kind`` is how the file is read (pdf or text): the same bytes named .txt and .pdf differ."""
    return f"{sha256}-{kind}-{rules_digest}-{code_digest()}"


@cache
def _adapter():
    from pydantic import TypeAdapter

    return TypeAdapter(Entry)


def load(directory: Path, key: str, doc_id: str, path: str) -> Entry | None:
    """The entry under the key with this run's id and path applied, or None (a miss) when absent,
    unreadable or not a valid entry."""
    from pydantic import ValidationError

    entry_path = directory / f"{key}{ENTRY_SUFFIX}"
    try:  # a regular file of sane size: a planted pipe or device would hang or flood the read
        info = entry_path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        data = entry_path.read_bytes()
    except OSError:
        return None
    try:
        entry = _adapter().validate_json(data)
    except (ValidationError, ValueError):
        return None
    if entry.document is not None and not all(SAFE_ID.fullmatch(t.table_id) for t in entry.document.tables):
        return None  # table ids become file names: an entry that does not fit is not ours
    return relabel(entry, doc_id, path)


def relabel(entry: Entry, doc_id: str, path: str) -> Entry:
    document = replace(entry.document, doc_id=doc_id, path=path) if entry.document else None
    records = entry.records
    if records is not None:
        records = replace(
            records,
            metrics=[replace(m, doc_id=doc_id) for m in records.metrics],
            deadlines=[replace(d, doc_id=doc_id) for d in records.deadlines],
            checks=[replace(c, doc_id=doc_id) for c in records.checks],
        )
    return replace(entry, document=document, records=records)


def store(directory: Path, key: str, entry: Entry) -> None:
    """Write the entry beside its final name and rename it in; any failure leaves no file behind
    (the cache is an optimisation: a document is never failed for it)."""
    anonymous = relabel(entry, "", "")
    data = _adapter().dump_json(anonymous)
    target = directory / f"{key}{ENTRY_SUFFIX}"
    temporary = directory / f".{key[:16]}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def clean(directory: Path) -> None:
    """Remove the temporary files a killed run left behind (call while holding the output lock)."""
    with contextlib.suppress(OSError):
        for leftover in directory.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
