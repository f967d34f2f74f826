"""Dates: a Chinese date as written into an ISO date.

Handles 2018年8月3日, 2018-08-03, 2018.8.3, 2018/8/3, dates in Chinese numerals
(二〇二一年二月二十八日), and ROC years (中华民国105年 / 105年6月20日 → 2016-06-20, for years below
200 written in full). Deadlines and "as of" phrases build on this in rules. The period a report
covers (a year, a half-year, a quarter, a span of months) from its title.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .grammar import grammar, longest_first

CN_DIGIT = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUM = "〇○零一二三四五六七八九十"

DATE = re.compile(
    rf"(?P<y>\d{{2,4}}|[{CN_NUM}]{{2,4}})\s*年\s*(?P<m>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*月\s*(?P<d>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*[日号]"
    r"|(?P<y2>\d{4})[-./](?P<m2>\d{1,2})[-./](?P<d2>\d{1,2})(?!\d)"
)
STANDALONE_DATE = re.compile(rf"^\s*(?:中华民国|中華民國|民国|民國|公元)?\s*(?:{DATE.pattern})\s*$")


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


# --------------------------------------------------------------------------- deadlines and "as of"
@dataclass(frozen=True, slots=True)
class Deadline:
    text: str  # as written: 2018年10月底前
    due: str | None  # ISO date, None when ongoing or undetermined
    kind: str  # "by" (a date to meet), "period" (上半年), "ongoing" (全年工作), "undetermined" (时间不确定)
    start: int = 0
    end: int = 0


WORDS = grammar().deadlines  # rules/grammar.yaml: the words of deadline phrases
MONTH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
YEAR = r"(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*"
DEADLINE = re.compile(
    rf"(?P<year>{YEAR})?(?P<month>{MONTH})\s*月\s*(?:(?P<day>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*[日号]"
    rf"|(?P<end>{longest_first(WORDS.month_end + WORDS.month_whole)})|(?P<part>{longest_first(list(WORDS.month_parts))}))?"
    rf"\s*(?P<before>{longest_first(WORDS.before)})?"
    rf"|(?P<yearend>(?:(?P<year2>\d{{4}})\s*年)?(?:{longest_first(WORDS.year_end)})(?:{longest_first(WORDS.before)})?)"
    rf"|(?P<half>(?:(?P<year3>\d{{4}})\s*年)?(?P<halfword>{longest_first(list(WORDS.halves))}))"
    rf"|(?P<ongoing>{longest_first(WORDS.ongoing)})"
    rf"|(?P<unknown>{longest_first(WORDS.undetermined)})"
)
AS_OF = re.compile(
    rf"(?:{longest_first(WORDS.as_of)})\s*(?:目前|)\s*"
    r"(?P<date>(?:\d{4}\s*年\s*)?\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号]|底|末)?)"
)
SPAN_START = re.compile(rf"(?:{longest_first(WORDS.as_of + WORDS.span_start)})\s*$")


def parse_deadline(text: str, base: dt.date) -> Deadline | None:
    """One deadline as written in a notice or a table cell; the year comes from the document date."""
    m = DEADLINE.search(text)
    if not m:
        return None
    return deadline_from_match(m, base)


def deadline_from_match(m: re.Match[str], base: dt.date) -> Deadline | None:
    raw = m.group(0).strip()
    if m.group("unknown"):
        return Deadline(raw, None, "undetermined", m.start(), m.end())
    if m.group("ongoing"):
        return Deadline(raw, None, "ongoing", m.start(), m.end())
    if m.group("half"):
        year = int(m.group("year3")) if m.group("year3") else base.year
        end = month_end(year, WORDS.halves[m.group("halfword")])
        return Deadline(raw, end.isoformat(), "period", m.start(), m.end())
    due = computed_due(m, base)
    if due is None:
        return None
    return Deadline(raw, due, "by", m.start(), m.end())


def computed_due(m: re.Match[str], base: dt.date) -> str | None:
    if m.group("yearend"):
        year = int(m.group("year2")) if m.group("year2") else base.year
        return dt.date(year, 12, 31).isoformat()
    year = full_year(cn_small_number(re.sub(r"\s|年", "", m.group("year")))) if m.group("year") else base.year
    month = cn_small_number(m.group("month"))
    if not 1 <= month <= 12:
        return None
    if m.group("day"):
        day = cn_small_number(m.group("day"))
        try:
            due = dt.date(year, month, day)
        except ValueError:
            return None
    elif m.group("part"):
        last = month_end(year, month)
        due = last.replace(day=min(WORDS.month_parts[m.group("part")], last.day))
    else:
        due = month_end(year, month)
    return due.isoformat()


def is_deadline_phrase(m: re.Match[str], text: str) -> bool:
    """In running text only a date that sets a limit is a deadline: 10月底前, 7月23日前, 5月底, 下半年.
    A bare date (7月27日，徐市长…) is an event, and 截至8月3日 is an as-of date."""
    if m.group("ongoing") or m.group("unknown"):
        return False  # only meaningful in a time-requirement table cell
    before = text[max(0, m.start() - 3) : m.start()]
    if SPAN_START.search(before):
        return False
    if m.group("half") or m.group("yearend"):
        return True
    return bool(m.group("before") or m.group("end") in WORDS.month_end)


def as_of_date(text: str, base: dt.date) -> str | None:
    """The date of a 截至/截止 phrase (截止8月3日 → 2018-08-03, 截至2020年12月底 → 2020-12-31)."""
    m = AS_OF.search(text)
    if not m:
        return None
    phrase = m.group("date")
    year_m = re.match(r"(\d{4})\s*年", phrase)
    year = int(year_m.group(1)) if year_m else base.year
    rest = phrase[year_m.end() :] if year_m else phrase
    month_m = re.match(r"(\d{1,2})\s*月", rest)
    if not month_m:
        return None
    month = int(month_m.group(1))
    day_m = re.search(r"(\d{1,2})\s*[日号]", rest[month_m.end() :])
    try:
        return (dt.date(year, month, int(day_m.group(1))) if day_m else month_end(year, month)).isoformat()
    except ValueError:
        return None


# --------------------------------------------------------------------------- report periods
PERIOD_YEAR = re.compile(
    # 2024年, 中华民国113年, and a bare ROC year only as 113年度 or 104年7月 (建党100年 is no year)
    r"(?:(?:中华民国|中華民國|民国|民國)\s*(?P<roc>\d{2,3})|(?P<year>(?:19|20)\d{2})|(?P<roc3>1\d{2})(?=\s*年(?:度|\s*\d{1,2}\s*月)))\s*年(?P<fiscal>度)?"
)
HALF = {"上半年": (1, 6), "下半年": (7, 12)}
QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
PERIOD_PART = re.compile(
    r"^\s*(?:(?P<half>上半年|下半年)|第?(?P<quarter>[一二三四1-4])\s*季度?"
    r"|(?P<m1>\d{1,2})\s*月?\s*(?:至|-|—|~|－)\s*(?P<m2>\d{1,2})\s*月)"
)


def report_period(title: str | None, date: str | None) -> str:
    """The period a report covers, from its title (2024年…年度报告 → 2024; 104年度下半年 → 2015-07/2015-12;
    113年度 → 2024), else the year of its date; "" when neither says."""
    m = PERIOD_YEAR.search(title or "")
    if m is None:
        return date[:4] if date else ""
    year = int(m.group("year")) if m.group("year") else 1911 + int(m.group("roc") or m.group("roc3"))
    part = PERIOD_PART.match((title or "")[m.end() :])
    if part is None:
        return str(year)
    if part.group("half"):
        first, last = HALF[part.group("half")]
    elif part.group("quarter"):
        quarter = QUARTER[part.group("quarter")]
        first, last = 3 * quarter - 2, 3 * quarter
    else:
        first, last = int(part.group("m1")), int(part.group("m2"))
        if not 1 <= first <= last <= 12:
            return str(year)
    return f"{year}-{first:02d}/{year}-{last:02d}"
