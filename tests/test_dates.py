"""Dates and deadlines with a fixed reference date, simplified and traditional side by side."""

from __future__ import annotations

import datetime as dt

import pytest

from extract.dates import DEADLINE, as_of_date, is_deadline_phrase, parse_date, parse_deadline, report_period
from extract.normalize import to_simplified

BASE = dt.date(2018, 3, 28)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2018年8月3日", "2018-08-03"),
        ("2018 年 8 月 3 日", "2018-08-03"),
        ("二〇二一年二月二十八日", "2021-02-28"),
        ("2018-08-03", "2018-08-03"),
        ("2018.8.3", "2018-08-03"),
        ("105年06月20日", "2016-06-20"),  # ROC year
        ("2018年2月30日", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "due", "kind"),
    [
        ("2018年10月底前", "2018-10-31", "by"),
        ("12月底前", "2018-12-31", "by"),
        ("7月23日前", "2018-07-23", "by"),
        ("7月底之前", "2018-07-31", "by"),
        ("2018年5月底", "2018-05-31", "by"),
        ("2018年12月底", "2018-12-31", "by"),
        ("2018年2月底前", "2018-02-28", "by"),
        ("年底前", "2018-12-31", "by"),
        ("上半年", "2018-06-30", "period"),
        ("下半年", "2018-12-31", "period"),
        ("全年工作", None, "ongoing"),
        ("时间不确定", None, "undetermined"),
        ("時間不確定", None, "undetermined"),
        ("2018年6月底前完成系統開發", "2018-06-30", "by"),
    ],
)
def test_deadlines(text: str, due: str | None, kind: str) -> None:
    deadline = parse_deadline(to_simplified(text), BASE)
    assert deadline is not None and (deadline.due, deadline.kind) == (due, kind)


def test_year_comes_from_the_document_date() -> None:
    assert parse_deadline("12月底前", dt.date(2019, 5, 1)).due == "2019-12-31"


@pytest.mark.parametrize(
    ("text", "is_deadline"),
    [
        ("2018年10月底前,各设区市完成", True),
        ("要求各单位于7月27日前完成", True),
        ("2018年5月底,各市、县(市、区)将", True),
        ("7月27日，徐市长在专报上批示", False),  # an event
        ("截止8月3日，归集59个部门", False),  # an as-of date
        ("8月份开始将以权力事项库为依据", False),
    ],
)
def test_only_limits_are_deadlines_in_running_text(text: str, is_deadline: bool) -> None:
    matches = [m for m in DEADLINE.finditer(text) if is_deadline_phrase(m, text)]
    assert bool(matches) == is_deadline


def test_as_of_dates() -> None:
    assert as_of_date("截止8月3日，归集", dt.date(2018, 8, 3)) == "2018-08-03"
    assert as_of_date("截至2020年12月底,浙里办用户", dt.date(2021, 1, 1)) == "2020-12-31"
    assert as_of_date("目前已完成", BASE) is None


@pytest.mark.parametrize(
    ("title", "date", "period"),
    [
        ("淮安市人民政府2024年政府信息公开工作年度报告", None, "2024"),
        ("上海市普陀区财政局2024年度部门决算", None, "2024"),
        ("2018年3季度上市公司行业分类结果", None, "2018-07/2018-09"),
        ("2019年第一季度通报", None, "2019-01/2019-03"),
        ("2020年上半年工作总结", None, "2020-01/2020-06"),
        (to_simplified("臺東縣政府104年度下半年對議員所提地方建設建議事項處理明細表"), None, "2015-07/2015-12"),
        ("某县104年7月至12月建议事项", None, "2015-07/2015-12"),
        (to_simplified("彰化縣政府106年度對議員所提地方建設建議事項處理明細表"), None, "2017"),
        (to_simplified("113年度中央政府總預算追加預算案"), "2024-11-19", "2024"),  # ROC year of account
        ("中华民国114年施政报告", None, "2025"),
        ("施政报告（口头报告）", "2025-02-25", "2025"),  # no period in the title: the year it is dated
        ("纪念建党100年座谈会讲话", None, ""),  # 100年 is no ROC year without 年度 or a month
        ("某某情况通报", None, ""),  # neither title nor date says
    ],
)
def test_report_period_from_the_title_else_the_date(title: str, date: str | None, period: str) -> None:
    assert report_period(title, date) == period
