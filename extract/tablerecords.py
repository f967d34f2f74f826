"""Table cells into value records: one per figure, with the row and column it stands at.

Owns: which columns of a table hold figures (the value columns; codes, serial numbers and labels
never become records), the labels that name a figure's row (the label and code columns to its
left, so a table printed as two blocks side by side names each figure by its own block), its
column (the header path), and its unit: the column header's (金额（万元）), else the table's
(单位：万元), applied to give base units, with the unit as printed kept beside.
"""

from __future__ import annotations

import re

from .model import Metric, Table, TableCell
from .quantities import header_unit, parse_cell, parse_quantity, printed_unit


def column_index(table: Table, name: str) -> int | None:
    """The first column the name picks (see column_indexes)."""
    found = column_indexes(table, name)
    return found[0] if found else None


def column_indexes(table: Table, name: str) -> list[int]:
    """Every column whose header starts with the name (units in brackets and spaces ignored), or
    whose header path ends with it (收入预算/合计 is found by 合计, 三公经费/合计/决算数 by 合计/决算数);
    a table printed as two blocks side by side has two 决算数 columns, and both are found."""
    wanted = re.sub(r"\s", "", name)
    found = []
    for i, header in enumerate(table.header):
        plain = re.sub(r"\s", "", header)
        last = plain.split("/")[-1]
        for candidate in (plain, last):
            if (
                candidate == wanted
                or candidate.startswith(wanted)
                or re.sub(r"[(（].*?[)）]$", "", candidate) == wanted
                or plain.endswith("/" + wanted)
            ):
                found.append(i)
                break
    return found


def role(table: Table, col: int) -> str:
    return table.roles[col] if col < len(table.roles) else "value"


def value_columns(table: Table) -> list[int]:
    return [c for c in range(table.ncols) if role(table, c) == "value"]


def entity_column(table: Table, names: list[str]) -> int | None:
    """The column naming who a row is about: given by name, else the first label column."""
    for name in names:
        index = column_index(table, name)
        if index is not None:
            return index
    labels = [c for c in range(table.ncols) if role(table, c) == "label"]
    if labels:
        return labels[0]
    for i in range(table.ncols):  # roles unknown: the first column holding text rather than numbers
        values = [row[i].text for row in table.rows if row[i].text]
        if values and sum(parse_quantity(v) is None for v in values) > len(values) / 2:
            return i
    return None


def label_columns(table: Table, col: int) -> list[int]:
    """The label and code columns naming the rows of value column ``col``: the run just left of
    its block of value columns (收入|预算数|支出|预算数 names each 预算数 by its own 收入/支出)."""
    c = col
    while c >= 0 and role(table, c) == "value":
        c -= 1
    run = []
    while c >= 0 and role(table, c) != "value":
        run.insert(0, c)
        c -= 1
    if not run:
        run = [k for k in range(table.ncols) if role(table, k) != "value"]
    return [k for k in run if role(table, k) != "serial"] or run


# a code cell holding a word: the 类/款/项 column labels printed in the 合计 row's cells
# (final-accounts-2024-putuo-finance 收入决算表), never a code of that row
CODE_TEXT = re.compile(r"[\dA-Za-z.\-]+")


def is_code(text: str) -> bool:
    return CODE_TEXT.fullmatch(re.sub(r"\s+", "", text)) is not None


def row_path(table: Table, row: list[TableCell], labels: list[int]) -> str:
    parts: list[str] = []
    for c in labels:
        text = re.sub(r"\s+", "", row[c].text)
        if role(table, c) == "code" and not is_code(text):
            continue
        if text and (not parts or parts[-1] != text):
            parts.append(text)
    return " / ".join(parts)


def column_unit(table: Table, col: int) -> str | None:
    """The unit of a column's bare numbers: its header's, else the table's."""
    return header_unit(table.header[col]) or table.unit_printed


def column_records(
    table: Table, col: int, entity_col: int | None, metric: str, rule: str, doc_id: str, date: str | None
) -> list[Metric]:
    unit = column_unit(table, col)
    labels = label_columns(table, col)
    column = re.sub(r"\s", "", table.header[col])
    out = []
    for r, row in enumerate(table.rows):
        cell = row[col]
        if cell.merged_from is not None:  # a position a merged cell covers holds no figure of its own
            continue
        q = parse_cell(cell.text, unit)
        if q is None:
            continue
        out.append(
            Metric(
                doc_id=doc_id,
                date=date,
                as_of=None,
                section_id=None,
                metric=metric,
                label=column,
                entity=row[entity_col].text if entity_col is not None else "",
                value=q.value,
                unit=q.unit or "",
                raw=cell.text,
                approx=q.approx,
                page=cell.page,
                bbox=cell.ink or cell.bbox,
                source=f"table:{table.table_id}",
                rule=rule,
                is_total=r in table.total_rows,
                row=row_path(table, row, labels),
                column=column,
                unit_printed=printed_unit(cell.text) or (unit or ""),
            )
        )
    return out
