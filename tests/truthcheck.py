"""Compare an extracted Document with a corpus truth file, field by field.

Both sides are canonicalised the same way before comparison (NFKC, whitespace removed,
traditional folded to simplified), so a difference is a real difference in content.
Run directly to print every difference: python tests/truthcheck.py [corpus/NAME.pdf ...]
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.model import Document  # noqa: E402
from extract.normalize import to_simplified  # noqa: E402


def canon(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return to_simplified("".join(unicodedata.normalize("NFKC", value).split()))
    if isinstance(value, list):
        return [canon(v) for v in value]
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items()}
    return value


def compare_meta(doc: Document, truth: dict, fields: tuple[str, ...]) -> list[str]:
    problems = []
    for name in fields:
        want, got = canon(truth["meta"].get(name)), canon(getattr(doc.meta, name))
        if want != got:
            problems.append(f"meta.{name}: want {want!r}, got {got!r}")
    want_r, got_r = canon(truth["meta"].get("recipients") or {}), canon(doc.meta.recipients)
    if "recipients" in fields and want_r != got_r:
        problems.append(f"meta.recipients: want {want_r!r}, got {got_r!r}")
    return problems


def compare_sections(doc: Document, truth: dict) -> list[str]:
    want = [(s["id"], canon(s["label"]), canon(s["heading"])) for s in truth["sections"]]
    got = [(s.section_id, canon(s.label), canon(s.heading)) for s in doc.sections]
    problems = [f"section: want {w}, got {g}" for w, g in zip(want, got) if w != g]
    if len(want) != len(got):
        problems.append(f"sections: want {len(want)}, got {len(got)}")
    for s in truth["sections"]:
        section = doc.section(s["id"])
        if section is None:
            continue
        want_items = [(canon(i["label"]), canon(i["heading"])) for i in s["items"]]
        got_items = [(canon(i.label), canon(i.heading)) for i in section.items]
        if want_items != got_items:
            problems.append(f"section {s['id']} items: want {want_items}, got {got_items}")
    return problems


def merged_spans(table) -> list[dict[str, int]]:
    """Vertical merges as (col, first_row, last_row), from the cells' merged_from."""
    spans: dict[tuple[int, int], int] = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            if cell.merged_from is not None and cell.merged_from[1] == c and cell.merged_from[0] < r:
                origin = cell.merged_from
                spans[origin] = max(spans.get(origin, origin[0]), r)
    return sorted(
        ({"col": c, "first_row": r, "last_row": last} for (r, c), last in spans.items()),
        key=lambda s: (s["col"], s["first_row"]),
    )


def compare_tables(doc: Document, truth: dict) -> tuple[list[str], int, int]:
    """Differences, cells right, cells in truth."""
    problems: list[str] = []
    right = total = 0
    if len(doc.tables) != len(truth["tables"]):
        problems.append(f"tables: want {len(truth['tables'])}, got {len(doc.tables)}")
    for want, got in zip(truth["tables"], doc.tables):
        tid = want["table_id"]
        for name in ("attachment", "title"):
            w, g = canon(want[name]), canon(getattr(got, name))
            if w != g:
                problems.append(f"{tid}.{name}: want {w!r}, got {g!r}")
        if canon(want["header"]) != canon(got.header):
            problems.append(f"{tid}.header: want {want['header']}, got {got.header}")
        want_rows, got_rows = want["rows"], got.values()
        if len(want_rows) != len(got_rows):
            problems.append(f"{tid}.rows: want {len(want_rows)}, got {len(got_rows)}")
        for r, row in enumerate(want_rows):
            for c, cell in enumerate(row):
                total += 1
                value = got_rows[r][c] if r < len(got_rows) and c < len(got_rows[r]) else None
                if canon(cell) == canon(value):
                    right += 1
                elif len([p for p in problems if p.startswith(f"{tid}[")]) < 5:
                    problems.append(f"{tid}[{r}][{c}]: want {cell!r}, got {value!r}")
        if want["merged"] != merged_spans(got):
            problems.append(f"{tid}.merged: want {want['merged']}, got {merged_spans(got)}")
        if want["total_rows"] != got.total_rows:
            problems.append(f"{tid}.total_rows: want {want['total_rows']}, got {got.total_rows}")
    return problems, right, total


def compare(
    doc: Document,
    truth: dict,
    meta_fields: tuple[str, ...] = ("title", "issuer", "doc_number", "date", "signer", "recipients"),
) -> dict[str, Any]:
    table_problems, right, total = compare_tables(doc, truth)
    return {
        "meta": compare_meta(doc, truth, meta_fields),
        "sections": compare_sections(doc, truth),
        "tables": table_problems,
        "cells_right": right,
        "cells_total": total,
    }


def main(paths: list[str]) -> int:
    from extract import extract_file

    targets = paths or sorted(str(p) for p in (ROOT / "corpus").glob("*.pdf"))
    failed = 0
    for path in targets:
        truth = json.loads((ROOT / "corpus" / "truth" / f"{Path(path).stem}.json").read_text(encoding="utf-8"))
        result = compare(extract_file(path), truth)
        problems = result["meta"] + result["sections"] + result["tables"]
        failed += bool(problems)
        print(f"{Path(path).name}: cells {result['cells_right']}/{result['cells_total']}, {len(problems)} differences")
        for p in problems:
            print("   ", p)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
