"""The tables' own arithmetic on small hand-made tables: totals above or below their rows, code
levels, the rounding of printed figures, and the row paths of the records beside them."""

from __future__ import annotations

from extract.arithmetic import table_checks
from extract.model import Table, TableCell
from extract.tablerecords import column_records

HEADER = ["科目编码/类", "科目编码/款", "科目名称", "合计", "基本支出"]
ROLES = ["code", "code", "label", "value", "value"]


def budget_table(rows: list[list[str]], unit: str | None = "万元") -> Table:
    cells = [[TableCell(text, 1, None) for text in row] for row in rows]
    return Table("t01", None, None, "支出决算表", [1], HEADER, cells, roles=ROLES, unit_printed=unit)


# the 合计 row printed first, its code cells holding the 类/款 column labels (a final-accounts layout)
TOTAL_ON_TOP = [
    ["类", "款", "合计", "30.00", "20.00"],
    ["201", "", "一般公共服务支出", "10.00", "5.00"],
    ["201", "06", "财政事务", "10.00", "5.00"],
    ["208", "", "社会保障和就业支出", "20.00", "15.00"],
    ["208", "05", "养老支出", "20.00", "15.00"],
]


def outcomes(table: Table) -> list[tuple[str, str, float, float, bool]]:
    return [(c.kind, c.detail.split(":")[0], c.expected, c.actual, c.passed) for c in table_checks(table, "d")]


def test_a_total_printed_above_its_rows_adds_up_its_top_level_rows() -> None:
    found = outcomes(budget_table(TOTAL_ON_TOP))
    assert ("column_sum", "合计", 300000, 300000, True) in found
    assert ("column_sum", "基本支出", 200000, 200000, True) in found


def test_a_total_above_its_rows_that_disagrees_fails() -> None:
    rows = [row[:] for row in TOTAL_ON_TOP]
    rows[0][3] = "31.00"
    failed = [c for c in table_checks(budget_table(rows), "d") if not c.passed]
    assert [(c.kind, c.expected, c.actual) for c in failed] == [("column_sum", 300000, 310000)]
    assert failed[0].detail.startswith("合计: 合计 310000 vs the sum of 2 rows")  # not 类款合计


def test_a_class_row_equals_the_sum_of_its_items() -> None:
    rows = [row[:] for row in TOTAL_ON_TOP]
    rows[1][4] = "6.00"  # 201 基本支出 6.00, its item 201 06 5.00
    failed = [c for c in table_checks(budget_table(rows), "d") if not c.passed]
    assert ("code_sum", 50000, 60000) in [(c.kind, c.expected, c.actual) for c in failed]


def test_figures_off_within_their_printed_rounding_pass_with_a_note() -> None:
    rows = [row[:] for row in TOTAL_ON_TOP]
    rows[0][3] = "30.01"  # two decimals of 万元: each figure may be off by 50 元
    check = next(c for c in table_checks(budget_table(rows), "d") if c.kind == "column_sum" and "合计:" in c.detail)
    assert check.passed and "off by 0.01, within the rounding of 3 printed figures" in check.detail
    rows[0][3] = "30.02"  # 200 元 off, more than 3 × 50 元
    check = next(c for c in table_checks(budget_table(rows), "d") if c.kind == "column_sum" and "合计:" in c.detail)
    assert not check.passed


def test_whole_numbers_in_the_base_unit_are_exact() -> None:
    rows = [["类", "款", "合计", "3001", "20"], ["201", "", "一般公共服务支出", "3000", "20"]]
    check = next(c for c in table_checks(budget_table(rows, unit="元"), "d") if "合计:" in c.detail)
    assert not check.passed


def test_the_total_rows_record_is_named_by_its_label_not_the_column_labels() -> None:
    records = column_records(budget_table(TOTAL_ON_TOP), 3, None, "", "generic", "d", None)
    assert [(r.row, r.value, r.unit, r.unit_printed) for r in records[:3]] == [
        ("合计", 300000, "元", "万元"),
        ("201 / 一般公共服务支出", 100000, "元", "万元"),
        ("201 / 06 / 财政事务", 100000, "元", "万元"),
    ]


def test_a_column_of_percentages_is_never_summed() -> None:
    """Shares printed with % under a header with no rate word (占比 is one; 结构 is not) do not add
    up to their 合计 row's 100%: no sum check on them, while the amounts beside them are checked."""
    rows = [["合计", "30", "100%"], ["甲", "10", "33.3%"], ["乙", "20", "66.7%"]]
    cells = [[TableCell(text, 1, None) for text in row] for row in rows]
    table = Table(
        "t01", None, None, "收入结构表", [1], ["项目", "金额", "结构"], cells, roles=["label", "value", "value"]
    )
    assert {(kind, column) for kind, column, *_ in outcomes(table)} == {("column_sum", "金额")}
