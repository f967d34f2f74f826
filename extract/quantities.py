"""Quantities: numbers with their units, in base units, as Chinese government text writes them.

390.31亿条 → 39031000000 条; 1240 万 → 12400000; 84.05% → 84.05 %; 3个百分点 → 3 个百分点;
76.3亿元 → 7630000000 元; 52万余人 → 520000 人 (approx); 两千三百家 → 2300 家; 10-20万人 → a range;
Taiwan's compound figures 3萬3,883美元 → 33883 美元 and 4兆8,530億元 → 4853000000000 元 (兆 = 10¹²).
Qualifiers 近/约/超过/逾/余/多/以上/左右 set ``approx``. Chinese numerals are read with cn2an;
Money units (元, 万元, 亿元) are folded in by the same grammar as counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .grammar import grammar, longest_first

GRAMMAR = grammar()  # rules/grammar.yaml: units, multipliers, approximation and duration words
MULTIPLIERS = {word: Decimal(10) ** m.power for word, m in GRAMMAR.multipliers.items()}
# The big units a compound figure steps down through: 4兆8,530億, 3萬3,883.
COMPOUND_STEPS = GRAMMAR.compound_steps
# Counted things and measures, longest first so 人次 wins over 人 and 个百分点 over 个.
UNITS = sorted(GRAMMAR.units, key=len, reverse=True)
CURRENCY = {word: Decimal(10) ** power for word, power in GRAMMAR.currency.items()}
PERCENT_UNITS = {"%": "%", "％": "%", "个百分点": "个百分点", "百分点": "个百分点"}
CN_NUMERAL = "〇○零一二两三四五六七八九十百千"
PREFIX_APPROX = tuple(GRAMMAR.approx_before)
POST_APPROX = tuple(GRAMMAR.approx_after)
# N年 is a span of years only after these words (设计使用年限为50年); anywhere else it is a year.
DURATION_LEAD = tuple(GRAMMAR.duration_lead)


INTEGER = r"(?:\d{1,3}(?:[,，]\d{3})+|\d+)"
NUMBER = rf"{INTEGER}(?:\.\d+)?"
# Digit by digit (二〇二〇, 一九九八) takes three numerals or more: two are a word's end and a
# numeral (唯一一个, 统一一批: 11 个 and 11 批 otherwise); counts below 100 are written with 十.
CN_NUMBER = rf"[{CN_NUMERAL}]{{3,}}|[{CN_NUMERAL}]*[十百千][{CN_NUMERAL}]*|两(?=[个次项件位名家条类批])"
UNIT_ALT = longest_first(UNITS)
MULTIPLIER = "|".join(
    re.escape(word) + (f"(?![{re.escape(m.not_before)}])" if m.not_before else "")
    for word, m in sorted(GRAMMAR.multipliers.items(), key=lambda item: len(item[0]), reverse=True)
)
# 4兆8,530億元, 3萬3,883美元: big units stepping down, the last part ≤ 4 digits and followed by a
# multiplier or unit other than 年 (so "10万2024年" stays 10万).
COMPOUND = rf"{INTEGER}(?:[{COMPOUND_STEPS}](?:\d{{1,3}}[,，]\d{{3}}|\d{{1,4}}))+(?!\s*年)(?=\s*(?:{MULTIPLIER}|{UNIT_ALT}|%|％))"
QUANTITY = re.compile(
    rf"(?P<pre>{longest_first(PREFIX_APPROX)})?"
    rf"(?P<num>{COMPOUND}|{NUMBER}|{CN_NUMBER})"
    rf"(?:\s*(?P<sep>-|~|～|—|－|至|到)\s*(?P<num2>{NUMBER}))?"
    rf"\s*(?P<mult>{MULTIPLIER})?"
    rf"(?P<mid>余|多)?"
    rf"\s*(?P<unit>%|％|{UNIT_ALT})?"
    rf"(?P<post>{longest_first(POST_APPROX)})?"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str | None
    raw: str
    approx: bool = False
    value_max: float | None = None  # the upper end of a range
    start: int = 0
    end: int = 0


def to_decimal(text: str) -> Decimal | None:
    text = text.replace(",", "").replace("，", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return chinese_number(text)


@lru_cache(maxsize=4096)
def chinese_number(text: str) -> Decimal | None:
    import cn2an

    try:
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (ValueError, KeyError, TypeError):
        return None


def as_number(value: Decimal) -> float:
    """An integral value comes back as a whole float, a fractional one rounded to 10 places."""
    return float(value) if value == value.to_integral_value() else round(float(value), 10)


SIGNED = re.compile(r"([+＋\-−－])\s*(?=\d)")


def parse_quantity(text: str) -> Quantity | None:
    """The quantity that the whole text states (a table cell, a rule capture), or None; a cell
    reading 2024年 is a year, not a quantity."""
    text = text.strip()
    sign = SIGNED.match(text)
    if sign:  # 本年增/减 columns print +1036 and -3: the sign is part of the figure
        q = parse_quantity(text[sign.end() :])
        if q is None:
            return None
        if sign.group(1) in "+＋":
            return Quantity(q.value, q.unit, text, q.approx, q.value_max, q.start, q.end + sign.end())
        high = -q.value_max if q.value_max is not None else None
        return Quantity(-q.value, q.unit, text, q.approx, high, q.start, q.end + sign.end())
    m = QUANTITY.fullmatch(text) or QUANTITY.fullmatch(re.sub(r"\s+", "", text))
    return quantity_from_match(m) if m and m.group("unit") != "年" else None


def find_quantities(text: str, need_unit: bool = True) -> list[Quantity]:
    """Every quantity in running text, skipping dates, years, ordinals and versions."""
    out = []
    for m in QUANTITY.finditer(text):
        if not m.group("num") or not looks_like_quantity(text, m, need_unit):
            continue
        q = quantity_from_match(m)
        if q is not None:
            out.append(q)
    return out


def looks_like_quantity(text: str, m: re.Match[str], need_unit: bool) -> bool:
    start, end = m.start("num"), m.end()
    after = text[end : end + 2]
    before = text[max(0, start - 1) : start]
    if before and (before.isdigit() or before in ".-/" or (before.isascii() and before.isalpha())):
        return False  # the tail of a code, a version or a longer number
    if re.match(r"[年月日号时期届级版代星]", after[:1]) and not m.group("unit"):
        return False  # 2018年, 8月, 3日, 24号线, 第31位…
    if before == "第":
        return False
    if m.group("num")[0] in CN_NUMERAL and m.group("unit") in (None, "分"):
        return False  # 十分重要, 百分之五十
    if m.group("unit") == "年":
        return text[: m.start()].endswith(DURATION_LEAD)
    if need_unit and not m.group("unit") and is_stated_zero(text, m):
        return True
    if need_unit and not m.group("unit"):
        return bool(m.group("mult")) and not re.match(r"[\u4e00-\u9fff]", after[:1] or " ")
    return not (m.group("unit") in ("T", "G") and re.match(r"[A-Za-z0-9]", after[:1] or " "))


def compound_value(text: str, multiplier: Decimal) -> Decimal | None:
    """4兆8,530 before 億 → 4·10¹² + 8530·10⁸; None when a part is too big for its place (3萬12,000)."""
    parts = re.split(f"([{COMPOUND_STEPS}])", text.replace(",", "").replace("，", ""))
    total, place = Decimal(0), None
    for number, step in zip(parts[0::2], [*parts[1::2], ""]):
        scale = MULTIPLIERS[step] if step else multiplier
        if place is not None and (scale >= place or Decimal(number) * scale >= place):
            return None
        total += Decimal(number) * scale
        place = scale
    return total


def is_stated_zero(text: str, m: re.Match[str]) -> bool:
    """政府性基金拨款支出预算为0；: a bare zero stated as a clause's value is a figure."""
    return (
        not m.group("mult")
        and re.fullmatch(r"0(?:\.0+)?", m.group("num")) is not None
        and text[: m.start()].endswith("为")
        and re.match(r"[，。；、,;]|$", text[m.end() :]) is not None
    )


def quantity_from_match(m: re.Match[str]) -> Quantity | None:
    unit = m.group("unit")
    multiplier = MULTIPLIERS.get(m.group("mult") or "", Decimal(1))
    compound = re.search(f"[{COMPOUND_STEPS}]", m.group("num"))
    value = compound_value(m.group("num"), multiplier) if compound else to_decimal(m.group("num"))
    if value is None:
        return None
    if compound:
        multiplier = Decimal(1)
    if unit in CURRENCY:
        multiplier *= CURRENCY[unit]
        unit = "元"
    elif unit in PERCENT_UNITS:
        unit = PERCENT_UNITS[unit]
    high = to_decimal(m.group("num2")) if m.group("num2") else None
    approx = bool(m.group("pre") or m.group("mid") or m.group("post") or high is not None)
    return Quantity(
        value=as_number(value * multiplier),
        unit=unit,
        raw=m.group(0).strip(),
        approx=approx,
        value_max=as_number(high * multiplier) if high is not None else None,
        start=m.start(),
        end=m.end(),
    )


@lru_cache(maxsize=8192)  # a cell is parsed by the checks and again by each record maker
def parse_cell(text: str, header_unit: str | None = None) -> Quantity | None:
    """A table cell: a bare number takes its unit (and multiplier) from the column header."""
    q = parse_quantity(text)
    if q is None:
        return None
    if q.unit is None and header_unit:
        factor, unit = header_unit_factor(header_unit)
        return Quantity(as_number(Decimal(str(q.value)) * factor), unit, q.raw, q.approx, q.value_max, q.start, q.end)
    return q


def header_unit(header: str) -> str | None:
    """The unit a column header declares in brackets: 累计归集量(万条), 网办率（%）, 金额(千元)."""
    m = re.search(r"[(（]\s*(?:单位[:：])?\s*([^()（）]{1,6})\s*[)）]\s*$", header)
    if not m:
        return None
    unit = m.group(1).strip()
    factor, base = header_unit_factor(unit)
    return unit if base is not None or factor != 1 else None


def header_unit_factor(unit: str) -> tuple[Decimal, str | None]:
    if unit in PERCENT_UNITS:
        return Decimal(1), "%"
    if unit in CURRENCY:
        return CURRENCY[unit], "元"
    for word, factor in MULTIPLIERS.items():
        if unit.startswith(word) and unit[len(word) :] in [*UNITS, ""]:
            return factor, unit[len(word) :] or None
    return Decimal(1), unit if unit in UNITS else None


FIGURE = re.compile(rf"(?:{NUMBER}|{CN_NUMBER})")


def printed_unit(raw: str) -> str:
    """The unit words of a figure as printed, approximation words left out: 17,192万元 → 万元,
    84.05% → %, 约390.31亿条 → 亿条, 52万余人 → 万人; "" for a bare number."""
    text = re.sub(r"\s+", "", raw)
    m = FIGURE.search(text)
    if not m:
        return ""
    rest = text[m.end() :]
    for word in sorted(POST_APPROX, key=len, reverse=True):
        if rest.endswith(word):
            rest = rest[: -len(word)]
    return re.sub(r"(?<=[万亿千百十])[余多]|^[余多]", "", rest)
