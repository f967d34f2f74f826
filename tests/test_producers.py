"""The producer matrix (corpus/producers.yaml): the corpus sources laid out by Chromium and by
ReportLab, with three-line (no vertical rules), rule-less, shaded (filled rectangles, white
rules) and landscape tables, read against the same truth as the LibreOffice corpus: every table,
its title, header, every cell, its merged cells, its 合计 rows and no extra rows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pikepdf
import pytest
import yaml
from conftest import CORPUS, load_truth

from extract import extract_file

sys.path.insert(0, str(CORPUS))
from build import rendering_name

sys.path.insert(0, str(Path(__file__).parent))
from truthcheck import compare_tables

MATRIX = yaml.safe_load((CORPUS / "producers.yaml").read_text(encoding="utf-8"))
RENDERINGS = {rendering_name(spec): spec for spec in MATRIX["renderings"]}
PRODUCER_MARK = {"chromium": "Skia/PDF", "reportlab": "ReportLab"}
# What is still wrong, read off the pages: each fails the test until it is fixed, and the entry
# must then go (strict xfail).
NOT_YET = {
    "hangzhou-weekly-2018-07-20.chromium-three-line": "附件12's two-column table (3 columns, the middle "
    "one empty in most rows) is not found as a table, so 23 tables come out as 22",
    "hangzhou-weekly-2018-07-20.reportlab-none": "附件14 stacks two tables under one caption with a "
    "prose line between; a few wrapped cells of 附件15 fall into the row below",
    "zhejiang-notice-2018-30.reportlab-none": "the merged label 加快“最多跑一次”事项数据共享, set one "
    "character a line, has its 8th line exactly at the next row's top and is cut there",
}


def test_matrix_has_two_more_producers_and_the_table_styles() -> None:
    specs = MATRIX["renderings"]
    assert {s["producer"] for s in specs} >= {"chromium", "reportlab"}
    assert {"none", "three-line", "zebra"} <= {s["tables"] for s in specs}
    assert any(s.get("landscape") for s in specs)
    for name, spec in RENDERINGS.items():
        path = CORPUS / "producers" / f"{name}.pdf"
        assert path.is_file(), f"{path} missing: python corpus/build.py producers"
        with pikepdf.open(path) as pdf:
            assert PRODUCER_MARK[spec["producer"]] in str(pdf.docinfo.get("/Producer", ""))


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=NOT_YET[n], strict=True)) if n in NOT_YET else n
        for n in sorted(RENDERINGS)
    ],
)
def test_rendering_matches_truth(name: str) -> None:
    spec = RENDERINGS[name]
    truth = load_truth(spec["source"])
    doc = extract_file(CORPUS / "producers" / f"{name}.pdf")
    problems, right, total = compare_tables(doc, truth)
    assert not problems, f"{right}/{total} cells; " + "; ".join(problems[:8])
    assert right == total


def test_truth_files_are_the_corpus_truth() -> None:
    for spec in MATRIX["renderings"]:
        assert json.loads((CORPUS / "truth" / f"{spec['source']}.json").read_text(encoding="utf-8"))["tables"]
