"""The producer matrix (corpus/producers.yaml): the corpus sources laid out by Chromium and by
ReportLab, with three-line (no vertical rules), rule-less, shaded (filled rectangles, white
rules) and landscape tables, read against the same truth as the LibreOffice corpus: every table,
its title, header, every cell, its merged cells, its 合计 rows and no extra rows."""

from __future__ import annotations

import json
import shutil
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

RULES = Path(__file__).resolve().parent.parent / "extract" / "rules"
MATRIX = yaml.safe_load((CORPUS / "producers.yaml").read_text(encoding="utf-8"))
RENDERINGS = {rendering_name(spec): spec for spec in MATRIX["renderings"]}
PRODUCER_MARK = {"chromium": "Skia/PDF", "reportlab": "ReportLab", "libreoffice": "LibreOffice"}
# What is still wrong, read off the pages: each fails the test until it is fixed, and the entry
# must then go (strict xfail).
NOT_YET = {
    "hangzhou-weekly-2018-07-20.libreoffice-none": "Word-style tables with the borders removed and no "
    "padding: rows and wrapped lines are 15.1 pt apart alike, so a merged 局名 cell whose name wraps "
    "over its two rows (市国 / 土局) is cut in two, and text-only rows (附件12) are read one line a row",
    "zhejiang-notice-2018-30.libreoffice-three-line": "as above: merged task labels wrapped over the "
    "rows of their group (网通 / 办”) are cut at each row",
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


def test_a_rule_file_sets_its_formats_table_tolerances(tmp_path: Path) -> None:
    """table_settings: in a rule file applies to the documents its format matches, and only to them."""
    from extract.batch import extract_with_rules
    from extract.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    text = (folder / "hangzhou-weekly-bulletin.yaml").read_text(encoding="utf-8")
    # no table of this format has eight columns: with min_columns 8 its unruled tables are not tables
    (folder / "hangzhou-weekly-bulletin.yaml").write_text(
        text + "table_settings:\n  min_columns: 8\n", encoding="utf-8"
    )
    rules = load_rules(folder)
    assert not rules.errors
    pdf = CORPUS / "producers" / "hangzhou-weekly-2018-08-03.chromium-none-landscape.pdf"
    document, records = extract_with_rules(str(pdf), "w", rules)
    assert records.formats == ["hangzhou-weekly-bulletin"] and document.tables == []
    document, _ = extract_with_rules(str(pdf), "w", load_rules(RULES))
    assert len(document.tables) == 3
    other = CORPUS / "producers" / "zhejiang-notice-2018-30.chromium-three-line-landscape.pdf"
    document, _ = extract_with_rules(str(other), "n", rules)
    assert len(document.tables) == 1  # another format's document keeps the defaults


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("  min_rows: 2.5\n", "table_settings.min_rows"),
        ("  cell_gap: 1\n", "did you mean 'cell_gap_sizes'"),
        ("  snap: -1\n", "table_settings.snap: must not be negative"),
    ],
)
def test_table_settings_are_validated(tmp_path: Path, settings: str, message: str) -> None:
    from extract.rules import load_rules

    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    body = "format: x\nmatch: {title: 通报}\ntable_settings:\n" + settings
    (folder / "x.yaml").write_text(body, encoding="utf-8")
    errors = [e for e in load_rules(folder).errors if "x.yaml" in e]
    assert errors and "x.yaml:4: " in errors[0] and message in errors[0], errors
