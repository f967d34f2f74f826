"""Numbers and units: a table of phrasings and their values, simplified and traditional side by side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.normalize import to_simplified
from extract.quantities import find_quantities, header_unit, parse_cell, parse_quantity

CASES = [
    # text, value, unit, approx
    ("390.31亿条", 39031000000, "条", False),
    ("390.31億條", 39031000000, "条", False),
    ("1240 万", 12400000, None, False),
    ("1240 萬", 12400000, None, False),
    ("84.05%", 84.05, "%", False),
    ("84.05 ％", 84.05, "%", False),
    ("3个百分点", 3, "个百分点", False),
    ("0.5个百分点", 0.5, "个百分点", False),
    ("76.3亿元", 7630000000, "元", False),
    ("76.3億元", 7630000000, "元", False),
    ("1500万元", 15000000, "元", False),
    ("2,916,278元", 2916278, "元", False),
    ("4,274张", 4274, "张", False),
    ("52万余人", 520000, "人", True),
    ("7亿余次", 700000000, "次", True),
    ("近23亿条", 2300000000, "条", True),
    ("約10.0億次", 1000000000, "次", True),
    ("超过25.7亿元", 2570000000, "元", True),
    ("30%以上", 30, "%", True),
    ("0.06亿左右", 6000000, None, True),
    ("1736.36万人次", 17363600, "人次", False),
    ("十二项", 12, "项", False),
    ("两千三百家", 2300, "家", False),
    ("一百零五个", 105, "个", False),
    ("1.2万亿元", 1200000000000, "元", False),
    ("46.65TB", 46.65, "TB", False),
    ("8314万次", 83140000, "次", False),
    # Taiwan's compound figures and 兆 (tw-ey-policy-report-oral-114, pages 3, 11, 14)
    ("3萬3,883美元", 33883, "美元", False),
    ("4兆8,530億元", 4853000000000, "元", False),
    ("1兆378億元", 1037800000000, "元", False),
    ("74萬5,797戶", 745797, "户", False),
    ("25.4兆元", 25400000000000, "元", False),
    ("3万5千人", 35000, "人", False),
    ("333億度", 33300000000, "度", False),
    ("21.05GW", 21.05, "GW", False),
    ("100兆瓦", 100, "兆瓦", False),
    ("0台（套）", 0, "台（套）", False),
    ("99.43分", 99.43, "分", False),
    ("兩次", 2, "次", False),
]


@pytest.mark.parametrize(("text", "value", "unit", "approx"), CASES)
def test_phrasings(text: str, value: float, unit: str | None, approx: bool) -> None:
    q = parse_quantity(to_simplified(text))
    assert q is not None, text
    assert q.value == pytest.approx(value, rel=1e-12)
    assert (q.unit, q.approx) == (unit, approx)


def test_ranges_keep_both_ends() -> None:
    q = parse_quantity("10-20万人")
    assert (q.value, q.value_max, q.unit, q.approx) == (100000, 200000, "人", True)
    q = parse_quantity("3至5个")
    assert (q.value, q.value_max, q.unit) == (3, 5, "个")


def test_running_text_skips_dates_years_ordinals_and_versions() -> None:
    text = "截止8月3日，归集59个部门、4,274张表，2018年10月底前完成第31位，政务服务2.0应用，24号线，日均归集量0.15亿。"
    found = [(q.raw, q.value, q.unit) for q in find_quantities(text)]
    assert found == [("59个", 59, "个"), ("4,274张", 4274, "张"), ("0.15亿", 15000000, None)]


def test_idioms_with_numerals_are_not_quantities() -> None:
    assert find_quantities("推进“一件事”联办，开展“三服务”，编制“十四五”规划，一对一服务") == []


def test_table_cells_take_their_unit_from_the_header() -> None:
    assert header_unit("累计归集量 (万条)") == "万条"
    assert header_unit("网办率（%）") == "%"
    assert header_unit("单位") is None
    assert parse_cell("11117.7", header_unit("累计归集量(万条)")).value == pytest.approx(111177000)
    assert parse_cell("96.49%", header_unit("网办率（%）")).value == pytest.approx(96.49)
    assert parse_cell("市公安局") is None


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["个", "条", "人", "项", "次", "元", "%"]))
def test_integers_round_trip(number: int, unit: str) -> None:
    q = parse_quantity(f"{number}{unit}")
    assert q is not None and q.value == number and q.unit == unit and not q.approx


@given(
    st.integers(min_value=1, max_value=10**8),
    st.integers(min_value=0, max_value=99),
    st.sampled_from([("万", 10**4), ("亿", 10**8)]),
)
def test_multipliers_fold_into_the_value(whole: int, cents: int, multiplier: tuple[str, int]) -> None:
    word, factor = multiplier
    q = parse_quantity(f"{whole}.{cents:02d}{word}条")
    assert q is not None and q.unit == "条"
    assert q.value == pytest.approx((whole + cents / 100) * factor, rel=1e-12)


@given(st.integers(min_value=1000, max_value=10**12))
def test_thousands_separators(number: int) -> None:
    assert parse_quantity(f"{number:,}张").value == number


def test_numbers_beyond_decimal_precision_do_not_crash() -> None:
    found = find_quantities("累计归集数据12345678901234567890123456789012条，另有123456789012345678901亿元")
    assert [q.unit for q in found] == ["条", "元"]
    assert found[0].value == pytest.approx(1.2345678901234568e31)


def test_a_compound_part_too_big_for_its_place_is_no_figure() -> None:
    # 3萬12,000 is no number: better nothing than 3萬 + 12,000 read one way or another
    assert find_quantities("核定3萬12,000元") == []
    assert [(q.raw, q.value) for q in find_quantities("共10万2024年完成")] == [("10万", 100000)]


def test_years_are_spans_only_after_a_span_word() -> None:
    text = "设计使用年限为50年，2024年完成，113年電價調整兩次，为期3年。"
    found = [(q.raw, q.value, q.unit) for q in find_quantities(to_simplified(text))]
    assert found == [("50年", 50, "年"), ("两次", 2, "次"), ("3年", 3, "年")]
    assert parse_quantity("2024年") is None  # a table cell of a year


def test_a_word_ending_in_a_numeral_is_not_a_count() -> None:
    # shaoxing-annual-2020 p. 1: "为全省唯一一个市区两级同时试点地区" was read as 11 个
    text = "为全省唯一一个市区两级同时试点地区，统一一批标准，建成十二个平台"
    assert [(q.raw, q.value) for q in find_quantities(text)] == [("十二个", 12)]


def test_a_stated_zero_is_a_figure_and_idioms_are_not() -> None:
    text = "政府性基金拨款支出预算为0；国有资本经营预算拨款支出预算为0。十分重要，百分之五十，为0.5"
    assert [(q.raw, q.value, q.unit) for q in find_quantities(text)] == [("0", 0, None), ("0", 0, None)]


def test_a_figure_inside_a_quoted_name_is_still_a_figure() -> None:
    # 「300億元中央擴大租金補貼專案」 states the programme's money; hand-read truth keeps it
    text = "推动「300億元中央擴大租金補貼專案」，上线“30秒入住”场景"
    assert [q.raw for q in find_quantities(text)] == ["300億元", "30秒"]


def test_signed_cells_keep_their_sign() -> None:
    """本年增/减 columns (2019 disclosure template) print +1036 and -3; a lone dash is no figure."""
    assert (parse_cell("+1036").value, parse_cell("+1036").raw) == (1036, "+1036")
    assert parse_cell("-3").value == -3
    assert parse_cell("−2.5", "万元").value == -25000
    assert parse_cell("-") is None and parse_cell("—") is None
