"""Export stage: results into CSV / JSON / Parquet files with a Frictionless datapackage.json.

Owns: the output contract (file names, columns, their order and types), deterministic row order
(documents by id, rows in document order), UTF-8, and atomic writes: every file is written to a
temporary name beside it and renamed into place, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from .batch import DocResult

# name -> (column, Frictionless type)
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "documents": [
        ("doc_id", "string"),
        ("path", "string"),
        ("sha256", "string"),
        ("pages", "integer"),
        ("title", "string"),
        ("issuer", "string"),
        ("doc_number", "string"),
        ("date", "date"),
        ("format", "string"),
        ("script", "string"),
        ("status", "string"),
        ("error", "string"),
    ],
    "sections": [
        ("doc_id", "string"),
        ("section_id", "string"),
        ("level", "integer"),
        ("label", "string"),
        ("heading", "string"),
        ("items", "string"),
        ("page", "integer"),
        ("bbox", "string"),
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
    ],
    "metrics": [
        ("doc_id", "string"),
        ("date", "date"),
        ("as_of", "date"),
        ("section_id", "string"),
        ("metric", "string"),
        ("label", "string"),
        ("entity", "string"),
        ("value", "number"),
        ("unit", "string"),
        ("raw", "string"),
        ("approx", "boolean"),
        ("page", "integer"),
        ("bbox", "string"),
        ("source", "string"),
        ("rule", "string"),
        ("is_total", "boolean"),
    ],
    "deadlines": [
        ("doc_id", "string"),
        ("task", "string"),
        ("owner", "string"),
        ("deadline_text", "string"),
        ("due", "date"),
        ("page", "integer"),
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
    ],
}
DESCRIPTIONS = {
    "documents": "One row per input file: metadata, detected format and script, status (ok/failed) and error.",
    "sections": "The numbered section tree of each document (一、/（一）/1、/（1）), with page and box.",
    "tables": "Each table, stitched across pages; its cells are in tables/<doc_id>/<table_id>.csv.",
    "metrics": "Every figure: from prose (source=text) or table cells (source=table:<id>), value in base units.",
    "deadlines": "Who must do what by when: due is an ISO date, empty for ongoing (全年工作) or undetermined ones.",
    "checks": "Consistency checks that failed: a total that is not the sum of its rows, a rate that is not its ratio.",
}


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file in the same folder, then rename it over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(
            fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else ""
        ) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with atomic_open(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
            count += 1
    return count


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
            "doc_number": doc.meta.doc_number if doc else None,
            "date": doc.meta.date if doc else None,
            "format": "+".join(r.records.formats) if r.records and r.records.formats else ("generic" if doc else None),
            "script": doc.script if doc else None,
            "status": r.status,
            "error": r.error,
        }


def section_rows(results: list[DocResult]) -> Iterator[dict[str, Any]]:
    for r in results:
        if r.document is None:
            continue
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
    for r in results:
        if r.document is None:
            continue
        for t in r.document.tables:
            yield {
                "doc_id": r.doc_id,
                "table_id": t.table_id,
                "attachment": t.attachment,
                "title": t.title,
                "pages": ",".join(map(str, t.pages)),
                "rows": len(t.rows),
                "cols": t.ncols,
                "file": f"tables/{r.doc_id}/{t.table_id}.csv",
            }


def record_rows(results: list[DocResult], kind: str) -> Iterator[dict[str, Any]]:
    for r in results:
        if r.records is None:
            continue
        items = getattr(r.records, kind)
        for item in items:
            if kind == "checks" and item.passed:
                continue
            yield asdict(item)


ROWS = {
    "documents": document_rows,
    "sections": section_rows,
    "tables": table_rows,
    "metrics": lambda results: record_rows(results, "metrics"),
    "deadlines": lambda results: record_rows(results, "deadlines"),
    "checks": lambda results: record_rows(results, "checks"),
}


# --------------------------------------------------------------------------- writing
def write_outputs(results: list[DocResult], out: Path, fmt: str = "csv") -> dict[str, int]:
    """Every output file; returns the row count of each dataset."""
    out.mkdir(parents=True, exist_ok=True)
    results = sorted(results, key=lambda r: r.doc_id)
    counts = {}
    for name, columns in SCHEMAS.items():
        rows = list(ROWS[name](results))
        counts[name] = len(rows)
        write_dataset(out, name, [c for c, _ in columns], rows, fmt)
    for r in results:
        if r.document is None:
            continue
        for t in r.document.tables:
            write_table(out, r.doc_id, t)
        with atomic_open(out / "json" / f"{r.doc_id}.json") as handle:
            json.dump(document_json(r), handle, ensure_ascii=False, indent=1, default=str)
    write_datapackage(out, fmt)
    return counts


def write_table(out: Path, doc_id: str, table) -> None:
    with atomic_open(out / "tables" / doc_id / f"{table.table_id}.csv") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([c.text for c in row])


def write_dataset(out: Path, name: str, columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "csv":
        write_csv(out / f"{name}.csv", columns, rows)
    elif fmt == "json":
        with atomic_open(out / f"{name}.json") as handle:
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
        with atomic_open(out / f"{name}.parquet", "wb") as handle:
            frame.to_parquet(handle, index=False)
    else:
        raise ValueError(f"unknown output format {fmt!r}")


def document_json(r: DocResult) -> dict[str, Any]:
    return {
        "doc_id": r.doc_id,
        "path": r.path,
        "sha256": r.sha256,
        "status": r.status,
        "error": r.error,
        "document": asdict(r.document) if r.document else None,
        "records": asdict(r.records) if r.records else None,
    }


def write_datapackage(out: Path, fmt: str) -> None:
    suffix = {"csv": "csv", "json": "json", "parquet": "parquet"}[fmt]
    resources = []
    for name, columns in SCHEMAS.items():
        resource: dict[str, Any] = {
            "name": name,
            "path": f"{name}.{suffix}",
            "description": DESCRIPTIONS[name],
            "format": suffix,
            "schema": {"fields": [{"name": c, "type": t} for c, t in columns]},
        }
        if fmt == "csv":
            resource.update({"mediatype": "text/csv", "encoding": "utf-8"})
        resources.append(resource)
    package = {
        "name": "extract-output",
        "profile": "tabular-data-package" if fmt == "csv" else "data-package",
        "resources": resources,
    }
    with atomic_open(out / "datapackage.json") as handle:
        json.dump(package, handle, ensure_ascii=False, indent=1)
