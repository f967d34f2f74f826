"""Export stage: results into CSV / JSON / Parquet files or one Excel workbook, with a datapackage.json.

Owns: the output contract (file names, columns, their order and types), deterministic row order
(documents by id, rows in document order), UTF-8. Files are written into the folder it is given,
which is the output folder's staging area (outdir.py swaps the whole set in), so an interrupted or
failed run never leaves half a file or half a set.

CSV cells keep the text exactly as printed, so a cell that starts with = + - @ stays as it is and
a spreadsheet that opens the CSV directly may treat it as a formula; the workbook (``--format
xlsx``) writes every text as text and numbers as numbers, and is the form to open in a spreadsheet.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .batch import DocResult
from .cache import PRINTED, REVIEWED
from .confidence import table_confidence
from .model import INTERNAL, Document, Paragraph, Records

if TYPE_CHECKING:
    from .review import ReviewSource

# name -> (column, Frictionless type)
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "documents": [
        ("doc_id", "string"),
        ("path", "string"),
        ("sha256", "string"),
        ("pages", "integer"),
        ("title", "string"),
        ("issuer", "string"),
        ("co_issuers", "string"),
        ("doc_number", "string"),
        ("date", "date"),
        ("format", "string"),
        ("script", "string"),
        ("status", "string"),
        ("error", "string"),
        ("warnings", "string"),
        ("ocr_pages", "string"),
    ],
    "sections": [
        ("doc_id", "string"),
        ("section_id", "string"),
        ("level", "integer"),
        ("label", "string"),
        ("heading", "string"),
        ("items", "string"),
        ("page", "integer"),
        ("bbox", "array"),
        ("text", "string"),
    ],
    "tables": [
        ("doc_id", "string"),
        ("table_id", "string"),
        ("attachment", "integer"),
        ("title", "string"),
        ("pages", "string"),
        ("rows", "integer"),
        ("cols", "integer"),
        ("file", "string"),
        ("attachment_title", "string"),
        ("unit", "string"),
        ("verified", "boolean"),
        ("confidence", "number"),
    ],
    "metrics": [
        ("doc_id", "string"),
        ("date", "date"),
        ("as_of", "date"),
        ("section_id", "string"),
        ("metric", "string"),
        ("label", "string"),
        ("entity", "string"),
        ("period", "string"),
        ("issuer", "string"),
        ("row", "string"),
        ("column", "string"),
        ("value", "number"),
        ("unit", "string"),
        ("unit_printed", "string"),
        ("raw", "string"),
        ("approx", "boolean"),
        ("page", "integer"),
        ("bbox", "array"),
        ("source", "string"),
        ("rule", "string"),
        ("is_total", "boolean"),
        ("confidence", "number"),
    ],
    "deadlines": [
        ("doc_id", "string"),
        ("task", "string"),
        ("owner", "string"),
        ("period", "string"),
        ("issuer", "string"),
        ("deadline_text", "string"),
        ("due", "date"),
        ("page", "integer"),
        ("bbox", "array"),
        ("section_id", "string"),
        ("rule", "string"),
        ("kind", "string"),
        ("source", "string"),
    ],
    "checks": [
        ("doc_id", "string"),
        ("table_id", "string"),
        ("kind", "string"),
        ("expected", "number"),
        ("actual", "number"),
        ("detail", "string"),
        ("page", "integer"),
        ("bbox", "array"),
    ],
}
DESCRIPTIONS = {
    "documents": "One row per input file: metadata, detected format and script, status (ok: every page read; partial: some pages not read, named in warnings; failed: nothing read, the reason in error), error, warnings, and the pages read by OCR (ocr_pages: 1-3,7).",
    "sections": "The numbered section tree of each document (一、/（一）/1、/（1）), with page and box.",
    "tables": "Each table, stitched across pages; its cells are in tables/<doc_id>/<table_id>.csv. unit: the unit its "
    "values are printed in; verified: true when its 合计 rows, codes and 合计 columns all add up, false when one does not; "
    "confidence: the lowest OCR score of its characters (1 when read from a text layer).",
    "metrics": "Every figure: from prose (source=text) or table cells (source=table:<id>, with its row labels and column), "
    "value in base units (unit), the unit as printed beside (unit_printed); period (the year or span the report covers: "
    "2024, 2015-07/2015-12) and issuer (the reporting body) make one panel across documents; confidence: the lowest "
    "OCR score of the characters printing it (1 when read from a text layer).",
    "deadlines": "Who must do what by when: due is an ISO date, empty for ongoing (全年工作) or undetermined ones.",
    "checks": "Consistency checks that failed: a total that is not the sum of its rows, a rate that is not its ratio.",
}


FORMATS = ("csv", "json", "parquet", "xlsx")
WORKBOOK = "extract.xlsx"
# Every name a run writes in the output folder (and so replaces on the next run).
OUTPUT_NAMES = frozenset(
    {f"{name}.{ext}" for name in SCHEMAS for ext in ("csv", "json", "parquet")}
    | {"tables", "json", "datapackage.json", WORKBOOK, "review"}
)
REVIEW_INDEX = "review/index.html"  # the review page's list of documents (review.py)


def planned_names(fmt: str, review: bool = False) -> set[str]:
    """The entries a run in this format writes at the top of the output folder."""
    extra = {"review"} if review else set()
    if fmt == "xlsx":
        return {WORKBOOK, "json"} | extra
    return {f"{name}.{fmt}" for name in SCHEMAS} | {"tables", "json", "datapackage.json"} | extra


def open_text(path: Path) -> IO[str]:
    """A UTF-8 output file; a lone surrogate from a broken text layer is written as U+FFFD, not a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8", errors=REPLACE_UNENCODABLE, newline="")


def safe_name(name: str) -> str:
    """A name from the data used as a file name: anything but letters, digits, - and _ replaced."""
    return re.sub(r"[^\w-]", "_", name, flags=re.ASCII)[:60] or "_"


def _replace_with_fffd(error: UnicodeError) -> tuple[bytes, int]:
    # as bytes: the UTF-8 encoder refuses a replacement str that is not ASCII ("surrogates not allowed")
    return "\ufffd".encode(), error.end  # type: ignore[attr-defined]


REPLACE_UNENCODABLE = "extract-fffd"
codecs.register_error(REPLACE_UNENCODABLE, _replace_with_fffd)


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, tuple | list):
        return json.dumps([round(v, 2) if isinstance(v, float) else v for v in value], ensure_ascii=False)
    return value


# --------------------------------------------------------------------------- rows
def document_rows(results: list[DocResult]) -> Iterator[dict[str, Any]]:
    for r in results:
        doc = r.document
        yield {
            "doc_id": r.doc_id,
            "path": r.path,
            "sha256": r.sha256,
            "pages": doc.pages if doc else None,
            "title": doc.meta.title if doc else None,
            "issuer": doc.meta.issuer if doc else None,
            "co_issuers": "；".join(doc.meta.co_issuers) if doc else None,
            "doc_number": doc.meta.doc_number if doc else None,
            "date": doc.meta.date if doc else None,
            "format": "+".join(r.records.formats) if r.records and r.records.formats else ("generic" if doc else None),
            "script": doc.script if doc else None,
            "status": r.status,
            "error": r.error,
            "warnings": " | ".join(r.warnings),
            "ocr_pages": page_ranges([p.page for p in doc.ocr]) if doc else "",
        }


def page_ranges(pages: list[int]) -> str:
    """3,5-9,12: pages as compact ranges."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ",".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)


def readable(results: list[DocResult]) -> Iterator[DocResult]:
    """Documents whose data go into the datasets: a failed document gives its documents.csv row
    and nothing else, even when part of it was read (its records would be incomplete)."""
    return (r for r in results if r.status != "failed" and r.document is not None)


def section_rows(results: list[DocResult]) -> Iterator[dict[str, Any]]:
    for r in readable(results):
        for s in r.document.sections:
            items = "；".join(f"{i.label}{i.heading or ''}" for i in s.items)
            yield {
                "doc_id": r.doc_id,
                "section_id": s.section_id,
                "level": s.level,
                "label": s.label,
                "heading": s.heading,
                "items": items,
                "page": s.page,
                "bbox": s.bbox,
                "text": s.text,
            }


def table_rows(results: list[DocResult]) -> Iterator[dict[str, Any]]:
    for r in readable(results):
        checks: dict[str, list[bool]] = {}
        for check in r.records.checks if r.records else []:
            if check.kind != "rule_error":
                checks.setdefault(check.table_id, []).append(check.passed)
        for t in r.document.tables:
            results = checks.get(t.table_id)
            yield {
                "doc_id": r.doc_id,
                "table_id": t.table_id,
                "attachment": t.attachment,
                "title": t.title,
                "pages": ",".join(map(str, t.pages)),
                "rows": len(t.rows),
                "cols": t.ncols,
                "file": table_file(r.doc_id, t),
                "attachment_title": t.attachment_title,
                "unit": t.unit_printed,
                "verified": all(results) if results else None,
                "confidence": table_confidence(t, r.document),
            }


def record_rows(results: list[DocResult], kind: str) -> Iterator[dict[str, Any]]:
    for r in readable(results):
        if r.records is None:
            continue
        items = getattr(r.records, kind)
        for item in items:
            if kind == "checks" and item.passed:
                continue
            yield plain(item)


ROWS = {
    "documents": document_rows,
    "sections": section_rows,
    "tables": table_rows,
    "metrics": lambda results: record_rows(results, "metrics"),
    "deadlines": lambda results: record_rows(results, "deadlines"),
    "checks": lambda results: record_rows(results, "checks"),
}


# --------------------------------------------------------------------------- writing
def write_outputs(
    results: list[DocResult],
    out: Path,
    fmt: str = "csv",
    cache_dir: Path | None = None,
    bom: bool = False,
    review: ReviewSource | None = None,
    printed: bool = False,
) -> dict[str, int]:
    """Every output file into ``out``; returns the row count of each dataset. With ``cache_dir``,
    each document's CSV outputs are kept there too, for the next run to copy (cache.Rendered).
    ``bom``: every CSV file starts with UTF-8's byte-order mark (``--excel``: Excel then reads
    it as UTF-8, not the system's code page; pandas, DuckDB and frictionless skip it).
    ``review``: the review page too (review.py), its images from those files. ``printed``: the
    tables' own files (and sheets) in the script they are printed in (--script original); the
    datasets stay simplified, for joining."""
    results = sorted(results, key=lambda r: r.doc_id)
    if fmt == "csv":
        return write_csv_outputs(results, out, cache_dir, bom, review, printed)
    if any(r.pieces is not None for r in results):  # their documents were not sent back: nothing to convert
        raise ValueError(f"results made for CSV output (run_batch's rendered_format) cannot be written as {fmt}")
    datasets = {name: list(ROWS[name](results)) for name in SCHEMAS}
    if fmt == "xlsx":
        from .workbook import write_workbook

        write_workbook(out / WORKBOOK, results, datasets, printed)
    else:
        for name, columns in SCHEMAS.items():
            write_dataset(out, name, [c for c, _ in columns], datasets[name], fmt)
        for r in readable(results):
            for t in r.document.tables:
                write_document_files(out, {table_file(r.doc_id, t): encoded(table_csv(t, printed))}, bom)
    for r in results:
        write_document_files(out, {f"json/{r.doc_id}.json": json_bytes(r)})
    if review is not None:
        from .review import index_page, listed_result, review_files

        for r in results:
            write_document_files(out, review_files(r, review))
        write_document_files(out, {REVIEW_INDEX: index_page([listed_result(r) for r in results])})
    counts = {name: len(rows) for name, rows in datasets.items()}
    write_datapackage(out, fmt, counts, datasets["tables"])
    return counts


@dataclass(frozen=True)
class Pieces:
    """What one document adds to a CSV output: its rows of each dataset (CSV lines, no header) and
    its own files (json/<id>.json, tables/<id>/<table>.csv), each as bytes to write or as a kept
    file to copy. Made in the worker that read the document, so the main process only writes."""

    rows: dict[str, bytes | Path]
    files: dict[str, bytes | Path]
    counts: dict[str, int]


def write_csv_outputs(
    results: list[DocResult],
    out: Path,
    cache_dir: Path | None,
    bom: bool = False,
    review: ReviewSource | None = None,
    printed: bool = False,
) -> dict[str, int]:
    """The datasets written document by document (rows in the same order as one sorted pass would
    give), so a run holds one document's outputs in memory, not the batch's."""
    counts = dict.fromkeys(SCHEMAS, 0)
    listed = []
    with contextlib.ExitStack() as stack:
        handles = {name: stack.enter_context(open(out / f"{name}.csv", "wb")) for name in SCHEMAS}
        for name, columns in SCHEMAS.items():
            if bom:
                handles[name].write(codecs.BOM_UTF8)
            handles[name].write(encoded(csv_text([[c for c, _ in columns]])))
        for r in results:
            if r.pieces is not None:
                part = r.pieces
            else:
                part = kept(r, pieces(r, review, printed), cache_dir, rendering("csv", review is not None, printed))
            if review is not None:
                from .review import listed_row

                listed.append(listed_row(read_piece(part.rows["documents"]), part.counts))
            for name, handle in handles.items():
                rows = part.rows[name]
                if isinstance(rows, Path):
                    with open(rows, "rb") as source:
                        shutil.copyfileobj(source, handle)
                else:
                    handle.write(rows)
                counts[name] += part.counts[name]
            write_document_files(out, part.files, bom)
    if review is not None:
        from .review import index_page

        write_document_files(out, {REVIEW_INDEX: index_page(listed)})
    write_datapackage(out, "csv", counts)
    return counts


def read_piece(piece: bytes | Path) -> bytes:
    return piece.read_bytes() if isinstance(piece, Path) else piece


def rendering(fmt: str, review: bool, printed: bool) -> str:
    """The name of one way of writing a document's files: its format and options (csv+review)."""
    return fmt + (REVIEWED if review else "") + (PRINTED if printed else "")


def kept(r: DocResult, made: Pieces, cache_dir: str | Path | None, fmt: str = "csv") -> Pieces:
    """``made``, kept in the cache beside the document's entry for the next run to copy; ``fmt``
    names how they were written (rendering())."""
    if cache_dir and r.key:
        from . import cache

        info = {"status": r.status, "error": r.error, "warnings": r.warnings, "counts": made.counts}
        files = {**{f"rows/{name}.csv": data for name, data in made.rows.items()}, **made.files}
        cache.store_rendered(Path(cache_dir), r.key, r.doc_id, r.path, fmt, files, info)  # type: ignore[arg-type]
    return made


def kept_pieces(found: Any) -> Pieces:
    """The pieces of a cache.Rendered: its files, copied when written."""
    rows: dict[str, bytes | Path] = {name: found.folder / "rows" / f"{name}.csv" for name in SCHEMAS}
    files: dict[str, bytes | Path] = {name: found.folder / name for name in found.files if not name.startswith("rows/")}
    return Pieces(rows, files, found.counts)


def pieces(r: DocResult, review: ReviewSource | None = None, printed: bool = False) -> Pieces:
    rows: dict[str, bytes | Path] = {}
    counts: dict[str, int] = {}
    for name, columns in SCHEMAS.items():
        names = [c for c, _ in columns]
        lines = [[cell(row.get(c)) for c in names] for row in ROWS[name]([r])]
        rows[name], counts[name] = encoded(csv_text(lines)), len(lines)
    files: dict[str, bytes | Path] = {}
    for readable_result in readable([r]):
        for t in readable_result.document.tables:
            files[table_file(r.doc_id, t)] = encoded(table_csv(t, printed))
    files[f"json/{r.doc_id}.json"] = json_bytes(r)
    if review is not None:
        from .review import review_files

        files.update(review_files(r, review))
    return Pieces(rows, files, counts)


def write_document_files(out: Path, files: dict[str, bytes | Path], bom: bool = False) -> None:
    """A document's own files; ``bom``: its CSV files start with the byte-order mark (kept files
    never have one, so the cache serves runs with and without --excel alike)."""
    for name, content in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if bom and name.endswith(".csv"):
            with open(target, "wb") as handle:
                handle.write(codecs.BOM_UTF8)
                if isinstance(content, Path):
                    with open(content, "rb") as source:
                        shutil.copyfileobj(source, handle)
                else:
                    handle.write(content)
        elif isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)


def encoded(text: str) -> bytes:
    """UTF-8; a lone surrogate from a broken text layer written as U+FFFD, not a crash."""
    return text.encode("utf-8", REPLACE_UNENCODABLE)


def csv_text(lines: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()


def table_file(doc_id: str, table: Any) -> str:
    return f"tables/{doc_id}/{safe_name(table.table_id)}.csv"


def table_csv(table: Any, printed: bool = False) -> str:
    """A table's own file: its header and cells, as normalised (simplified) or as printed."""
    header = (table.header_printed or table.header) if printed else table.header
    cells = ([c.printed if printed else c.text for c in row] for row in table.rows)
    return csv_text([column_labels(header), *cells])


def column_labels(header: list[str]) -> list[str]:
    """The header as printed, made usable as column names (pandas, DuckDB and the data package
    need them named and distinct): a blank one is named by its position (列1), a repeated one
    numbered (金额 (2)). The document's JSON keeps the header exactly as printed."""
    labels: list[str] = []
    taken: set[str] = set()
    for position, text in enumerate(header, start=1):
        base = " ".join(str(text).split()) or f"列{position}"
        label, copy = base, 2
        while label in taken:
            label, copy = f"{base} ({copy})", copy + 1
        taken.add(label)
        labels.append(label)
    return labels


@dataclass(frozen=True)
class DocumentJson:
    """The shape of json/<doc_id>.json."""

    doc_id: str
    path: str
    sha256: str
    status: str
    error: str
    document: Document | None
    records: Records | None


@cache
def json_adapter() -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(DocumentJson)


def json_bytes(r: DocResult) -> bytes:
    """pydantic's serializer (Rust: a tenth of json.dumps over plain()'s time); text a broken text
    layer left with a lone surrogate, which it refuses, goes the slow way with U+FFFD in its place."""
    from pydantic_core import PydanticSerializationError

    shaped = DocumentJson(r.doc_id, r.path, r.sha256, r.status, r.error, r.document, r.records)
    try:
        return json_adapter().dump_json(shaped, exclude={"document": INTERNAL})
    except PydanticSerializationError:
        return encoded(json.dumps(document_json(r), ensure_ascii=False, separators=(",", ":"), default=str))


def write_dataset(out: Path, name: str, columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        with open_text(out / f"{name}.json") as handle:
            json.dump(
                [{c: row.get(c) for c in columns} for row in rows], handle, ensure_ascii=False, indent=1, default=str
            )
    elif fmt == "parquet":
        import pandas as pd

        frame = pd.DataFrame(
            [
                {c: (json.dumps(row.get(c)) if isinstance(row.get(c), tuple | list) else row.get(c)) for c in columns}
                for row in rows
            ],
            columns=columns,
        )
        frame.to_parquet(out / f"{name}.parquet", index=False)
    else:
        raise ValueError(f"unknown output format {fmt!r}")


FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # a dataclass's field names (datapackage.FIELDS: the columns' meaning)


def plain(value: Any) -> Any:
    """dataclasses.asdict without its deep copies of every value (a document's lines and boxes:
    asdict was two thirds of writing a cached batch)."""
    kind = type(value)
    names = FIELD_NAMES.get(kind)
    if names is None and hasattr(kind, "__dataclass_fields__"):
        left_out = INTERNAL["paragraphs"]["__all__"] if kind is Paragraph else set()
        names = FIELD_NAMES[kind] = tuple(f.name for f in fields(value) if f.name not in left_out)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    return value


def document_json(r: DocResult) -> dict[str, Any]:
    return {
        "doc_id": r.doc_id,
        "path": r.path,
        "sha256": r.sha256,
        "status": r.status,
        "error": r.error,
        "document": plain(r.document) if r.document else None,
        "records": plain(r.records) if r.records else None,
    }


def write_datapackage(out: Path, fmt: str, counts: dict[str, int], tables: list[dict[str, Any]] | None = None) -> None:
    """datapackage.json (datapackage.py); the workbook describes itself."""
    if fmt == "xlsx":
        return
    from .datapackage import write_datapackage as write_package

    listed = None if tables is None else [(t["doc_id"], t["table_id"], t["title"] or "", t["file"]) for t in tables]
    write_package(out, fmt, SCHEMAS, DESCRIPTIONS, counts, listed)
