"""The output folder's ``datapackage.json``: a Frictionless Data Package describing every dataset
and every table file, valid under the standard (``frictionless validate datapackage.json``).

Owns: what each column means (FIELDS: one description per column of export.SCHEMAS, checked by a
test), the keys that tie the datasets together (documents.doc_id is the primary key; every other
dataset's doc_id refers to it), and one resource per table file (tables/<doc_id>/<table_id>.csv)
with its title and columns. Written after the files it describes, from what was written: the
table files are found through tables.csv, so kept outputs copied from the cache are described
as freshly made ones are.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import Any

# dataset → column → what it holds; every column of export.SCHEMAS has one (tests/test_cli.py)
FIELDS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "The document's id: its file name without the extension, made unique within the run.",
        "path": "The input file as given on the command line.",
        "sha256": "SHA-256 of the input file's bytes.",
        "pages": "Number of pages (a .txt input counts as one).",
        "title": "The document's title as printed (标题).",
        "issuer": "The body that issued it (发文机关), from the masthead or the signature.",
        "co_issuers": "Other issuing bodies of a joint document, separated by ；.",
        "doc_number": "The document number (文号), e.g. 浙政办发〔2018〕30号.",
        "date": "The date the document was issued or signed (成文日期).",
        "format": "The report formats (rule files) that matched, joined by +; generic when none did.",
        "script": "simplified or traditional: the script the text layer is printed in.",
        "status": "ok: every page read; partial: some pages not read (named in warnings); failed: nothing usable, the reason in error.",
        "error": "Why the document failed; empty otherwise.",
        "warnings": "What was read with doubt or not at all (pages, tables, checks), separated by ' | '.",
        "ocr_pages": "Pages whose text was read by OCR, as ranges (1-3,7); empty when none.",
    },
    "sections": {
        "doc_id": "The document (documents.doc_id).",
        "section_id": "Position in the section tree: 2 is the second top-level section, 2.1 its first subsection.",
        "level": "Depth in the tree: 1 for 一、, 2 for （一）, 3 for 1., 4 for （1）.",
        "label": "The numbering label as printed: 一、 （二） 3.",
        "heading": "The heading after the label, as printed.",
        "items": "The numbered items listed inside the section, separated by ；.",
        "page": "Page where the section starts (from 1).",
        "bbox": "Box of the heading on that page: [x0, top, x1, bottom] in points from the page's top-left.",
        "text": "The section's own text (without its subsections).",
    },
    "tables": {
        "doc_id": "The document (documents.doc_id).",
        "table_id": "The table's id within the document: t01, t02… in reading order.",
        "attachment": "The attachment (附件) number the table belongs to; empty when it is in the body.",
        "title": "The table's title as printed above it (表名).",
        "pages": "Pages the table spans, separated by commas (a table continued over pages is stitched).",
        "rows": "Number of data rows (without the header).",
        "cols": "Number of columns.",
        "file": "The table's cells as CSV, relative to the output folder.",
        "attachment_title": "The attachment's own title, when the table is in one.",
        "unit": "The unit the table's figures are printed in (单位：万元), as printed.",
        "verified": "true when its 合计 rows, codes and 合计 columns all add up; false when one does not; empty when nothing could be checked.",
        "confidence": "The lowest OCR score of the table's characters; 1 when read from a text layer.",
    },
    "metrics": {
        "doc_id": "The document (documents.doc_id).",
        "date": "The document's date (documents.date).",
        "as_of": "The date the figure is stated for (截至…), when printed.",
        "section_id": "The section the figure is in (sections.section_id); empty outside numbered sections.",
        "metric": "Canonical metric id from the rules' vocabulary (metrics.yaml); empty when none applies.",
        "label": "What the figure measures, as printed.",
        "entity": "The department or district the figure belongs to; empty for the whole.",
        "period": "The period the report covers: 2024, or 2015-07/2015-12.",
        "issuer": "The reporting body (documents.issuer).",
        "row": "For a table figure: its row labels, left to right, separated by ' / '.",
        "column": "For a table figure: its column's header path, separated by /.",
        "value": "The figure in base units: 390.31亿条 → 39031000000; a percentage as a number (67.65).",
        "unit": "The base unit of value (条, 元, %).",
        "unit_printed": "The unit as printed, before conversion to base units (亿条, 万元).",
        "raw": "The figure exactly as printed.",
        "approx": "true when printed as approximate (约, 近, 超过…).",
        "page": "Page the figure is printed on (from 1).",
        "bbox": "Box of the figure's own characters on that page (the number and its unit, or its table cell's text): [x0, top, x1, bottom] in points from the page's top-left.",
        "source": "text (from prose) or table:<table_id> (from a table cell).",
        "rule": "The rule that found it: <format>:metrics[i] or <format>:tables[i], or generic.",
        "is_total": "true for a figure from a total row (合计, 总计).",
        "confidence": "The lowest OCR score of the characters printing it; 1 when read from a text layer.",
    },
    "deadlines": {
        "doc_id": "The document (documents.doc_id).",
        "task": "What must be done, as printed.",
        "owner": "Who must do it (责任单位), as printed; empty when not named.",
        "period": "The period the document covers.",
        "issuer": "The body that issued the document.",
        "deadline_text": "The deadline as printed: 2018年10月底前, 长期坚持.",
        "due": "The last day as an ISO date; empty for ongoing or undetermined deadlines.",
        "page": "Page the deadline is printed on (from 1).",
        "bbox": "Box of the deadline's own words (or of its table cell's text) on that page: [x0, top, x1, bottom] in points from the page's top-left.",
        "section_id": "The section it is in (sections.section_id).",
        "rule": "The rule that found it.",
        "kind": "by (done by the due date), period (within a span), ongoing (全年, 长期) or undetermined.",
        "source": "text (from prose) or table:<table_id> (from a table cell).",
    },
    "checks": {
        "doc_id": "The document (documents.doc_id).",
        "table_id": "The table checked (tables.table_id).",
        "kind": "column_sum, code_sum, row_sum, sum, ratio, rows_equal, same_figures, or rule_error (a rule that could not be applied).",
        "expected": "What the figure should be, from the rows or columns it sums or divides.",
        "actual": "The figure as printed.",
        "detail": "The check in words: which rows, which figures.",
        "page": "Page the checked figure (the total) is printed on.",
        "bbox": "Box of the checked figure on that page.",
    },
}
PRIMARY_KEYS = {"documents": ["doc_id"], "sections": ["doc_id", "section_id"], "tables": ["doc_id", "table_id"]}
RESOURCE_NAME = re.compile(r"[^a-z0-9._-]+")  # a resource name is lower-case ASCII, digits and ._-


def write_datapackage(
    out: Path,
    fmt: str,
    datasets: dict[str, list[tuple[str, str]]],
    descriptions: dict[str, str],
    counts: dict[str, int],
    tables: list[tuple[str, str, str, str]] | None = None,
) -> None:
    """datapackage.json for the datasets written as ``fmt`` files (csv, json or parquet), with
    ``counts`` rows each, and the table files, which are CSV in every format: ``tables`` lists
    them as (doc_id, table_id, title, file); by default they are read back from tables.csv."""
    from .export import encoded

    resources = [
        dataset_resource(name, columns, fmt, descriptions[name], counts.get(name, 0))
        for name, columns in datasets.items()
    ]
    listed = tables if tables is not None else listed_tables(out / "tables.csv")
    resources += table_resources(out, listed, {r["name"] for r in resources})
    package = {
        "name": "extract-output",
        "title": "Datasets extracted from documents by extract",
        "profile": "tabular-data-package" if fmt == "csv" else "data-package",
        "resources": resources,
    }
    (out / "datapackage.json").write_bytes(encoded(json.dumps(package, ensure_ascii=False, indent=1)))


def dataset_resource(
    name: str, columns: list[tuple[str, str]], fmt: str, description: str, rows: int
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [{"name": c, "type": t, "description": FIELDS[name][c]} for c, t in columns],
        "missingValues": [""],
    }
    if name in PRIMARY_KEYS:
        schema["primaryKey"] = PRIMARY_KEYS[name]
    if name != "documents":
        schema["foreignKeys"] = [{"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}}]
    resource: dict[str, Any] = {"name": name, "path": f"{name}.{fmt}", "description": description, "format": fmt}
    if fmt == "csv":
        resource.update(mediatype="text/csv", encoding="utf-8")
    # Tables as frictionless reads them: CSV always (a header at least), JSON with rows (it cannot
    # read a table from an empty array), Parquet never (it needs a plugin it may not have)
    if fmt == "csv" or (fmt == "json" and rows):
        resource["profile"] = "tabular-data-resource"
    resource["schema"] = schema
    return resource


def table_resources(out: Path, listed: list[tuple[str, str, str, str]], taken: set[str]) -> list[dict[str, Any]]:
    """One CSV resource per table file, its columns named by the file's header (every cell text
    as printed)."""
    resources = []
    for doc_id, table_id, title, file in listed:
        try:
            with open(out / file, encoding="utf-8-sig", newline="") as handle:  # with --excel's mark or without
                header = next(csv.reader(handle), [])
        except OSError:
            continue
        name = unique_name(resource_name(doc_id, table_id), taken)
        resources.append(
            {
                "name": name,
                "title": title or f"{doc_id} {table_id}",
                "description": f"Table {table_id} of document {doc_id} (see the tables dataset), its cells as printed.",
                "path": file,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": {"fields": [{"name": label, "type": "string"} for label in header], "missingValues": [""]},
            }
        )
    return resources


def listed_tables(tables_csv: Path) -> list[tuple[str, str, str, str]]:
    """(doc_id, table_id, title, file) of every table, as the tables dataset lists them."""
    try:
        with open(tables_csv, encoding="utf-8-sig", newline="") as handle:
            return [(r["doc_id"], r["table_id"], r["title"], r["file"]) for r in csv.DictReader(handle)]
    except OSError:
        return []


def resource_name(doc_id: str, table_id: str) -> str:
    """table-<doc_id>-<table_id> as a resource name may be (lower-case ASCII): an id with other
    characters (浙江通知) keeps its ASCII part and gets a short hash of the whole, so each
    document's name is its own whatever else the run holds."""
    ascii_part = RESOURCE_NAME.sub("-", doc_id.lower()).strip("-")
    if ascii_part != doc_id.lower():
        ascii_part = f"{ascii_part}-{hashlib.sha256(doc_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}".strip(
            "-"
        )
    return f"table-{ascii_part}-{RESOURCE_NAME.sub('-', table_id.lower()).strip('-')}"


def unique_name(name: str, taken: set[str]) -> str:
    candidate, number = name or "table", 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate
