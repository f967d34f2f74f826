"""Dates: a Chinese date as written into an ISO date.

Handles 2018年8月3日, 2018-08-03, 2018.8.3, 2018/8/3, dates in Chinese numerals
(二〇二一年二月二十八日), and ROC years (中华民国105年 / 105年6月20日 → 2016-06-20, for years below
200 written in full). Deadlines and "as of" phrases build on this in rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUM = "〇○零一二三四五六七八九十"

DATE = re.compile(
    rf"(?P<y>\d{{2,4}}|[{CN_NUM}]{{2,4}})\s*年\s*(?P<m>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*月\s*(?P<d>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*[日号]"
    r"|(?P<y2>\d{4})[-./](?P<m2>\d{1,2})[-./](?P<d2>\d{1,2})(?!\d)"
)
STANDALONE_DATE = re.compile(rf"^\s*(?:{DATE.pattern})\s*$")


def cn_small_number(text: str) -> int:
    """一 … 九十九, digit by digit for years (二〇二一)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + CN_DIGIT[ch]
        return value
    tens, _, ones = text.partition("十")
    return (CN_DIGIT[tens] if tens else 1) * 10 + (CN_DIGIT[ones] if ones else 0)


def full_year(year: int) -> int:
    if year < 200:  # ROC (民国) years: 105年 is 2016
        return year + 1911
    return year


def parse_date(text: str) -> str | None:
    """The first date in text, as ISO 8601, or None."""
    match = DATE.search(text)
    if not match:
        return None
    return date_from_match(match)


def date_from_match(match: re.Match[str]) -> str | None:
    if match.group("y") is not None:
        y, m, d = match.group("y"), match.group("m"), match.group("d")
    else:
        y, m, d = match.group("y2"), match.group("m2"), match.group("d2")
    try:
        value = dt.date(full_year(cn_small_number(y)), cn_small_number(m), cn_small_number(d))
    except (ValueError, KeyError):
        return None
    return value.isoformat()


def is_standalone_date(text: str) -> bool:
    return bool(STANDALONE_DATE.match(text))


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])
