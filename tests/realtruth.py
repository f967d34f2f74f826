"""Compare what extract reads from the real-world PDFs with the truth read by hand (tests/truth/realworld).

The truth gives every table as the printed grid, a merged cell once at its top-left position with
``null`` where it spans. This module turns that grid into what the tool promises to output, by
rules stated here once, and compares field by field:

- a band row (one cell across the whole width) followed by a row of column names starts a
  new part of a table (the stacked sub-tables of 政府信息公开年报 表2): each part is its own table,
  titled "<table title> / <band>";
- grid columns that every row of a part spans together are one column;
- a column's header is the text of every header cell above it, top to bottom, joined with "/";
- a body cell is its text; a position covered by a merged cell is empty, except below a label
  merged down its own column, where the label is repeated (filled down), so every row names its
  group; a value is never copied. A column holds labels when its name says it holds codes
  (代码, 编码, 编号, 类, 款, 项), when its cells are not numbers, or when they are numbers written with
  leading zeros (01, 002041: identifiers);
- rows that are empty everywhere (ruled padding) are not rows.

Text is compared after NFKC, without whitespace, traditional folded to simplified.
Run directly to print every difference: python tests/realtruth.py [NAME ...]
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "tests" / "truth" / "realworld"
REALWORLD = ROOT.parent / "shared" / "realworld"
sys.path.insert(0, str(ROOT))

from extract.normalize import to_simplified  # noqa: E402

NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")
# multipliers written in units as printed (the truth keeps units as printed; outputs are in base units)
MULTIPLIER = {"兆": 10**12, "千亿": 10**11, "亿": 10**8, "千万": 10**7, "百万": 10**6, "万": 10**4, "千": 10**3}


def canon(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return to_simplified("".join(unicodedata.normalize("NFKC", value).split()))
    if isinstance(value, list):
        return [canon(v) for v in value]
    return value


def truth_names() -> list[str]:
    return sorted(p.stem for p in TRUTH.glob("*.json"))


def load(name: str) -> dict:
    return json.loads((TRUTH / f"{name}.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- expected tables
@dataclass
class Expected:
    title: str | None
    part: str | None
    unit: str | None
    pages: list[int]
    header: list[str]
    rows: list[list[str]]
    total_rows: list[int] = field(default_factory=list)
    empty: bool = False


def text(cell: Any) -> str:
    return cell["text"] if isinstance(cell, dict) else (cell or "")


def spans(grid: list[list[Any]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of every covered position → (row, col) of the merged cell covering it."""
    cover: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if isinstance(cell, dict):
                for dr in range(cell.get("rows", 1)):
                    for dc in range(cell.get("cols", 1)):
                        if (dr, dc) != (0, 0):
                            cover[(r + dr, c + dc)] = (r, c)
    return cover


def is_band(row: list[Any]) -> bool:
    return isinstance(row[0], dict) and row[0].get("cols", 1) == len(row) and not NUMBER.match(text(row[0]))


def parts(table: dict) -> list[tuple[str | None, list[list[Any]], list[list[Any]], list[int]]]:
    """(band, header grid, body grid, body row indexes) of each stacked part of a table."""
    header, body = table["header"], table["rows"]
    bands = [i for i, row in enumerate(body) if is_band(row) and i + 1 < len(body)]
    if not bands:
        return [(None, header, body, list(range(len(body))))]
    out = []
    first_band = text(header[0][0]) if header and is_band(header[0]) else None
    first_header = header[1:] if first_band else header
    out.append((first_band, first_header, body[: bands[0]], list(range(bands[0]))))
    for k, b in enumerate(bands):
        end = bands[k + 1] if k + 1 < len(bands) else len(body)
        out.append((text(body[b][0]), [body[b + 1]], body[b + 2 : end], list(range(b + 2, end))))
    return out


def co_spanned(grid: list[list[Any]], cover: dict[tuple[int, int], tuple[int, int]], col: int) -> bool:
    """Is grid column ``col`` spanned together with the column before it in every row?"""
    for r in range(len(grid)):
        left = cover.get((r, col - 1), (r, col - 1))
        if cover.get((r, col)) != left:
            return False
    return True


CODE_NAME = re.compile(r"(代码|编码|编号|代号)$|^(类|款|项)$")


def holds_labels(name: str, cells: list[str]) -> bool:
    last = "".join(name.split("/")[-1].split())
    if CODE_NAME.search(last) or CODE_NAME.search("".join(name.split("/")[0].split())):
        return True
    filled = ["".join(c.split()) for c in cells if c and c.strip()]
    numbers = [c for c in filled if NUMBER.match(c)]
    if filled and len(numbers) == len(filled) and any(re.match(r"0\d", c) for c in numbers):
        return True
    return bool(filled) and len(numbers) < 0.5 * len(filled)


def expected_tables(truth: dict) -> list[Expected]:
    out = []
    for table in truth["tables"]:
        for band, header, body, body_indexes in parts(table):
            grid = header + body
            cover = spans(grid)
            width = len(grid[0])
            keep = [c for c in range(width) if c == 0 or not co_spanned(grid, cover, c)]
            names = []
            for c in keep:
                seen: list[str] = []
                for r in range(len(header)):
                    origin = cover.get((r, c), (r, c))
                    value = text(grid[origin[0]][origin[1]]).strip()
                    if value and (not seen or seen[-1] != value):
                        seen.append(value)
                names.append("/".join(seen))
            labels = {
                c: holds_labels(name, [text(grid[r][c]) for r in range(len(header), len(grid))])
                for c, name in zip(keep, names)
            }
            rows, kept_indexes = [], []
            for i, r in enumerate(range(len(header), len(grid))):
                cells = []
                for c in keep:
                    origin = cover.get((r, c))
                    if origin is None:
                        cells.append(text(grid[r][c]))
                        continue
                    label = text(grid[origin[0]][origin[1]])
                    below_in_column = origin[1] == c and origin[0] < r and origin[0] >= len(header)
                    cells.append(label if below_in_column and labels[c] else "")
                if any(v.strip() for v in cells):
                    rows.append(cells)
                    kept_indexes.append(body_indexes[i])
            totals = [kept_indexes.index(t) for t in table.get("total_rows", []) if t in kept_indexes]
            title = table["title"]
            out.append(
                Expected(
                    title=f"{title} / {band}" if band and title else (band or title),
                    part=band,
                    unit=table.get("unit"),
                    pages=table["pages"],
                    header=names,
                    rows=rows,
                    total_rows=totals,
                    empty=bool(table.get("empty")),
                )
            )
    return out


# --------------------------------------------------------------------------- comparison
def compare_tables(doc, truth: dict) -> list[str]:
    problems = []
    want = expected_tables(truth)
    got = doc.tables
    if len(want) != len(got):
        problems.append(f"tables: want {len(want)}, got {len(got)}: {[t.title for t in got]}")
    all_titles = {canon(w.title) for w in want if w.title}
    for i, (w, t) in enumerate(zip(want, got)):
        where = f"table {i + 1} ({w.title})"
        if w.title is not None and canon(t.title) != canon(w.title):
            problems.append(f"{where}: title {t.title!r}")
        if w.title is None and (not t.title or canon(t.title) in all_titles):
            problems.append(f"{where}: no printed title, yet {t.title!r} (empty, or another table's title)")
        if canon(getattr(t, "unit_printed", None)) != canon(w.unit):
            problems.append(f"{where}: unit {getattr(t, 'unit_printed', None)!r}, want {w.unit!r}")
        if not t.pages or (w.part is None and t.pages[0] != w.pages[0]) or not set(t.pages) <= set(w.pages):
            problems.append(
                f"{where}: pages {t.pages}, want {w.pages} (a part, or a page of blank rows, may have fewer)"
            )
        if canon(t.header) != canon(w.header):
            problems.append(f"{where}: header {t.header} want {w.header}")
        have = [[c.text for c in row] for row in t.rows if any(c.text.strip() for c in row)]
        for r, (wr, hr) in enumerate(zip(w.rows, have)):
            if canon(wr) != canon(hr):
                problems.append(f"{where} row {r}: {hr} want {wr}")
        if len(have) != len(w.rows):
            problems.append(f"{where}: {len(have)} rows, want {len(w.rows)}")
        if w.total_rows and t.total_rows != w.total_rows:
            problems.append(f"{where}: total rows {t.total_rows}, want {w.total_rows}")
    return problems


def compare_sampled_table(doc, truth: dict) -> list[str]:
    """A long table given on some pages only (invariants.pages_given): those pages cell by cell,
    and the whole table by its invariants (row count, the categories of its first column)."""
    invariants = truth["invariants"]
    (want,) = expected_tables(truth)
    problems = []
    if len(doc.tables) != 1:
        return [f"tables: want 1, got {len(doc.tables)}"]
    table = doc.tables[0]
    if canon(table.title) != canon(want.title):
        problems.append(f"title {table.title!r}, want {want.title!r}")
    if canon(table.header) != canon(want.header):
        problems.append(f"header {table.header}, want {want.header}")
    rows = [[c.text for c in row] for row in table.rows if any(c.text.strip() for c in row)]
    pages = [row[-1].page for row in table.rows if any(c.text.strip() for c in row)]
    if len(rows) != invariants["body_rows_total"]:
        problems.append(f"{len(rows)} rows, want {invariants['body_rows_total']}")
    categories = {canon(c) for c in invariants["categories"]}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    strays = {k: v for k, v in counts.items() if canon(k) not in categories}
    if strays:
        problems.append(f"first column not a category in {sum(strays.values())} rows: {list(strays)[:5]}")
    if {canon(k): v for k, v in counts.items()} != {canon(k): v for k, v in invariants["rows_per_category"].items()}:
        problems.append("rows per category differ from the truth")
    start = 0
    previous: list[str] | None = None
    for page in invariants["pages_given"]:
        n = invariants["rows_per_page_given"][str(page)]
        expected = [list(r) for r in want.rows[start : start + n]]
        start += n
        if expected and previous and canon(previous[0]).startswith(canon(expected[0][0])):
            expected[0][0] = previous[0]  # a label reprinted, cut short, at the top of the page: the same group
        previous = expected[-1] if expected else previous
        got = [row for row, p in zip(rows, pages) if p == page]
        for i, (w, g) in enumerate(zip(expected, got)):
            if canon(w) != canon(g):
                problems.append(f"page {page} row {i}: {g} want {w}")
        if len(got) != len(expected):
            problems.append(f"page {page}: {len(got)} rows, want {len(expected)}")
    return problems


def compare_meta(doc, truth: dict) -> list[str]:
    problems = []
    for key in ("title", "issuer", "date"):
        want = truth["meta"].get(key)
        got = getattr(doc.meta, key)
        if canon(got) != canon(want):  # a truth of null: nothing printed, so nothing to report
            problems.append(f"meta.{key}: {got!r}, want {want!r}")
    return problems


LONG_HEADING = 30  # a run-in numbered item whose first sentence is longer may have no heading (readers differ)


def same_heading(ours: str, theirs: str) -> bool:
    """Equal, or one the start of the other (a run-in heading cut before or after its figure or
    colon: truth readers differ there); a long run-in first sentence may have no heading at all."""
    ours, theirs = ours.rstrip("。：:.,，"), theirs.rstrip("。：:.,，")
    if not ours:
        return len(theirs) > LONG_HEADING
    return ours == theirs or (min(len(ours), len(theirs)) >= 4 and (ours.startswith(theirs) or theirs.startswith(ours)))


def compare_sections(doc, truth: dict) -> list[str]:
    """The truth's sections appear in ours, in order, with their label and heading; and no
    section of ours comes from the 目录 (a table of contents lists sections, it is not one).
    Numbered items the truth leaves out are not judged: readers differ on which lists are headings."""
    want = [(canon(s["label"]), canon(s["heading"])) for s in truth.get("sections", [])]
    if not want:
        return []
    got = [(canon(s.label), canon(s.heading or ""), s.page) for s in doc.sections if s.label]
    problems = []
    position = 0
    for label, heading in want:
        found = next(
            (i for i in range(position, len(got)) if got[i][0] == label and same_heading(got[i][1], heading)), None
        )
        if found is None:
            problems.append(f"section {label}{heading} missing (or out of order)")
            continue
        position = found + 1
    contents_pages = {p.page for p in doc.paragraphs if p.kind == "contents"}
    for label, heading, page in got:
        if page in contents_pages:
            problems.append(f"section {label}{heading} comes from the 目录 on page {page}")
    return problems


def base_value(value: float, unit: str | None) -> tuple[float, str]:
    """A figure as printed (value, unit) in base units: 1,000 亿元 → 1e11 元."""
    unit = to_simplified(unicodedata.normalize("NFKC", unit or ""))
    for prefix in sorted(MULTIPLIER, key=len, reverse=True):
        if unit.startswith(prefix) and unit != prefix + "分点":
            return value * MULTIPLIER[prefix], unit[len(prefix) :]
    return value, unit


def compare_facts(records, truth: dict) -> list[str]:
    problems = []
    metrics = [m for m in records.metrics if m.source == "text"]
    for fact in truth.get("facts", []):
        value, unit = base_value(float(fact["value"]), fact["unit"])
        found = [
            m
            for m in metrics
            if m.page == fact["page"]
            and abs(m.value - value) <= 1e-9 * max(1.0, abs(value))
            and unicodedata.normalize("NFKC", m.unit or "") == unit
        ]
        if not found:
            near = [(m.value, m.unit) for m in metrics if m.page == fact["page"] and m.raw and fact["raw"][:2] in m.raw]
            problems.append(f"fact p{fact['page']} {fact['raw']} ({fact['label']}): not found {near[:3]}")
    return problems


def compare(name: str) -> list[str]:
    from extract.apply import apply_rules
    from extract.pipeline import extract_file
    from extract.rules import load_rules

    doc = extract_file(REALWORLD / load(name)["file"])
    return compare_outputs(name, doc, apply_rules(doc, load_rules(ROOT / "extract" / "rules")))


def compare_outputs(name: str, doc, records) -> list[str]:
    """Every difference between one document's model and records and its hand-read truth."""
    truth = load(name)
    tables = compare_sampled_table(doc, truth) if "invariants" in truth else compare_tables(doc, truth)
    return compare_meta(doc, truth) + compare_sections(doc, truth) + tables + compare_facts(records, truth)


if __name__ == "__main__":
    for name in sys.argv[1:] or truth_names():
        found = compare(name)
        print(f"== {name}: {len(found)} differences")
        for problem in found:
            print("  ", problem[:300])
