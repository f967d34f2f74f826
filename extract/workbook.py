"""The Excel workbook (``--format xlsx``): every dataset and every table, safe to open in a spreadsheet.

Owns: one sheet per dataset (documents, sections, tables, metrics, deadlines, checks) with numbers
as numbers, dates as dates and every text as text, so a cell that looks like a formula
(=, +, -, @ at its start) is shown, never run; one sheet per extracted table, its title on the
first row and its header on the second, numeric cells as numbers formatted as printed (1,234.50,
55%) and codes with leading zeros (03) kept as text; characters a workbook cannot hold replaced
visibly (U+FFFD) rather than dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .export import SCHEMAS, readable

MAX_ROWS = 1_048_576  # Excel's limit per sheet; longer datasets continue on a second sheet
SHEET_NAME_CHARS = re.compile(r"[\[\]:*?/\\]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # what XML 1.0 cannot hold
GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.(\d+))?$")
PLAIN = re.compile(r"^-?(?:0|[1-9]\d{0,14})(?:\.(\d+))?$")
PERCENT = re.compile(r"^(-?(?:0|[1-9]\d{0,14})(?:\.(\d+))?)%$")


def write_workbook(path: Path, results: list, datasets: dict[str, list[dict[str, Any]]], printed: bool = False) -> None:
    """The workbook; ``printed``: the tables' sheets in the script they are printed in."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    table_sheets = table_sheet_names(results)
    for name, columns in SCHEMAS.items():
        rows = datasets[name]
        names = [c for c, _ in columns] + (["sheet"] if name == "tables" else [])
        types = dict(columns) | {"sheet": "string"}
        if name == "tables":
            rows = [dict(row, sheet=table_sheets.get((row["doc_id"], row["table_id"]), "")) for row in rows]
        for part, start in enumerate(range(0, max(len(rows), 1), MAX_ROWS - 1)):
            sheet = book.create_sheet(name if part == 0 else f"{name} ({part + 1})")
            sheet.append([text_cell(sheet, c) for c in names])
            for row in rows[start : start + MAX_ROWS - 1]:
                sheet.append([typed_cell(sheet, row.get(c), types[c]) for c in names])
    for r in readable(results):
        for table in r.document.tables:
            name = table_sheets[(r.doc_id, table.table_id)]
            title = table.title or table.attachment_title or table.table_id
            for part, start in enumerate(range(0, max(len(table.rows), 1), MAX_ROWS - 2)):
                sheet = book.create_sheet(name if part == 0 else continued(name, part, table_sheets))
                sheet.append([text_cell(sheet, title)])
                sheet.append([text_cell(sheet, h) for h in ((printed and table.header_printed) or table.header)])
                for row in table.rows[start : start + MAX_ROWS - 2]:
                    sheet.append([printed_cell(sheet, c.printed if printed else c.text) for c in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def continued(name: str, part: int, taken: dict[tuple[str, str], str]) -> str:
    """The sheet a table continues on past Excel's row limit: "12 标题 (2)", unique and ≤ 31 characters."""
    suffix = f" ({part + 1})"
    candidate = name[: 31 - len(suffix)] + suffix
    while candidate in taken.values():
        candidate = candidate[: -len(suffix) - 1] + "~" + suffix
    return candidate


def table_sheet_names(results: list) -> dict[tuple[str, str], str]:
    """A unique sheet name (≤ 31 characters) per table: its number in the workbook and its title."""
    names: dict[tuple[str, str], str] = {}
    used = {"documents", "sections", "tables", "metrics", "deadlines", "checks"}
    number = 0
    for r in readable(results):
        for table in r.document.tables:
            number += 1
            title = SHEET_NAME_CHARS.sub("_", table.title or table.attachment_title or f"{r.doc_id} {table.table_id}")
            name = f"{number} {title}"[:31].strip().strip("'")
            while name in used:
                name = f"{number}-{len(used)}"
            used.add(name)
            names[(r.doc_id, table.table_id)] = name
    return names


def text_cell(sheet, value: Any):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=CONTROL_CHARS.sub("\ufffd", str(value)))
    cell.data_type = "s"  # never a formula, whatever it starts with
    return cell


def typed_cell(sheet, value: Any, kind: str):
    from openpyxl.cell import WriteOnlyCell

    if value is None or value == "":
        return None
    if kind in ("integer", "number") and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        try:
            cell = WriteOnlyCell(sheet, value=dt.date.fromisoformat(value))
        except ValueError:
            return text_cell(sheet, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, tuple | list):
        return text_cell(sheet, ", ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in value))
    return text_cell(sheet, value)


def printed_cell(sheet, text: str):
    """A table cell as printed: a number when it is one (shown as printed), text otherwise."""
    from openpyxl.cell import WriteOnlyCell

    if not text:
        return None
    for pattern, scale, style in ((PERCENT, 0.01, "%"), (GROUPED, 1, "#,##0"), (PLAIN, 1, "0")):
        m = pattern.match(text)
        if m:
            number_text = (m.group(1) if pattern is PERCENT else text).replace(",", "")
            decimals = len(m.group(2) or "") if pattern is PERCENT else len(m.group(1) or "")
            value = round(float(number_text) * scale, 12) if "." in number_text or scale != 1 else int(number_text)
            cell = WriteOnlyCell(sheet, value=value)
            fraction = "." + "0" * decimals if decimals else ""
            cell.number_format = (
                f"0{fraction}%" if style == "%" else (style + fraction if style != "0" or decimals else "General")
            )
            return cell
    return text_cell(sheet, text)
