"""Text-layer verdicts: real Chinese, no text (scan), or garbage (broken character maps)."""

from __future__ import annotations

from conftest import CORPUS

from extract.quality import common_hanzi, judge_page_text, rank_common_hanzi


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
