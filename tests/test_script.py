"""--script original: a traditional-Chinese table's own files keep the characters it is printed in.

Truth read by hand off page 1 of the Changhua council's 2017 list (tw-changhua-council-
suggestions-2017.pdf): its header and first row as printed. The datasets stay simplified, to
join on, and a re-run served from the cache follows the option.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from conftest import REALWORLD, needs_realworld

SOURCE = REALWORLD / "tw-changhua-council-suggestions-2017.pdf"
PRINTED_HEADER = [
    "建議項目及內容",
    "建議地點",
    "建議金額",
    "核定情形/核定金額",
    "核定情形/經費支用科目",
    "核定情形/主辦機關",
    "核定情形/招標方式",
    "核定情形/得標廠商",
]
PRINTED_ROW = [
    "花壇鄉花秀路316巷等道路排水改善工程",
    "花壇鄉",
    "467",
    "467",
    "其他公共工程-地方小型工程-設備費及投資",
    "彰化縣政府",
    "公開招標",
    "萬科營造",
]
SIMPLIFIED_ROW = [
    "花坛乡花秀路316巷等道路排水改善工程",
    "花坛乡",
    "467",
    "467",
    "其他公共工程-地方小型工程-设备费及投资",
    "彰化县政府",
    "公开招标",
    "万科营造",
]


def run(out: Path, *options: str) -> None:
    subprocess.run([sys.executable, "-m", "extract", str(SOURCE), "-o", str(out), "-q", *options], check=True)


def first_rows(out: Path) -> list[list[str]]:
    with open(out / "tables" / SOURCE.stem / "t01.csv", encoding="utf-8") as handle:
        return list(csv.reader(handle))[:2]


@needs_realworld()
def test_tables_as_printed_and_datasets_simplified(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(out, "--script", "original")
    assert first_rows(out) == [PRINTED_HEADER, PRINTED_ROW]
    with open(out / "metrics.csv", encoding="utf-8") as handle:
        entities = {row["row"] for row in csv.DictReader(handle)}
    assert any(label.startswith("花坛乡花秀路316巷") for label in entities)  # simplified, to join on
    run(out)  # the same document from the cache, written the default way
    assert first_rows(out)[1] == SIMPLIFIED_ROW
    run(out, "--script", "original")  # and as printed again, from the cache
    assert first_rows(out) == [PRINTED_HEADER, PRINTED_ROW]


@needs_realworld()
def test_workbook_sheets_as_printed(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out"
    run(out, "--format", "xlsx", "--script", "original", "--no-cache")
    book = load_workbook(out / "extract.xlsx", read_only=True)
    sheet = next(book[name] for name in book.sheetnames if name.startswith("1 "))
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=3)]
    assert rows[0] == PRINTED_HEADER
    assert [str(v) for v in rows[1]] == PRINTED_ROW
