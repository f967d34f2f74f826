"""Tables stitched whole across pages, from the page parts the ruled and unruled readers found.

Owns: a table continued on the next page is stitched to its first part when the evidence says
so (same column count and column positions, nothing but page furniture between them: ruled
columns within TableSettings.align, unruled ones by the gaps between them); a repeated header
row is dropped; a row cut in two by the page break (its always-filled columns empty) is rejoined
to the row above; a vertically merged cell cut by the break is joined and filled down. Merged
cells are filled down/right with ``merged_from`` naming their origin; 合计/总计 rows are marked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from ..model import Cell, PageTable, Table, TableCell
from ..normalize import join_fragments, normalize_text
from ..settings import TABLES, TableSettings
from .shape import shape_tables

TOTAL_WORDS = ("合计", "总计", "汇总", "小计", "合計", "總計", "總和", "总和")


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def same_text(a: list[str], b: list[str]) -> bool:
    """Equal up to spacing and full/half-width forms (a repeated header may switch （ and ()."""
    return [unicodedata.normalize("NFKC", compact(x)) for x in a] == [
        unicodedata.normalize("NFKC", compact(x)) for x in b
    ]


def same_header(a: list[str], b: list[str], similarity: float = TABLES.header_similarity) -> bool:
    """A header printed again: the same text, or, as OCR reads it, the same characters in another
    order within a cell (a name stacked in a narrow cell) or a few characters misread."""
    if same_text(a, b):
        return True
    left = [sorted(unicodedata.normalize("NFKC", compact(x))) for x in a]
    right = [sorted(unicodedata.normalize("NFKC", compact(x))) for x in b]
    if len(left) == len(right) and left == right:
        return True
    joined = ["".join(unicodedata.normalize("NFKC", compact(x)) for x in names) for names in (a, b)]
    return len(a) == len(b) and SequenceMatcher(None, *joined, autojunk=False).ratio() >= similarity


def is_total_row(values: list[str]) -> bool:
    return any(compact(v).startswith(TOTAL_WORDS) for v in values[:2] if v)


def is_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,.]+%?|[-+]?\d+(\.\d+)?(万|亿)?", compact(text)))


@dataclass
class TableBuilder:
    """A table being stitched together from its page parts."""

    header: list[str]
    header_rows: int
    head: list[list[TableCell]] = field(default_factory=list)  # the header grid, merged_from in its own rows
    rows: list[list[TableCell]] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: list[tuple[float, float]] | None = None  # relative column edges of the first part
    gaps: list[tuple[float, float]] = field(default_factory=list)  # unruled: the white between its columns
    ruled: bool = True
    # col -> (origin row, origin col, spans rows): a merged cell cut by the page end, or a label in the last row
    open_spans: dict[int, tuple[int, int, bool]] = field(default_factory=dict)
    unit: str | None = None  # the unit printed above the table (单位：万元)
    unit_source: str | None = None
    title_source: str = "caption"
    settings: TableSettings = TABLES

    @property
    def ncols(self) -> int:
        return len(self.header)


def column_edges(table: PageTable) -> list[tuple[float, float]] | None:
    xs = table.xs
    if not xs:
        return None
    return [(xs[i] - xs[0], xs[i + 1] - xs[0]) for i in range(len(xs) - 1)]


def same_geometry(
    a: list[tuple[float, float]] | None, b: list[tuple[float, float]] | None, within: float = TABLES.align
) -> bool:
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(abs(x[0] - y[0]) <= within and abs(x[1] - y[1]) <= within for x, y in zip(a, b))


def same_gaps(a: list[tuple[float, float]] | None, b: list[tuple[float, float]] | None, within: float) -> bool:
    """Unruled columns: the gaps between them agree; the outer edges are only where the text ends."""
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(abs(x[1] - y[1]) <= within for x, y in zip(a[:-1], b[:-1]))


def gaps_overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    """Unruled parts have the same columns when the white between each pair of columns overlaps
    on both pages: the cells' padding is white on every page, wherever the longest text ends."""
    return len(a) == len(b) and all(min(x1, y1) > max(x0, y0) for (x0, x1), (y0, y1) in zip(a, b))


def column_tolerance(builder: TableBuilder, part: PageTable) -> float:
    """Ruled columns are where their lines are; unruled ones are white gaps that move with the text."""
    sizes = [cell.bbox[3] - cell.bbox[1] for row in part.rows[:3] for cell in row if cell.bbox and cell.text]
    size = min(sizes) if sizes else 10.0
    return max(builder.settings.align, builder.settings.unruled_align_sizes * size)


def regrid(part: PageTable, columns: list[tuple[float, float]] | None, align: float = TABLES.align) -> PageTable | None:
    """A continued part drawn with fewer column lines (a page of merged cells only) laid on the
    table's own columns: each of its cells spans the table columns between its borders."""
    mine = column_edges(part)
    if columns is None or mine is None:
        return None
    bounds = [0.0] + [b for _, b in columns]
    index = []
    for edge in [0.0] + [b for _, b in mine]:
        j = min(range(len(bounds)), key=lambda k: abs(bounds[k] - edge))
        if abs(bounds[j] - edge) > align:
            return None
        index.append(j)
    if index[0] != 0 or index[-1] != len(bounds) - 1 or len(set(index)) != len(index):
        return None
    first_column = {id(cell): k for row in part.rows for k, cell in reversed(list(enumerate(row)))}
    last_column = {id(cell): k for row in part.rows for k, cell in enumerate(row)}
    copies = {
        id(cell): replace(cell, col_span=index[last_column[id(cell)] + 1] - index[first_column[id(cell)]])
        for row in part.rows
        for cell in row
    }
    rows = []
    for row in part.rows:
        wide: list[Cell] = []
        for k, cell in enumerate(row):
            wide.extend([copies[id(cell)]] * (index[k + 1] - index[k]))
        rows.append(wide)
    xs = [part.xs[0] + b for b in bounds]
    return PageTable(part.page, part.bbox, rows, part.ruled, xs, part.ys)


def count_header_rows(table: PageTable) -> int:
    """Row 0, plus the next rows while the one above groups columns (a cell spanning several)."""
    n = 1
    while n < len(table.rows) - 1:
        groups = any(cell.col_span > 1 for cell in table.rows[n - 1])
        values = [c.text for c in table.rows[n]]
        if groups and not any(is_numeric(v) for v in values if v):
            n += 1
        else:
            break
    return n


def header_names(table: PageTable, n: int) -> list[str]:
    names = []
    for c in range(table.ncols):
        parts: list[str] = []
        for r in range(n):
            text = table.rows[r][c].text.strip()
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append("/".join(parts))
    return names


def row_values(row: list[Cell]) -> list[str]:
    return [c.text for c in row]


def is_header_like(values: list[str]) -> bool:
    filled = [v for v in values if v.strip()]
    return len(filled) >= max(2, len(values) - 1) and not any(is_numeric(v) for v in filled)


def repeats_header(builder: TableBuilder, part: PageTable) -> int:
    """How many rows at the top of this part repeat the table's header (0 when none)."""
    n = builder.header_rows
    if len(part.rows) > n and same_header(header_names(part, n), builder.header, builder.settings.header_similarity):
        return n
    return 0


def continuation(builder: TableBuilder, part: PageTable) -> PageTable | None:
    """This page part as the continuation of the table being built, or None when it is another table."""
    unruled = not (builder.ruled and part.ruled)
    if part.ncols != builder.ncols or not (
        (
            gaps_overlap(builder.gaps, part.gaps)
            if builder.gaps and part.gaps
            else same_gaps(builder.columns, column_edges(part), column_tolerance(builder, part))
        )
        if unruled
        else same_geometry(builder.columns, column_edges(part), builder.settings.align)
    ):
        laid = regrid(part, builder.columns, builder.settings.align) if builder.ruled and part.ruled else None
        if laid is None:
            return None
        part = laid
    if repeats_header(builder, part) or (builder.rows and is_band(builder.rows[-1])):
        return part  # a repeated header, or the rows under a band that closed the last page
    # a header-like first row that is not our header opens a different table
    return None if is_header_like(row_values(part.rows[0])) else part


def is_band(row: list[TableCell] | list[Cell]) -> bool:
    """One cell across the whole width, with a name in it: the title of the rows below."""
    first = row[0]
    if len(row) < 2 or not first.text.strip() or is_numeric(first.text):
        return False
    if isinstance(first, TableCell):
        return first.merged_from is None and all(c.merged_from is not None and c.merged_from[1] == 0 for c in row[1:])
    return all(c is first for c in row)


def start_table(part: PageTable, settings: TableSettings = TABLES) -> TableBuilder:
    n = count_header_rows(part)
    builder = TableBuilder(
        settings=settings,
        header=header_names(part, n),
        header_rows=n,
        head=grid_cells(part, 0, n),
        columns=column_edges(part),
        gaps=part.gaps,
        ruled=part.ruled,
    )
    add_part(builder, part, skip=n, continuation=False)
    return builder


def table_cell(cell: Cell, page: int, merged_from: tuple[int, int] | None = None) -> TableCell:
    """A page part's cell in the stitched table, with its text in the script it is printed in where
    normalising converted it (spacing and full-width digits normalised alike)."""
    printed = normalize_text(cell.original, "simplified") if cell.original and cell.original != cell.text else ""
    original = printed if printed != cell.text else ""
    return TableCell(cell.text, page, cell.bbox, merged_from=merged_from, ink=cell.ink, original=original)


def printed_text(cell: Cell | TableCell) -> str:
    return cell.printed if isinstance(cell, TableCell) else table_cell(cell, cell.page).printed


def set_text(cell: TableCell, text: str, printed: str) -> None:
    cell.original = printed if printed != text else ""
    cell.text = text


def grid_cells(part: PageTable, start: int, end: int) -> list[list[TableCell]]:
    """Rows start..end of a page part as TableCells, a merged cell once with merged_from elsewhere."""
    origin = origins(part)
    out = []
    for r in range(start, end):
        row = []
        for c, cell in enumerate(part.rows[r]):
            o_r, o_c = origin[id(cell)]
            covered = (o_r, o_c) != (r, c) and o_r >= start
            row.append(table_cell(cell, part.page, (o_r - start, o_c) if covered else None))
        out.append(row)
    return out


def extend_table(builder: TableBuilder, part: PageTable) -> None:
    """Add a part that ``continuation`` accepted (as it returned it)."""
    skip = repeats_header(builder, part)
    if skip:
        builder.repairs.append(f"dropped the header row repeated on page {part.page}")
    add_part(builder, part, skip=skip, continuation=True)


def origins(part: PageTable) -> dict[int, tuple[int, int]]:
    """For each cell object of the grid, the (row, col) where it starts."""
    first: dict[int, tuple[int, int]] = {}
    for r, row in enumerate(part.rows):
        for c, cell in enumerate(row):
            first.setdefault(id(cell), (r, c))
    return first


def add_part(builder: TableBuilder, part: PageTable, skip: int, continuation: bool) -> None:
    if part.page not in builder.pages:
        builder.pages.append(part.page)
    local_origin = origins(part)
    global_origin: dict[int, tuple[int, int]] = {}
    body = part.rows[skip:]
    if continuation and body:
        carry_spans_over(builder, body[0], local_origin, skip, global_origin)
    for i, row in enumerate(body):
        r = skip + i
        if continuation and i == 0 and builder.rows and is_fragment(builder, row, global_origin):
            rejoin(builder, row, global_origin)
            builder.repairs.append(f"rejoined a row split by the page break before page {part.page}")
            continue
        if not any(c.text.strip() for c in row) and not any(id(c) in global_origin or c.row_span > 1 for c in row):
            continue  # an empty ruled row is padding, not data
        index = len(builder.rows)
        out = []
        for c, cell in enumerate(row):
            if id(cell) in global_origin:
                out.append(table_cell(cell, part.page, global_origin[id(cell)]))
            elif local_origin[id(cell)] == (r, c):
                global_origin[id(cell)] = (index, c)
                out.append(table_cell(cell, part.page))
            else:  # spanned from a row that was not kept (a header): treat as its own cell
                global_origin[id(cell)] = (index, c)
                out.append(table_cell(cell, part.page))
        builder.rows.append(out)
    builder.open_spans = {}
    if body:
        for c, cell in enumerate(part.rows[-1]):
            if id(cell) in global_origin and (cell.row_span > 1 or (cell.text.strip() and not is_numeric(cell.text))):
                o_r, o_c = global_origin[id(cell)]
                builder.open_spans[c] = (o_r, o_c, cell.row_span > 1)


def carry_spans_over(
    builder: TableBuilder,
    first: list[Cell],
    local_origin: dict[int, tuple[int, int]],
    first_row: int,
    global_origin: dict[int, tuple[int, int]],
) -> None:
    """A merged cell cut by the page break goes on at the top of the next page: join its two parts."""
    for c, (o_r, o_c, spanning) in builder.open_spans.items():
        if c >= len(first) or o_c != c:
            continue
        cell = first[c]
        if local_origin[id(cell)] != (first_row, c) or id(cell) in global_origin:
            continue
        origin = builder.rows[o_r][o_c]
        again = reprinted(origin.text, cell.text)
        # a group label in the last row that the next page prints again, or whose numbered label
        # the break cut in two ("（四）无" / "法提供"), merged over more rows, goes on too
        cut = cell.row_span > 1 and cut_label(builder, c, origin.text, cell.text)
        if (spanning and (cell.row_span > 1 or not cell.text.strip() or again)) or (cell.row_span > 1 and again) or cut:
            if again:  # the label printed again: keep the fuller of the two (a page may cut it short)
                fuller = max((origin, cell), key=lambda c: len(compact(c.text)))
                set_text(origin, fuller.text, printed_text(fuller))
            else:
                set_text(
                    origin,
                    join_fragments([origin.text, cell.text]),
                    join_fragments([origin.printed, printed_text(cell)]),
                )
            global_origin[id(cell)] = (o_r, o_c)
            builder.repairs.append(f"joined a merged cell cut by the page break before page {cell.page}")


NUMBERED = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]")


def cut_label(builder: TableBuilder, col: int, head: str, tail: str) -> bool:
    """The two halves of a numbered label the page break cut: the column numbers its labels, the
    part above starts with a number and the part below does not."""
    numbered = sum(bool(NUMBERED.match(row[col].text.strip())) for row in builder.rows if row[col].merged_from is None)
    return (
        numbered >= 2 and bool(NUMBERED.match(head.strip())) and bool(tail.strip()) and not NUMBERED.match(tail.strip())
    )


def reprinted(label: str, again: str) -> bool:
    """A merged label printed again at the top of the next page (either print may be cut short), not its second half."""
    first, second = compact(label), compact(again)
    return bool(first and second) and (first.startswith(second) or second.startswith(first))


def always_filled(builder: TableBuilder) -> list[int]:
    """Columns that every row fills; with too few rows to tell, the serial-number column."""
    if not builder.rows:
        return []
    if len(builder.rows) < 3:
        return [
            c
            for c in range(builder.ncols)
            if re.search(r"序|编号|^No", builder.header[c]) and all(is_numeric(row[c].text) for row in builder.rows)
        ]
    return [
        c
        for c in range(builder.ncols)
        if sum(bool(row[c].text.strip()) for row in builder.rows) / len(builder.rows)
        >= builder.settings.always_filled_share
    ]


def is_fragment(builder: TableBuilder, row: list[Cell], global_origin: dict[int, tuple[int, int]]) -> bool:
    """The tail of the row above, cut off by the page break: an always-filled column is empty here."""
    own = [(c, cell) for c, cell in enumerate(row) if id(cell) not in global_origin]
    if not any(cell.text.strip() for _, cell in own):
        return True
    needed = set(always_filled(builder))
    return any(c in needed and not cell.text.strip() and cell.row_span == 1 for c, cell in own)


def rejoin(builder: TableBuilder, row: list[Cell], global_origin: dict[int, tuple[int, int]]) -> None:
    last = builder.rows[-1]
    seen: set[int] = set()
    for c, cell in enumerate(row):
        if id(cell) in seen or id(cell) in global_origin:
            continue
        seen.add(id(cell))
        tail = cell.text.strip()
        # some PDFs print the cut line on both pages: do not add it twice
        if tail and last[c].merged_from is None and not compact(last[c].text).endswith(compact(tail)):
            joined = join_fragments([last[c].printed, printed_text(cell)])
            set_text(last[c], join_fragments([last[c].text, cell.text]), joined)
        if cell.row_span > 1:  # a span starting in the fragment goes on below it
            global_origin[id(cell)] = last[c].merged_from or (len(builder.rows) - 1, c)


def fill_down_unruled(builder: TableBuilder) -> None:
    """Without ruling lines a merged cell shows as blanks under its label: a row whose leading
    cells are empty while the rest is filled continues the label above (not for total rows)."""
    for r in range(1, len(builder.rows)):
        row = builder.rows[r]
        values = [c.text for c in row]
        if is_total_row(values) or is_total_row([c.text for c in builder.rows[r - 1]]):
            continue
        prefix = 0
        while prefix < len(row) and not values[prefix].strip():
            prefix += 1
        if prefix == 0 or prefix >= len(row) - 1:
            continue
        for c in range(prefix):
            above = builder.rows[r - 1][c]
            if above.text.strip() or above.merged_from is not None:
                row[c].merged_from = above.merged_from or (r - 1, c)


def finish_tables(
    builder: TableBuilder, first_number: int, attachment: int | None, attachment_title: str | None, title: str | None
) -> list[Table]:
    """The stitched table as output: one Table per stacked part (see tableshape), numbered from first_number."""
    if not builder.ruled:
        fill_down_unruled(builder)
    tables = []
    parts = shape_tables(builder.head, builder.rows)
    for k, shaped in enumerate(parts):
        part_title = f"{title} / {shaped.band}" if shaped.band and title else (shaped.band or title)
        tables.append(
            Table(
                table_id=f"t{first_number + k:02d}",
                attachment=attachment,
                attachment_title=attachment_title,
                title=part_title,
                # a part's own pages; a whole table's, including a page that only held a row's tail
                pages=sorted({c.page for row in shaped.rows for c in row}) or builder.pages
                if len(parts) > 1
                else builder.pages,
                header=shaped.header,
                header_printed=shaped.header_printed,
                rows=shaped.rows,
                total_rows=shaped.total_rows,
                notes=builder.notes,
                repairs=builder.repairs,
                part=shaped.band,
                roles=shaped.roles,
                unit_printed=builder.unit,
                unit_source=builder.unit_source,
                title_source=builder.title_source,
            )
        )
    return tables
