"""Text-layer verdicts: real Chinese, no text (scan), or garbage (broken character maps)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CORPUS
from scans import digits_over_picture, scanned, unmapped_glyphs, watermark_scan, with_page_replaced

from extract.quality import common_hanzi, is_unmapped, judge_page_text, rank_common_hanzi
from extract.read import read_document
from extract.settings import OCR


def test_shipped_common_hanzi_list_is_current() -> None:
    assert common_hanzi() == frozenset(rank_common_hanzi())  # else: python -m extract.quality


def test_real_text_simplified_and_traditional_is_ok() -> None:
    simplified = (CORPUS / "text" / "shaoxing-annual-2020.txt").read_text(encoding="utf-8")[:3000]
    traditional = (CORPUS / "text" / "hangzhou-annual-2020.txt").read_text(encoding="utf-8")[:3000]
    assert judge_page_text(simplified, False, 0) == ("ok", "")
    assert judge_page_text(traditional, False, 0) == ("ok", "")


def test_missing_and_broken_text_layers_need_ocr() -> None:
    assert judge_page_text("", True, 0)[0] == "no_text"
    assert judge_page_text("   ", False, 0)[0] == "blank"
    assert judge_page_text("(cid:4533)(cid:2052)" * 50, False, 0)[0] == "garbled"
    assert judge_page_text("鯤鯓" * 10 + "翊" * 40 + "蜞琏坔檨竂" * 10, False, 0)[0] == "garbled"
    rare = "鯤鯓檨蜞琏坔竂翊龘靐齉爩麤" * 10  # plausible-looking but rare glyphs from a wrong map
    assert judge_page_text(rare, False, 0)[0] == "garbled"


# --------------------------------------------------------------------------- unreadable pages, built from corpus pages


SMALL = CORPUS / "shaoxing-annual-2020.pdf"
NO_OCR = replace(OCR, mode="never")  # these tests are about naming what the text layer cannot read
WEEKLY = CORPUS / "hangzhou-weekly-2018-08-03.pdf"


@pytest.mark.parametrize(
    ("build", "quality", "reason"),
    [
        (lambda: scanned(SMALL, 1), "no_text", "image-only page"),
        (lambda: watermark_scan(SMALL, 1), "no_text", "scanned page whose only text is a line over the image"),
        (lambda: digits_over_picture(WEEKLY, 7), "no_text", "drawn as images or outlines and only the digits are text"),
        (lambda: unmapped_glyphs(SMALL), "garbled", "glyphs with no character map"),
    ],
)
def test_pages_the_text_layer_cannot_read_are_named(tmp_path: Path, build, quality: str, reason: str) -> None:
    path = tmp_path / "page.pdf"
    path.write_bytes(build())
    page = read_document(path).pages[0]
    assert page.quality == quality and reason in page.quality_detail and "needs OCR" in page.quality_detail


def test_a_document_with_one_scanned_page_is_partial_and_names_it(tmp_path: Path) -> None:
    from extract.batch import process_file

    mixed = tmp_path / "mixed.pdf"
    mixed.write_bytes(with_page_replaced(SMALL, 2, watermark_scan(SMALL, 2)))
    result = process_file(str(mixed), "mixed", str(CORPUS.parent / "extract" / "rules"), None, NO_OCR)
    assert result.status == "partial" and result.error == ""
    assert result.warnings == [
        "1 of 6 pages not read: page 3: scanned page whose only text is a line over the image "
        "('ScannedwithCamScanner'): needs OCR"
    ]
    assert result.records.metrics and all(m.page != 3 for m in result.records.metrics)


def test_a_document_nothing_of_which_can_be_read_fails(tmp_path: Path) -> None:
    from extract.batch import process_file

    for name, data in (("unmapped", unmapped_glyphs(SMALL)), ("scan", watermark_scan(SMALL, 0))):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        result = process_file(str(path), name, str(CORPUS.parent / "extract" / "rules"), None, NO_OCR)
        assert result.status == "failed" and "needs OCR" in result.error, result.error


def test_without_the_ocr_extra_the_pages_that_need_it_are_named_with_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import extract.ocr as ocr
    from extract.batch import process_file
    from extract.ocr.engine import OcrUnavailable

    def missing() -> None:
        raise OcrUnavailable("OCR is not installed (pip install 'extract[ocr]')")

    monkeypatch.setattr(ocr, "model_dir", missing)
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned(SMALL, 0))
    result = process_file(str(path), "scan", str(CORPUS.parent / "extract" / "rules"), None)
    assert result.status == "failed"
    assert result.error == (
        "image-only PDF: no text layer on any of its 1 pages; install OCR to read them: pip install 'extract[ocr]'"
    )


@pytest.mark.parametrize("text", ["", "(cid:12)", "\ufffd", "\ue001", "\uf8ff", "\x01", "\x1f"])
def test_a_glyph_with_no_character_behind_it_is_unmapped(text: str) -> None:
    assert is_unmapped(text)


@pytest.mark.parametrize("text", ["中", "1", " ", "\t", "\n", "fl", "——", "(cid:x)", "\uf900"])
def test_a_glyph_read_as_a_character_is_mapped(text: str) -> None:
    assert not is_unmapped(text)
