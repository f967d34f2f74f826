"""Real government PDFs against truth read by hand from their page images (tests/truth/realworld):
every table cell, caption, unit, heading and fact that the truth records, and the tables' own
arithmetic: the checks that fail are exactly the slips the readers found in the print, and no
others. Skipped, saying why, where ../shared/realworld is absent."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import replace
from functools import cache

import pytest
from conftest import REALWORLD, ROOT, extracted, needs_realworld
from realtruth import compare_outputs, load, truth_names

from extract.apply import apply_rules
from extract.batch import document_status
from extract.dates import report_period
from extract.model import Document, Records
from extract.rules import load_rules

pytestmark = needs_realworld()

PDFS = sorted(p.stem for p in REALWORLD.glob("*.pdf")) if REALWORLD.is_dir() else []


@cache
def run(stem: str) -> tuple[Document, Records]:
    doc = extracted(str(REALWORLD / f"{stem}.pdf"))
    return doc, apply_rules(doc, load_rules(ROOT / "extract" / "rules"))


@pytest.mark.parametrize("name", truth_names())
def test_document_matches_its_hand_read_truth(name: str) -> None:
    doc, records = run(load(name)["file"].removesuffix(".pdf"))
    assert compare_outputs(name, doc, records) == []


# The slips in the print, from the truth files' "arithmetic" notes: (table title, kind, sum of the
# parts, printed total), in base units. Every other check of every real document passes.
WANLI_SLIPS = [  # 212 01 prints 94,995,790 over 项 rows adding up to 94,995,789, and 212 inherits it
    *[("2025年部门收入预算总表", "code_sum", 154369327, 154369326)] * 2,  # 合计 and 财政拨款收入
    *[("2025年部门收入预算总表", "code_sum", 94995789, 94995790)] * 2,
    *[
        (title, kind, parts, total)
        for title in ("2025年部门支出预算总表", "2025年部门一般公共预算支出功能分类预算表")
        for kind, parts, total in (
            ("code_sum", 154369327, 154369326),
            ("code_sum", 94995789, 94995790),
            ("row_sum", 94995789, 94995790),  # 合计 ≠ 基本支出 + 项目支出
        )
    ],
]
FAILED = {
    "budget-2025-putuo-wanli-street": WANLI_SLIPS,
    "budget-2025-shanghai-finance-bureau": [  # 302 prints 24,840,779 in 合计 and 公用经费; Σ款 = 24,840,778
        *[("2025年预算单位一般公共预算基本支出部门预算经济分类预算表", "code_sum", 24840778, 24840779)] * 2
    ],
    "gov-disclosure-2023-hongze": [  # 表四 总计 printed 0 over 10 + 1 and over 5
        ("四、政府信息公开行政复议、行政诉讼情况", "row_sum", 11, 0),
        ("四、政府信息公开行政复议、行政诉讼情况", "row_sum", 5, 0),
    ],
}
# passed only within the rounding of figures printed to 0.01 万元 or to the 千元
WITHIN_ROUNDING = {
    "final-accounts-2024-putuo-finance": [
        ("收入决算表", "column_sum", 29462600, 29462500),  # 2,946.26 vs 2,946.25
        ("收入决算表", "column_sum", 29400600, 29400500),
        ("支出决算表", "column_sum", 29400600, 29400500),
        ("支出决算表", "column_sum", 23369200, 23369100),
        ("一般公共预算财政拨款支出决算表", "column_sum", 29400600, 29400500),
        ("一般公共预算财政拨款支出决算表", "column_sum", 23369200, 23369100),
        ("一般公共预算财政拨款基本支出决算表", "code_sum", 20828600, 20828500),  # 301
        ("一般公共预算财政拨款基本支出决算表", "code_sum", 1710900, 1710700),  # 302
    ],
    "tw-changhua-council-suggestions-2017": [  # 58 rows add up to 69,461 千元, 合計 69,462
        ("彰化县政府106年度对议员所提地方建设建议事项处理明细表", "column_sum", 69461000, 69462000)
    ]
    * 2,
}


def slips(stem: str, within_rounding: bool) -> Counter[tuple[str | None, str, float, float]]:
    """The failed checks of a document, or those that passed only within rounding."""
    doc, records = run(stem)
    titles = {t.table_id: t.title for t in doc.tables}
    if within_rounding:
        chosen = [c for c in records.checks if c.passed and "within the rounding" in c.detail]
    else:
        chosen = [c for c in records.checks if not c.passed]
    return Counter((titles[c.table_id], c.kind, c.expected, c.actual) for c in chosen)


@pytest.mark.parametrize("stem", PDFS)
def test_the_checks_that_fail_are_the_slips_in_the_print(stem: str) -> None:
    assert slips(stem, within_rounding=False) == Counter(FAILED.get(stem, []))


@pytest.mark.parametrize("stem", sorted(WITHIN_ROUNDING))
def test_rounding_differences_pass_with_a_note(stem: str) -> None:
    assert slips(stem, within_rounding=True) == Counter(WITHIN_ROUNDING[stem])


@pytest.mark.parametrize(
    ("stem", "status"),
    [(stem, "failed" if "scan" in stem or "garbled" in stem else "ok") for stem in PDFS],
)
def test_a_document_is_ok_only_when_every_page_was_read(stem: str, status: str) -> None:
    doc, records = run(stem)
    assert document_status(doc, records)[0] == status


# the period each report covers, read off its title (ROC years converted) or, with none there, its date
PERIODS = {
    "budget-2025-putuo-wanli-street": "2025",
    "budget-2025-shanghai-finance-bureau": "2025",
    "csrc-industry-classification-2018q3": "2018-07/2018-09",  # 2018年3季度
    "final-accounts-2024-putuo-finance": "2024",
    "gov-disclosure-2023-hongze": "2023",
    "gov-disclosure-2024-huaian": "2024",
    "tw-changhua-council-suggestions-2017": "2017",  # 106年度
    "tw-ey-policy-report-oral-114": "2025",  # dated 中華民國114年2月25日
    "tw-ey-supplementary-budget-113": "2024",  # 113年度
}


@pytest.mark.parametrize("name", truth_names())
def test_every_record_names_its_period_and_issuer(name: str) -> None:
    from extract.normalize import to_simplified

    truth = load(name)
    doc, records = run(truth["file"].removesuffix(".pdf"))
    issuer = to_simplified(truth["meta"]["issuer"] or "")
    assert report_period(doc.meta.title, doc.meta.date) == PERIODS[name]
    found = {(m.period, m.issuer) for m in [*records.metrics, *records.deadlines]}
    assert found == ({(PERIODS[name], issuer)} if records.metrics else set())  # the CSRC list has no figures


@pytest.mark.parametrize("stem", ["gov-disclosure-2023-hongze", "gov-disclosure-2024-huaian"])
def test_a_disclosure_report_is_not_taken_for_an_annual_work_report(stem: str) -> None:
    _, records = run(stem)  # 年度报告 is in its title, but it has a national layout of its own
    assert "annual-work-report" not in records.formats


DISCLOSURE = "gov-disclosure-annual-report"


def truth_figures(name: str) -> int:
    """The figures the hand-read truth prints in the body of its tables (codes and labels aside)."""
    from realtruth import NUMBER, expected_tables, holds_labels

    count = 0
    for table in expected_tables(load(name)):
        for c, column in enumerate(table.header):
            cells = [row[c] for row in table.rows]
            if not holds_labels(column, cells) and column.split("/")[-1] not in ("序号", "序 号"):
                count += sum(bool(NUMBER.match("".join(cell.split()))) for cell in cells)
    return count


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("gov-disclosure-2023-hongze", DISCLOSURE),
        ("gov-disclosure-2024-huaian", DISCLOSURE),
        ("budget-2025-putuo-wanli-street", "dept-budget"),
        ("budget-2025-shanghai-finance-bureau", "dept-budget"),
        ("final-accounts-2024-putuo-finance", "dept-final-accounts"),
    ],
)
def test_every_figure_of_a_national_format_table_is_a_format_record(name: str, fmt: str) -> None:
    _, records = run(name)
    assert records.formats == [fmt]
    from_tables = [m for m in records.metrics if m.source.startswith("table:")]
    assert len(from_tables) == truth_figures(name)
    assert {m.rule.split(":")[0] for m in from_tables} == {fmt} and all(m.metric for m in from_tables)


def test_disclosure_records_line_up_by_metric_row_and_column() -> None:
    _, records = run("gov-disclosure-2024-huaian")  # values read off the page images (tests/truth/realworld)
    found = {(m.metric, m.row, m.column): (m.value, m.unit) for m in records.metrics}
    assert found[("administrative_decisions", "行政许可", "本年处理决定数量")] == (447228, "件")
    assert found[("administrative_fees", "行政事业性收费", "本年收费金额（单位：万元）")] == (961716000, "元")
    received = ("disclosure_requests_received", "一、本年新收政府信息公开申请数量", "申请人情况/总计")
    assert found[received] == (3119, "件")
    assert (
        found[
            (
                "disclosure_requests_refused",
                "三、本年度办理结果 / （三）不予公开 / 8.属于行政查询事项",
                "申请人情况/总计",
            )
        ][0]
        == 105
    )
    assert found[("disclosure_admin_reviews", "", "行政复议/总计")] == (351, "件")


def test_budget_and_final_account_records_compare_across_bodies_and_years() -> None:
    """一般公共服务支出 (201) in the general public budget, planned (2025) and spent (2024), in 元."""
    found = {}
    for stem in (
        "budget-2025-putuo-wanli-street",
        "budget-2025-shanghai-finance-bureau",
        "final-accounts-2024-putuo-finance",
    ):
        _, records = run(stem)
        for m in records.metrics:
            if (
                m.metric in ("budget_general_expenditure", "final_general_expenditure")
                and m.row == "201 / 一般公共服务支出"
            ):
                found[(m.issuer, m.period, m.metric)] = (m.value, m.unit)
    assert found == {  # hand-read: wanli p.20 3,296,600; shanghai p.13 127,886,849; final accounts p.15 2,106.66 万元
        ("上海市普陀区人民政府万里街道办事处", "2025", "budget_general_expenditure"): (3296600, "元"),
        ("上海市财政局", "2025", "budget_general_expenditure"): (127886849, "元"),
        ("上海市普陀区财政局", "2024", "final_general_expenditure"): (21066600, "元"),
    }


@pytest.mark.parametrize(
    ("stem", "expected"),
    [  # hand-read facts (tests/truth/realworld), now under the format's metric ids
        (
            "gov-disclosure-2024-huaian",
            {
                ("disclosure_proactive_items", 5500, "条"),
                ("disclosure_requests_received", 3119, "件"),
                ("disclosure_admin_reviews", 351, "件"),
                ("disclosure_processing_fees", 3940, "元"),
            },
        ),
        (
            "gov-disclosure-2023-hongze",
            {
                ("disclosure_proactive_items", 1136, "条"),
                ("disclosure_requests_received", 21, "件"),
                ("disclosure_processing_fees", 0, "元"),
            },
        ),
    ],
)
def test_disclosure_prose_figures_get_the_formats_ids(stem: str, expected: set) -> None:
    _, records = run(stem)
    prose = [m for m in records.metrics if m.source == "text" and m.rule.startswith(DISCLOSURE)]
    assert {(m.metric, m.value, m.unit) for m in prose} >= expected
    assert all(m.entity != "年全区" for m in prose)  # 2023年全区受理…: 全区 is no entity


def test_budget_and_final_account_prose_figures_get_the_formats_ids() -> None:
    _, budget = run(
        "budget-2025-putuo-wanli-street"
    )  # p.6: 收入预算18,976.76万元 … 一般公共预算拨款支出预算18,976.76万元
    found = {(m.metric, m.value) for m in budget.metrics if m.source == "text" and m.rule.startswith("dept-budget")}
    assert found >= {
        (metric, 189767600) for metric in ("budget_revenue", "budget_expenditure", "budget_general_expenditure")
    }
    _, final = run("final-accounts-2024-putuo-finance")  # p.21: 本年收入合计2946.25万元 … 项目支出603.14万元
    found = {(m.metric, m.value) for m in final.metrics if m.source == "text" and m.rule.startswith("dept-final")}
    assert found >= {
        ("final_revenue", 29462500),
        ("final_expenditure", 29400500),
        ("final_expenditure_project", 6031400),
    }


def test_changes_on_the_previous_year_are_named_by_their_figure() -> None:
    """p.6-7 of the Wanli budget: 比2024年预算增加3,355.65万元 three times, 减少10万元 three times (三公,
    车辆购置及运行, 购置); the 持平 ones print no figure. The final accounts p.23: 增加2.55万元."""
    _, budget = run("budget-2025-putuo-wanli-street")
    changes = {(m.metric, m.label, m.value) for m in budget.metrics if "_on_previous_year" in m.metric}
    up, down = "budget_increase_on_previous_year", "budget_decrease_on_previous_year"
    assert changes == {
        (up, "财政拨款收入比2024年预算增加", 33556500),
        (up, "财政拨款支出预算比2024年预算增加", 33556500),
        (up, "一般公共预算拨款支出预算比2024年预算增加", 33556500),
        (down, "“三公”经费预算数比2024年预算减少", 100000),
        (down, "公务用车购置及运行费比2024年预算减少", 100000),
        (down, "公务用车购置费比2024年预算减少", 100000),
    }
    _, final = run("final-accounts-2024-putuo-finance")
    found = {(m.metric, m.label, m.value) for m in final.metrics if m.source == "text" and m.rule.startswith("dept-")}
    assert found >= {
        ("final_increase_on_previous_year", "机关运行经费支出比2023年度增加", 25500),
        ("budget_three_public", "“三公”经费年初预算", 9500),
        ("final_three_public", "“三公”经费支出决算", 0),
        ("final_office_running", "机关运行经费支出", 1846500),
        ("final_government_procurement", "政府采购金额", 2512500),
    }


def test_the_disclosure_requests_balance_is_checked_row_by_row() -> None:
    """表3 prints its own rule: 第一项 + 第二项 = 第三项(总计) + 第四项; huaian: 3119 + 34 = 3050 + 103."""
    import copy

    doc, records = run("gov-disclosure-2024-huaian")
    balance = [c for c in records.checks if c.kind == "rows_equal"]
    assert len(balance) == 7 and all(c.passed for c in balance)
    assert ("申请人情况/总计", 3153, 3153) in [(c.detail.split(":")[0], c.expected, c.actual) for c in balance]
    changed = copy.deepcopy(doc)  # one misprint in the 结转下年度 row
    table = next(t for t in changed.tables if "收到和处理" in (t.title or ""))
    row = next(r for r in table.rows if r[0].text.startswith("四、结转下年度"))
    row[-1].text = "104"
    failed = [c for c in apply_rules(changed, load_rules(ROOT / "extract" / "rules")).checks if not c.passed]
    assert {(c.kind, c.detail.split(":")[0], c.expected, c.actual) for c in failed} == {
        ("rows_equal", "申请人情况/总计", 3153, 3154),
        ("row_sum", "四、结转下年度继续办理", 103, 104),  # its 总计 is no longer the sum of its row either
    }


@pytest.mark.parametrize(
    ("stem", "rows"), [("budget-2025-putuo-wanli-street", 63), ("budget-2025-shanghai-finance-bureau", 23)]
)
def test_a_budgets_income_and_spending_tables_agree_row_by_row(stem: str, rows: int) -> None:
    """收入预算总表 合计 = 支出预算总表 合计 on every 科目 printed with a figure (counted on the pages);
    one figure changed in the income table fails exactly its row."""
    doc, records = run(stem)
    checks = [c for c in records.checks if c.kind == "same_figures"]
    assert len(checks) == rows and all(c.passed for c in checks)
    doc = copy.deepcopy(doc)
    income = next(t for t in doc.tables if "收入预算总表" in t.title)
    row = next(r for r in income.rows if r[4].text and r[2].text)  # a 项 row with a 合计 figure
    row[4] = replace(row[4], text=row[4].text + "1")
    failed = [c for c in apply_rules(doc, load_rules(ROOT / "extract" / "rules")).checks if not c.passed]
    assert [c.kind for c in failed if c.kind == "same_figures"] == ["same_figures"]


def grid(base, title: str, header: list[str], rows: list[list[str]]):
    """A table laid out as another producer or template prints it, on a real table's page and box."""
    cell = base.rows[0][0]
    body = [[replace(cell, text=text, merged_from=None) for text in row] for row in rows]
    roles = ["label"] + ["value"] * (len(header) - 1)
    return replace(base, title=title, header=header, rows=body, roles=roles, total_rows=[], unit_printed=None)


def test_the_2019_template_and_spaced_labels_are_read_by_the_disclosure_format() -> None:
    """The 2019 template (国办公开办函〔2019〕60号; layout read off the 2019 Shanghai and Xiongxian
    reports): 表2's parts count 新制作/新公开/对外公开总数量, 上一年项目数量 and a signed 本年增/减, and
    add part （九） 采购; captions spaced out (第二十条 第(五)项), 表3's stacked label 三、本 年 度…
    and its row （六）其他. The figures here are made up; the layout is the template's."""
    doc, _ = run("gov-disclosure-2024-huaian")
    doc = copy.deepcopy(doc)
    part = "二、主动公开政府信息情况 / "
    old = {t.table_id: t for t in doc.tables}
    doc.tables[0] = grid(
        old["t01"],
        part + "第二十条 第（一）项",
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        [["规章", "3", "3", "13"], ["规范性文件", "10", "10", "60"]],
    )
    doc.tables[1] = grid(
        old["t02"],
        part + "第二十条  第(五)项",
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        [["行政许可", "120", "+3", "4500"], ["其他对外管理服务事项", "30", "-2", "800"]],
    )
    doc.tables[2] = grid(
        old["t03"],
        part + "第二十条第（六）项",
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        [["行政处罚", "50", "0", "300"], ["行政强制", "5", "-1", "20"]],
    )
    doc.tables[3] = grid(
        old["t04"],
        part + "第二十条第（八）项",
        ["信息内容", "上一年项目数量", "本年增/减"],
        [["行政事业性收费", "12", "-1"]],
    )
    ninth = grid(
        old["t04"],
        part + "第二十条第（九）项",
        ["信息内容", "采购项目数量", "采购总金额"],
        [["政府集中采购", "25", "251000元"]],
    )
    doc.tables.insert(4, replace(ninth, table_id="t04b"))
    requests = next(t for t in doc.tables if t.table_id == "t05")
    for row in requests.rows:
        row[0] = replace(row[0], text=row[0].text.replace("三、本年度办理结果", "三、 本 年 度 办 理 结 果"))
        row[1] = replace(row[1], text=row[1].text.replace("（六）其他处理", "（六）其他"))
    records = apply_rules(doc, load_rules(ROOT / "extract" / "rules"))
    table_ids = {"t01", "t02", "t03", "t04", "t04b", "t05"}
    figures = [m for m in records.metrics if m.source.removeprefix("table:") in table_ids]
    assert figures and [m for m in figures if not m.rule.startswith(DISCLOSURE)] == []
    got = {
        (m.source.removeprefix("table:"), m.metric, m.row, m.value, m.unit) for m in figures if m.source < "table:t05"
    }
    assert got == {
        ("t01", "disclosure_documents_made", "规章", 3, "件"),
        ("t01", "disclosure_documents_published", "规章", 3, "件"),
        ("t01", "disclosure_documents_public_total", "规章", 13, "件"),
        ("t01", "disclosure_documents_made", "规范性文件", 10, "件"),
        ("t01", "disclosure_documents_published", "规范性文件", 10, "件"),
        ("t01", "disclosure_documents_public_total", "规范性文件", 60, "件"),
        ("t02", "administrative_items_previous_year", "行政许可", 120, "项"),
        ("t02", "administrative_items_change", "行政许可", 3, "项"),
        ("t02", "administrative_decisions", "行政许可", 4500, "件"),
        ("t02", "administrative_items_previous_year", "其他对外管理服务事项", 30, "项"),
        ("t02", "administrative_items_change", "其他对外管理服务事项", -2, "项"),
        ("t02", "administrative_decisions", "其他对外管理服务事项", 800, "件"),
        ("t03", "administrative_items_previous_year", "行政处罚", 50, "项"),
        ("t03", "administrative_items_change", "行政处罚", 0, "项"),
        ("t03", "administrative_decisions", "行政处罚", 300, "件"),
        ("t03", "administrative_items_previous_year", "行政强制", 5, "项"),
        ("t03", "administrative_items_change", "行政强制", -1, "项"),
        ("t03", "administrative_decisions", "行政强制", 20, "件"),
        ("t04", "administrative_items_previous_year", "行政事业性收费", 12, "项"),
        ("t04", "administrative_items_change", "行政事业性收费", -1, "项"),
        ("t04b", "procurement_projects", "政府集中采购", 25, "项"),
        ("t04b", "procurement_amount", "政府集中采购", 251000, "元"),
    }
    other = {m.row for m in figures if m.metric == "disclosure_requests_other_outcome"}
    assert other and all("（六）其他" in row for row in other)
    assert all(c.passed for c in records.checks if c.kind == "rows_equal")


def test_budget_tables_titled_as_in_the_finance_ministry_template_are_format_records() -> None:
    """The Ministry of Finance template names the tables 部门收支总表, 部门收入总表 (with 上年结转 and
    一般公共预算拨款收入 columns), 部门支出总表, 财政拨款收支总表, 一般公共预算支出表 and 一般公共预算基本
    支出表: the Wanli budget's tables re-titled and re-headed so, every figure is still a format record."""
    doc, _ = run("budget-2025-putuo-wanli-street")
    doc = copy.deepcopy(doc)
    titles = {
        "t01": "部门收支总表",
        "t02": "部门收入总表",
        "t03": "部门支出总表",
        "t04": "财政拨款收支总表",
        "t05": "一般公共预算支出表",
        "t08": "一般公共预算基本支出表",
    }
    renamed = {
        "收入预算/财政拨款收入": "收入预算/一般公共预算拨款收入",
        "收入预算/其他收入": "收入预算/上年结转",
        "本年收入/预算数": "收入/预算数",
        "本年支出/预算数": "支出/预算数",
    }
    for i, table in enumerate(doc.tables):
        if table.table_id in titles:
            header = [renamed.get(h, h) for h in table.header]
            doc.tables[i] = replace(table, title=f"2025年{titles[table.table_id]}", header=header)
    records = apply_rules(doc, load_rules(ROOT / "extract" / "rules"))
    figures = [m for m in records.metrics if m.source.removeprefix("table:") in titles]
    assert len(figures) > 300 and [m for m in figures if not m.rule.startswith("dept-budget")] == []
    assert {m.metric for m in figures if m.source == "table:t02"} >= {
        "budget_revenue_general",
        "budget_revenue_carried_over",
    }
    assert {m.metric for m in figures if m.source == "table:t01"} == {"budget_revenue", "budget_expenditure"}
    assert [c for c in records.checks if c.kind == "same_figures" and not c.passed] == []
    assert len([c for c in records.checks if c.kind == "same_figures"]) == 63


def test_same_titled_tables_are_told_apart_by_header_or_order(tmp_path) -> None:
    """表2's four parts share the words 第二十条: a rule picks one by its place or by its header."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "picker.yaml").write_text(
        "format: picker\nmatch: {title: 政府信息公开}\npriority: 20\ntables:\n"
        "  - {title: 第二十条, occurrence: 2, columns: {本年处理决定数量: administrative_decisions}}\n"
        "  - {title: 第二十条, header: 本年收费金额, columns: {本年收费金额: administrative_fees}}\n",
        encoding="utf-8",
    )
    doc, _ = run("gov-disclosure-2024-huaian")
    records = apply_rules(doc, load_rules([ROOT / "extract" / "rules", mine]))
    rules = {(m.source, m.rule) for m in records.metrics if m.source.startswith("table:t0") and m.source < "table:t05"}
    assert rules == {
        ("table:t01", "generic"),  # 第二十条第（一）项: neither the 2nd nor with a fee header
        ("table:t02", "picker:tables[0]"),  # the 2nd table titled 第二十条…
        ("table:t03", "generic"),  # the 3rd, with the same header as the 2nd
        ("table:t04", "picker:tables[1]"),  # the one whose header names 本年收费金额
    }
