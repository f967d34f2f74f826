"""The sample corpus itself: PDFs that open, with the expected pages, a text layer, and every truth cell."""

from __future__ import annotations

import hashlib
import itertools
import json
import re

import pdfplumber
import pytest
from conftest import CORPUS, DOC_IDS, load_truth

MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def compact(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def test_every_source_has_a_pdf_truth_and_text() -> None:
    sources = sorted(p.name for p in (CORPUS / "src").iterdir() if (p / "document.yaml").exists())
    assert sources == DOC_IDS == sorted(MANIFEST)
    for doc_id in DOC_IDS:
        assert (CORPUS / f"{doc_id}.pdf").is_file()
        assert (CORPUS / "text" / f"{doc_id}.txt").is_file()


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_pdf_matches_manifest_and_has_text_layer(doc_id: str) -> None:
    path = CORPUS / f"{doc_id}.pdf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MANIFEST[doc_id]["sha256"], "rebuild with corpus/build.py"
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == MANIFEST[doc_id]["pages"]
        for page in pdf.pages:
            chars = page.chars
            assert chars, f"page {page.page_number} has no text layer"
            assert sum(bool(CJK.match(c["text"])) for c in chars) >= 10
            assert page.width == pytest.approx(595.3, abs=1) or page.width == pytest.approx(841.9, abs=1)


def _page_tables(path) -> list[list[list[list[str]]]]:
    """Per page, the ruled tables pdfplumber finds, cells compacted."""
    with pdfplumber.open(path) as pdf:
        return [[[[compact(c) for c in row] for row in table] for table in page.extract_tables()] for page in pdf.pages]


@pytest.mark.parametrize("doc_id", [d for d in DOC_IDS if load_truth(d)["tables"]])
def test_every_truth_cell_is_in_the_pdf(doc_id: str) -> None:
    """Each cell is found whole, or as the two halves of a row split by a page break."""
    pages = _page_tables(CORPUS / f"{doc_id}.pdf")
    cells = {cell for tables in pages for table in tables for row in table for cell in row}
    split_cells: set[str] = set()
    for this_page, next_page in itertools.pairwise(pages):
        if not this_page or not next_page or len(next_page[0]) < 2:
            continue
        last_row, first_row = this_page[-1][-1], next_page[0][1]  # next page: row 0 is the repeated header
        if len(last_row) == len(first_row):
            split_cells |= {a + b for a, b in zip(last_row, first_row) if b}
    # a merged cell's label may sit mid-span, even cut in two by a page break: look in its column
    columns: dict[int, str] = {}
    for tables in pages:
        for table in tables:
            for row in table:
                for c, cell in enumerate(row):
                    columns[c] = columns.get(c, "") + cell
    missing = []
    for table in load_truth(doc_id)["tables"]:
        continuation = {(r, m["col"]) for m in table["merged"] for r in range(m["first_row"] + 1, m["last_row"] + 1)}
        spans = {(m["first_row"], m["col"]) for m in table["merged"]}
        for r, row in enumerate([table["header"], *table["rows"]], start=-1):
            for c, cell in enumerate(row):
                text = compact(cell)
                if not text or (r, c) in continuation:
                    continue
                if (r, c) in spans:
                    found = text in columns.get(c, "")
                else:
                    found = text in cells or text in split_cells
                if not found:
                    missing.append((table["table_id"], cell))
    assert not missing, missing[:10]


def test_bulletin_has_rows_split_over_page_breaks() -> None:
    """The 07-20 bulletin's long attachments must really split rows at page breaks (the hard case)."""
    pages = _page_tables(CORPUS / "hangzhou-weekly-2018-07-20.pdf")
    splits = 0
    for this_page, next_page in itertools.pairwise(pages):
        if this_page and next_page and len(next_page[0]) > 1 and this_page[-1][0] == next_page[0][0]:
            first_body_row = next_page[0][1]
            splits += first_body_row[0] == "" and any(first_body_row)
    assert splits >= 1
