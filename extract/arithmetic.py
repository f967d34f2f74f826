"""A table's own arithmetic, checked: 合计 rows, classification codes and 合计 columns.

Owns, for every table whether or not a rule file knows it:
- total rows: a 合计/总计 row equals the rows it closes (the top level of them, when labels are
  numbered 一、 / （一） / 1. or rows carry 类/款/项 codes; a 小计 row closes its own rows, and a
  合计 the 小计s above it; a 总计 after a 合计 adds what follows to it);
- codes: a 类 row equals its 款 rows, a 款 row its 项 rows (201 ⊃ 20106 ⊃ 2010601, or 类|款|项);
- total columns: a 合计/总计/小计 column equals its sibling columns under the same header (a group
  of columns counts by its own 小计 when it has one, else by its columns);
with the tolerance of the printed rounding (half a unit in the last printed digit per figure, for
figures printed with decimals or in a multiple of the base unit: 2,946.25 万元, 69,462 千元;
whole numbers in the base unit are exact, a budget in 元 must add up to the 元); a check passed
only within that tolerance says by how much it is off. A check that fails is a record, never a correction: the document, or our
reading of it, is wrong, and the user should know which figure to look at (page and box).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grammar import grammar
from .model import Check, Table
from .quantities import parse_cell
from .tablerecords import column_unit, is_code, label_columns, role

RANKS = grammar().total_words  # 小计 1 < 合计 2 < 总计 3 (rules/grammar.yaml)
TOTAL_WORD = re.compile(f"({'|'.join(map(re.escape, RANKS))})$")
NUMBERING = (  # label numbering, outermost first: 一、 > （一） > 1. > （1）
    re.compile(r"^[一二三四五六七八九十]+[、.．]"),
    re.compile(r"^[（(][一二三四五六七八九十]+[）)]"),
    re.compile(r"^\d+[、.．](?!\d)"),
    re.compile(r"^[（(]\d+[）)]"),
)
EXCLUDED_PART = re.compile(r"^其中|率$|占比|比例|%|％|增[长减]|同比|比上年")
# columns whose figures do not add up: rates, and statistics of a distribution (tw-fia-income-stats
# prints 平均数, 中位数, 第一分位数, 标准差 beside its totals)
RATE = re.compile(
    r"率|占比|比例|比重|百分比|%|％|增幅|增速|同比|环比|平均|均值|中位|分位|标准差|变异|系数|指数|人均|单价"
)


@dataclass(frozen=True)
class Figure:
    value: float  # in base units
    decimals: int  # digits printed after the point
    factor: float  # base units per printed unit: 10,000 for a figure printed in 万元
    page: int
    bbox: tuple[float, float, float, float] | None


def table_checks(table: Table, doc_id: str, skip_total_rows_for: frozenset[int] = frozenset()) -> list[Check]:
    """Every check of one table; ``skip_total_rows_for`` are columns a rule file checks itself."""
    figures = {c: column_figures(table, c) for c in range(table.ncols) if role(table, c) == "value"}
    checks: list[Check] = []
    for c, column in figures.items():
        if is_rate(table, c, column):
            continue  # rates do not add up
        labels = label_columns(table, c)
        if c not in skip_total_rows_for:
            checks += total_row_checks(table, doc_id, c, column, labels)
        checks += code_checks(table, doc_id, c, column, labels)
    checks += total_column_checks(table, doc_id, {c: f for c, f in figures.items() if not is_rate(table, c, f)})
    return checks


def is_rate(table: Table, col: int, column: list[Figure | None]) -> bool:
    name = re.sub(r"\s", "", table.header[col]).split("/")[-1]
    percent = sum("%" in table.rows[r][col].text or "％" in table.rows[r][col].text for r, f in enumerate(column) if f)
    return bool(RATE.search(name)) or percent > len([f for f in column if f]) / 2


def column_figures(table: Table, col: int) -> list[Figure | None]:
    unit = column_unit(table, col)
    out: list[Figure | None] = []
    for row in table.rows:
        cell = row[col]
        q = parse_cell(cell.text, unit) if cell.merged_from is None else None
        if q is None:
            out.append(None)
            continue
        printed = re.search(r"\d[\d,]*(?:\.\d+)?", cell.text)
        number = float(printed.group(0).replace(",", "")) if printed else 0.0
        factor = abs(q.value / number) if number else 1.0
        out.append(Figure(q.value, decimals(cell.text), factor, cell.page, cell.ink or cell.bbox))
    return out


def decimals(text: str) -> int:
    m = re.search(r"\.(\d+)", text)
    return len(m.group(1)) if m else 0


def tolerance(parts: list[Figure | None], total: Figure) -> float:
    """Half a unit of the last printed digit for the total and each part, in base units, when the
    figures are rounded (decimals, or printed in 千元/万元); whole numbers in 元 are exact."""
    figures = [total] + [p for p in parts if p]
    return sum(0.5 * 10**-f.decimals * f.factor for f in figures if f.decimals or f.factor > 1)


def compare(table: Table, doc_id: str, kind: str, total: Figure, parts: list[Figure | None], detail: str) -> Check:
    expected = sum(p.value for p in parts if p)
    off = abs(expected - total.value)
    exact = off <= 1e-9 * max(1.0, abs(total.value))
    passed = exact or off <= tolerance(parts, total)
    if passed and not exact:
        detail += f" (off by {fmt(off / total.factor)}, within the rounding of {len([p for p in parts if p]) + 1} printed figures)"
    return Check(doc_id, table.table_id, kind, round(expected, 6), total.value, detail, passed, total.page, total.bbox)


def sides_agree(
    table: Table, doc_id: str, left: list[Figure], right: list[Figure], detail: str, kind: str = "rows_equal"
) -> Check:
    """Σ left = Σ right, within the rounding of the printed figures (a rule file's rows_equal and
    same_figures)."""
    expected, actual = sum(f.value for f in left), sum(f.value for f in right)
    off = abs(expected - actual)
    exact = off <= 1e-9 * max(1.0, abs(actual))
    passed = exact or off <= tolerance([*left, *right[1:]], right[0])
    detail += f": {fmt(expected)} vs {fmt(actual)}"
    if passed and not exact:
        detail += f" (within the rounding of {len(left) + len(right)} printed figures)"
    return Check(doc_id, table.table_id, kind, round(expected, 6), actual, detail, passed, right[0].page, right[0].bbox)


def fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- rows
def row_label(table: Table, r: int, labels: list[int]) -> str:
    return "".join(re.sub(r"\s+", "", table.rows[r][c].text) for c in labels[-1:]) or "".join(
        re.sub(r"\s+", "", table.rows[r][c].text) for c in labels
    )


def naming_columns(table: Table, col: int) -> list[int]:
    """The non-value columns of a value column's block, serial numbers included (合计 is often
    printed in the 序号 column)."""
    c = col
    while c >= 0 and role(table, c) == "value":
        c -= 1
    run = []
    while c >= 0 and role(table, c) != "value":
        run.insert(0, c)
        c -= 1
    return run or [k for k in range(table.ncols) if role(table, k) != "value"]


def total_rank(label: str) -> int:
    m = TOTAL_WORD.search(label)
    return RANKS[m.group(1)] if m and len(label) <= 14 else 0


def numbering_level(label: str) -> int | None:
    for level, pattern in enumerate(NUMBERING):
        if pattern.match(label):
            return level
    return None


def code_level(table: Table, r: int, labels: list[int]) -> int | None:
    """0 for a 类 row, 1 for 款, 2 for 项 (codes in one column by length, or split over columns)."""
    codes = [c for c in labels if role(table, c) == "code"]
    if not codes:
        return None
    texts = [re.sub(r"\s+", "", table.rows[r][c].text) for c in codes]
    texts = [t if is_code(t) else "" for t in texts]
    if len(codes) == 1:
        code = texts[0]
        return {3: 0, 5: 1, 7: 2}.get(len(code)) if code.isdigit() else None
    filled = [i for i, t in enumerate(texts) if t]
    return filled[-1] if filled and filled == list(range(len(filled))) else None


def total_row_checks(table: Table, doc_id: str, c: int, column: list[Figure | None], labels: list[int]) -> list[Check]:
    checks = []
    named = naming_columns(table, c)
    ranks = [
        max((total_rank(re.sub(r"\s+", "", table.rows[r][k].text)) for k in named), default=0)
        for r in range(len(table.rows))
    ]
    for r, rank in enumerate(ranks):
        if not rank or column[r] is None:
            continue
        start = max((k for k in range(r) if ranks[k] >= rank), default=-1) + 1
        run = range(start, r)
        if not any(not ranks[k] for k in run):  # a 合计 printed above its rows (budget tables)
            end = next((k for k in range(r + 1, len(ranks)) if ranks[k] >= rank), len(ranks))
            run = range(r + 1, end)
        lower = [ranks[k] for k in run if 0 < ranks[k] < rank]
        if lower:  # a 合计 of 小计s, a 总计 of a 合计 and what follows it
            closed = [k for k in run if ranks[k] == max(lower)]
            parts = closed + top_level(table, [k for k in run if not ranks[k] and k > closed[-1]], labels, r)
        else:
            parts = top_level(table, [k for k in run if not ranks[k]], labels, r)
        if not parts or all(column[k] is None for k in parts):
            continue
        total = column[r]
        name = "".join(
            text
            for k in named
            if (text := re.sub(r"\s+", "", table.rows[r][k].text)) and (role(table, k) != "code" or is_code(text))
        )
        detail = (
            f"{table.header[c]}: {name} {fmt(total.value)} vs the sum of {len(parts)} rows "
            f"{fmt(sum(column[k].value for k in parts if column[k]))}"  # type: ignore[union-attr]
        )
        checks.append(compare(table, doc_id, "column_sum", total, [column[k] for k in parts], detail))
    return checks


def top_level(table: Table, rows: list[int], labels: list[int], total: int) -> list[int]:
    """The rows a total adds up: by code level when rows carry codes; with labels over several
    columns, the rows of the total's own group that no other row details (the leaves: a label
    merged down over several rows names a group, not a row of its own); with one label column,
    the outermost numbering (一、 over its 1. 2. 3.); else all rows."""
    levels = [code_level(table, k, labels) for k in rows]
    if any(level is not None for level in levels):
        top = min(level for level in levels if level is not None)
        return [k for k, level in zip(rows, levels) if level == top]
    texts = [c for c in labels if role(table, c) == "label"]
    if len(texts) >= 2:
        paths = {k: label_path(table, k, texts) for k in [*rows, total]}
        scope = paths[total][:-1]
        mine = [k for k in rows if paths[k][: len(scope)] == scope]
        return [
            k
            for k in mine
            if not any(len(paths[o]) > len(paths[k]) and paths[o][: len(paths[k])] == paths[k] for o in mine)
        ]
    numbered = [numbering_level(row_label(table, k, labels)) for k in rows]
    if any(n is not None for n in numbered):
        top = min(n for n in numbered if n is not None)
        return [k for k, n in zip(rows, numbered) if n == top]
    return rows


def label_path(table: Table, r: int, columns: list[int]) -> tuple[str, ...]:
    """A row's labels left to right, a label spread over several columns once."""
    path: list[str] = []
    for c in columns:
        text = re.sub(r"\s+", "", table.rows[r][c].text)
        if text and (not path or path[-1] != text):
            path.append(text)
    return tuple(path)


# --------------------------------------------------------------------------- codes
def code_checks(table: Table, doc_id: str, c: int, column: list[Figure | None], labels: list[int]) -> list[Check]:
    checks = []
    levels = [code_level(table, r, labels) for r in range(len(table.rows))]
    for r, level in enumerate(levels):
        if level is None or column[r] is None:
            continue
        children = []
        for k in range(r + 1, len(levels)):
            if levels[k] is None or levels[k] <= level:
                break
            if levels[k] == level + 1:
                children.append(k)
        if not children:
            continue
        name = row_path_text(table, r, labels)
        detail = f"{table.header[c]}: {name} {fmt(column[r].value)} vs the sum of its {len(children)} sub-items {fmt(sum(column[k].value for k in children if column[k]))}"  # type: ignore[union-attr]
        checks.append(compare(table, doc_id, "code_sum", column[r], [column[k] for k in children], detail))  # type: ignore[arg-type]
    return checks


def row_path_text(table: Table, r: int, labels: list[int]) -> str:
    return " ".join(re.sub(r"\s+", "", table.rows[r][k].text) for k in labels if table.rows[r][k].text.strip())


# --------------------------------------------------------------------------- columns
def total_column_checks(table: Table, doc_id: str, figures: dict[int, list[Figure | None]]) -> list[Check]:
    paths = {c: [p for p in re.sub(r"\s", "", table.header[c]).split("/") if p] for c in figures}
    checks = []
    for t, path in paths.items():
        position = next((k for k, part in enumerate(path) if TOTAL_WORD.search(part) and len(part) <= 6), None)
        if position is None:
            continue
        parts = sibling_columns(paths, t, position)
        if len(parts) < 2 or any(EXCLUDED_PART.search(paths[p][position]) for p in parts):
            continue
        if len({column_unit(table, p) for p in [*parts, t]}) > 1:
            continue  # parts in another unit than the total: not a sum
        for r, total in enumerate(figures[t]):
            if total is None or all(figures[p][r] is None for p in parts):
                continue
            label = row_path_text(table, r, label_columns(table, t))
            values = [figures[p][r] for p in parts]
            detail = (
                f"{label}: {table.header[t]} {fmt(total.value)} vs the sum of "
                f"{'+'.join(paths[p][position] if len(paths[p]) > position else table.header[p] for p in parts)} "
                f"{fmt(sum(v.value for v in values if v))}"
            )
            checks.append(compare(table, doc_id, "row_sum", total, values, detail))
    return checks


def sibling_columns(paths: dict[int, list[str]], total: int, position: int) -> list[int]:
    """The columns a total column adds up: same header above, a different group at its level, the
    same header below; a group of several columns counts by its own 小计/合计 when it has one."""
    path = paths[total]
    prefix, suffix = path[:position], path[position + 1 :]
    groups: dict[str, list[int]] = {}
    for c, other in paths.items():
        if c == total or other[:position] != prefix or len(other) <= position or TOTAL_WORD.search(other[position]):
            continue
        if other[len(other) - len(suffix) :] != suffix if suffix else False:
            continue
        groups.setdefault(other[position], []).append(c)
    parts = []
    for members in groups.values():
        if len(members) == 1 and len(paths[members[0]]) == len(path):
            parts.extend(members)
            continue
        subtotal = [m for m in members if len(paths[m]) > position + 1 and TOTAL_WORD.search(paths[m][position + 1])]
        parts.extend(subtotal[:1] or [m for m in members if len(paths[m]) == len(path) + 1])
    return sorted(parts)
