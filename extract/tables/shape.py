"""What a stitched table's cells mean, and which tables it is.

Owns, for a table put together across pages (tables.TableBuilder): splitting a grid that stacks
several tables (a band row across the whole width, then the next part's column names, as in the
政府信息公开年报 表2) into one table per part; columns that every row of a part spans together
made one column; each column's role (label, code, serial number, or value: what is a figure and
what names a row); merged cells, whose text appears once: a label merged down its column is
repeated on every row it covers (so each row names its group, and a value record its row), a
value or a cell merged across columns is never copied; and the 合计/总计 rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import TableCell

CODE_HEADER = re.compile(r"(编码|代码|编号|代号)$|^(类|款|项)$")
SERIAL_HEADER = re.compile(r"^(序号|序|No\.?|NO\.?)$")
LABEL_HEADER = re.compile(r"名称|项目|科目|单位|内容|部门|地区|区县|指标|类别|事项")
TOTAL_LABEL = re.compile(
    r"^(?:[(（][一二三四五六七八九十]+[)）])?[\u4e00-\u9fff]{0,8}?(合计|总计|小计|汇总|总和|合計|總計|總和)$"
)
NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
LEADING_ZERO = re.compile(r"^0\d")
VALUE_SHARE = 0.5  # a column whose filled cells are at least this share numbers holds values


@dataclass
class Part:
    band: str | None
    head: list[list[TableCell]]
    body: list[list[TableCell]]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_number(text: str) -> bool:
    return bool(NUMBER.match(compact(text)))


@dataclass
class Shaped:
    """One table as it will be output: its part's band, column names, cells, column roles, 合计 rows."""

    band: str | None
    header: list[str]
    rows: list[list[TableCell]]
    roles: list[str]
    total_rows: list[int]
    header_printed: list[str]  # empty when the same as header


def shape_tables(head: list[list[TableCell]], body: list[list[TableCell]]) -> list[Shaped]:
    out = []
    for part in split_parts(head, body):
        keep = kept_columns(part)
        header = header_paths(part.head, keep)
        printed = header_paths(part.head, keep, printed=True)
        rows = project(part.body, keep)
        roles = column_roles(header, rows)
        rows = [[shown(cell, r, c, rows, roles) for c, cell in enumerate(row)] for r, row in enumerate(rows)]
        totals = [r for r, row in enumerate(rows) if is_total_row(row, roles)]
        out.append(Shaped(part.band, header, rows, roles, totals, printed if printed != header else []))
    return out


# --------------------------------------------------------------------------- stacked parts
def is_band(rows: list[list[TableCell]], r: int) -> bool:
    """One cell across the whole width with a name in it: the title of the rows below."""
    row = rows[r]
    first = row[0]
    if len(row) < 2 or first.merged_from is not None or not first.text.strip() or is_number(first.text):
        return False
    return all(c.merged_from == (r, 0) for c in row[1:])


def is_header_like(row: list[TableCell]) -> bool:
    filled = [c.text for c in row if c.merged_from is None and c.text.strip()]
    return bool(filled) and not any(is_number(t) for t in filled)


def split_parts(head: list[list[TableCell]], body: list[list[TableCell]]) -> list[Part]:
    """Band rows in the body, each followed by a row of column names, start new parts."""
    starts = [
        r for r in range(len(body) - 1) if is_band(body, r) and is_header_like(body[r + 1]) and not is_band(body, r + 1)
    ]
    if not starts:
        return [Part(None, head, body)]
    band = head[0][0].text.strip() if head and is_band(head, 0) else None
    parts = [Part(band, rebase(head[1:], 1) if band else head, rebase(body[: starts[0]], 0))]
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(body)
        names = start + 1
        while names + 1 < end and is_header_like(body[names + 1]) and not is_band(body, names + 1):
            names += 1
        band_text = body[start][0].text.strip()
        parts.append(
            Part(band_text, rebase(body[start + 1 : names + 1], start + 1), rebase(body[names + 1 : end], names + 1))
        )
    return parts


def rebase(rows: list[list[TableCell]], offset: int) -> list[list[TableCell]]:
    """Rows cut out of a longer grid, their merged_from counted from their own first row."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            origin = cell.merged_from
            moved = (origin[0] - offset, origin[1]) if origin and origin[0] >= offset else None
            cells.append(replace(cell, merged_from=moved))
        out.append(cells)
    return out


# --------------------------------------------------------------------------- columns
def origin(rows: list[list[TableCell]], r: int, c: int) -> tuple[int, int]:
    return rows[r][c].merged_from or (r, c)


def kept_columns(part: Part) -> list[int]:
    """Grid columns that are not always spanned together with the column before them."""
    width = len((part.head or part.body or [[]])[0])
    keep = [0] if width else []
    for c in range(1, width):
        apart = any(
            origin(grid, r, c) != origin(grid, r, c - 1) for grid in (part.head, part.body) for r in range(len(grid))
        )
        if apart or not (part.head or part.body):
            keep.append(c)
    return keep


def header_paths(head: list[list[TableCell]], keep: list[int], printed: bool = False) -> list[str]:
    """Each column's name: the header cells above it, top to bottom, joined with '/' (``printed``:
    the cells as printed, not as normalised)."""
    names = []
    for c in keep:
        parts: list[str] = []
        for r in range(len(head)):
            o_r, o_c = origin(head, r, c)
            cell = head[o_r][o_c]
            text = (cell.printed if printed else cell.text).strip()
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append("/".join(parts))
    return names


def project(rows: list[list[TableCell]], keep: list[int]) -> list[list[TableCell]]:
    """The body on the kept columns; a merged_from pointing into a dropped column points to its kept one."""
    position = {c: i for i, c in enumerate(keep)}

    def kept(col: int) -> int:
        return position[max(k for k in keep if k <= col)]

    out = []
    for row in rows:
        cells = []
        for c in keep:
            cell = row[c]
            moved = (cell.merged_from[0], kept(cell.merged_from[1])) if cell.merged_from else None
            if moved is not None and moved == (len(out), len(cells)):
                moved = None  # covered only by itself once the spanned columns are one
            cells.append(replace(cell, merged_from=moved))
        out.append(cells)
    return out


def column_roles(header: list[str], rows: list[list[TableCell]]) -> list[str]:
    """label | code | serial | value for each column."""
    roles = []
    for c, name in enumerate(header):
        last = compact(name.split("/")[-1])
        texts = [compact(row[c].text) for row in rows if row[c].merged_from is None and row[c].text.strip()]
        numbers = [t for t in texts if is_number(t)]
        if CODE_HEADER.search(last) or CODE_HEADER.search(compact(name.split("/")[0])):
            role = "code"
        elif SERIAL_HEADER.match(last):
            role = "serial"
        elif texts and numbers and len(numbers) == len(texts) and any(LEADING_ZERO.match(t) for t in numbers):
            role = "code"  # 01, 002041: identifiers, not amounts
        elif texts:
            role = "value" if len(numbers) >= VALUE_SHARE * len(texts) else "label"
        else:
            role = "label" if LABEL_HEADER.search(name) else "value"
        roles.append(role)
    return roles


# --------------------------------------------------------------------------- cells
def shown(cell: TableCell, r: int, c: int, rows: list[list[TableCell]], roles: list[str]) -> TableCell:
    """A merged position shows its label when the label is merged down its own column; else nothing."""
    if cell.merged_from is None:
        return cell
    o_r, o_c = cell.merged_from
    down_its_column = o_c == c and o_r < r
    source = rows[o_r][o_c] if down_its_column and roles[c] != "value" else None
    return replace(cell, text=source.text if source else "", original=source.original if source else "")


def is_total_row(row: list[TableCell], roles: list[str]) -> bool:
    labels = [compact(cell.text) for cell, role in zip(row, roles) if role != "value" and cell.text.strip()]
    return any(TOTAL_LABEL.match(text) or text.startswith(("合计", "总计", "合計", "總計")) for text in labels[:4])
