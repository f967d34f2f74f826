"""Cache: a finished document's model and records, kept so that a re-run skips unchanged documents.

Owns: the key (the file's content, the code that read it, the libraries it used and the rules
applied), so an upgrade or a rule edit is never served stale results; the entry format (JSON of
the dataclasses, validated against their types on load, so a planted or damaged entry is a miss,
never code run); writing entries so that a crash or a full disk leaves no half-written entry.
Entries carry no document id or path: those are applied afresh on every load, so two files with
the same bytes, or a renamed file, get their own ids. Beside an entry, the output files one
document gave under one id, path and format (Rendered), copied on a re-run instead of converting
the document again, and only while the entry they were made from is unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .model import INTERNAL, Document, Records

# Libraries whose behaviour shapes the results: a new version may read a PDF differently.
LIBRARIES = (
    "pdfplumber",
    "pdfminer.six",
    "pikepdf",
    "opencc",
    "jieba",
    "cn2an",
    "regex",
    "rapidocr",
    "onnxruntime",
    "pypdfium2",
    "pydantic",  # writes the entries and each document's JSON
    "pydantic-core",
)
ENTRY_SUFFIX = ".json"
SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,60}")
PAGE_NUMBER = re.compile(r"[0-9]{4,6}")
REVIEWED = "+review"  # a rendered format's suffix when its files include the review page (review.py)
PRINTED = "+original"  # ... when its tables' files keep the script they are printed in (--script original)
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
    from pydantic_core import PydanticSerializationError

    anonymous = relabel(entry, "", "")
    try:
        data = _adapter().dump_json(anonymous, exclude={"document": INTERNAL})
    except PydanticSerializationError:  # a lone surrogate from a broken text layer: not kept, still written
        return
    target = directory / f"{key}{ENTRY_SUFFIX}"
    if same_bytes(target, data):  # a copy of a file already read: rewriting would orphan its kept files
        return
    temporary = directory / f".{key[:16]}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        info = path.lstat()
        return stat.S_ISREG(info.st_mode) and info.st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def clean(directory: Path) -> None:
    """Remove the temporary files a killed run left behind (call while holding the output lock)."""
    with contextlib.suppress(OSError):
        for leftover in directory.glob(".*.tmp"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


# --------------------------------------------------------------------------- rendered outputs
RENDERED_PREFIX = "out-"
RENDERED_META = "meta.json"


@dataclass(frozen=True)
class Rendered:
    """One document's output files as a run in one format wrote them, kept beside its entry so a
    re-run copies them instead of converting the document again (writing was nine tenths of a
    warm re-run). Only valid with the very entry it was made from: the entry's size and time are
    part of it, so a replaced or damaged entry makes it a miss."""

    folder: Path
    status: str
    error: str
    warnings: list[str]
    counts: dict[str, int]  # rows of each dataset
    files: list[str]  # paths relative to folder, as they go into the output folder


def rendered_folder(directory: Path, key: str, doc_id: str, path: str, fmt: str) -> Path:
    """The id and path are in the files' text, so they are in the name."""
    name = hashlib.sha256("\0".join((key, doc_id, path, fmt)).encode()).hexdigest()[:32]
    return directory / f"{RENDERED_PREFIX}{name}"


def entry_stamp(directory: Path, key: str) -> list[int] | None:
    try:
        info = (directory / f"{key}{ENTRY_SUFFIX}").stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino] if stat.S_ISREG(info.st_mode) else None


def load_rendered(
    directory: Path, key: str, doc_id: str, path: str, fmt: str, datasets: tuple[str, ...]
) -> Rendered | None:
    """The kept files, or None (a miss) when absent, made from another entry, or not exactly the
    files one document gives: the rows of each of ``datasets``, its JSON and its tables' CSVs,
    each a regular file of the recorded size reached through no link, and nothing else (a
    planted name would be written into the output folder)."""
    folder = rendered_folder(directory, key, doc_id, path, fmt)
    stamp = entry_stamp(directory, key)
    if stamp is None or not plain_folder(folder):
        return None
    try:
        info = (folder / RENDERED_META).lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_META_BYTES:  # a pipe would hang the read
            return None
        meta = json.loads((folder / RENDERED_META).read_bytes())
        if meta["entry"] != stamp:
            return None
        files = {str(name): int(size) for name, size in meta["files"].items()}
        counts = {str(name): int(rows) for name, rows in meta["counts"].items()}
        rendered = Rendered(
            folder, str(meta["status"]), str(meta["error"]), [str(w) for w in meta["warnings"]], counts, list(files)
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    required = {f"rows/{name}.csv" for name in datasets} | {f"json/{doc_id}.json"}
    reviewed = REVIEWED in fmt
    if reviewed:
        required.add(f"review/{doc_id}/index.html")
    if set(counts) != set(datasets) or any(rows < 0 for rows in counts.values()):
        return None
    known = [table_file, page_image] if reviewed else [table_file]
    stray = [name for name in files if name not in required and not any(ok(name, doc_id) for ok in known)]
    if not required <= set(files) or stray:
        return None
    inside = os.path.realpath(folder)
    for name, size in files.items():
        try:
            info = (folder / name).lstat()
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size != size:
            return None
        if os.path.realpath(folder / name) != os.path.join(inside, name):  # a linked folder on the way
            return None
    return rendered


MAX_META_BYTES = 10_000_000


def plain_folder(folder: Path) -> bool:
    try:
        return stat.S_ISDIR(folder.lstat().st_mode)  # a link to a folder elsewhere is not ours
    except OSError:
        return False


def table_file(name: str, doc_id: str) -> bool:
    """tables/<doc_id>/<table id>.csv, the table id as export.safe_name writes it."""
    prefix = f"tables/{doc_id}/"
    return name.startswith(prefix) and name.endswith(".csv") and bool(SAFE_ID.fullmatch(name[len(prefix) : -4]))


def page_image(name: str, doc_id: str) -> bool:
    """review/<doc_id>/p<number>.jpg, as review.image_path writes it."""
    prefix = f"review/{doc_id}/p"
    return name.startswith(prefix) and name.endswith(".jpg") and bool(PAGE_NUMBER.fullmatch(name[len(prefix) : -4]))


def safe_relative(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and all(p not in ("", ".", "..") and "\\" not in p for p in parts)


def store_rendered(
    directory: Path,
    key: str,
    doc_id: str,
    path: str,
    fmt: str,
    files: dict[str, bytes],
    info: dict[str, Any],
) -> None:
    """Keep a document's output files (only beside an entry, whole or not at all). ``info``:
    status, error, warnings and counts."""
    stamp = entry_stamp(directory, key)
    if stamp is None or not all(safe_relative(name) for name in files):
        return
    target = rendered_folder(directory, key, doc_id, path, fmt)
    temporary = directory / f".{target.name[:20]}.{os.getpid()}.tmp"
    try:
        for name, data in files.items():
            (temporary / name).parent.mkdir(parents=True, exist_ok=True)
            (temporary / name).write_bytes(data)
        meta = {**info, "entry": stamp, "files": {name: len(data) for name, data in files.items()}}
        (temporary / RENDERED_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        os.rename(temporary, target)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)
