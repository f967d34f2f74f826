"""A table's title and unit, read from the lines printed just above it.

Owns: the caption (the nearest short line above a table on its page: a centred title, a numbered
heading as printed with its number, 表7.5 …), skipping the lines that are not titles (单位：万元,
编制单位：…, 金额单位：…); the unit those lines print for the table's values; and the fallback
when nothing above the table names it (its section's heading, else 表N), which is never another
table's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .quantities import header_unit_factor

# 单位：万元, 金额单位：元, 单位：金额(千元) (tw-fia-income-stats), 单位：人民币万元
UNIT_LINE = re.compile(
    r"(?:金额|计量|货币)?单\s*位\s*[:：]\s*(?:人民币)?\s*(?:金额\s*[(（]\s*(?P<bracketed>[^\s()（）]{1,6})\s*[)）]"
    r"|(?P<unit>[^\s，,;；()（）]{1,6}))"
)
MAKER_LINE = re.compile(r"^(?:编制|填报|报送)(?:单位|部门|机关)\s*[:：]")
# a field printed beside a table (县市别：云林县, 制表日期：105年06月20日), not its title; 表1：… is one
FIELD_LINE = re.compile(r"^(?!附?表\s*[\d一二三四五六七八九十])[\u4e00-\u9fff]{1,6}\s*[:：]\s*\S")
LINE_PIECES = "\u2003"  # joins the pieces of one printed line set apart by a wide gap
SENTENCE = re.compile(r"[。；;！？]")
# lines between a title and its table that are not the title: a note in brackets (本表为半年报),
# the period (至106年12月止, 截至2024年6月底), a date
NOT_TITLE = re.compile(
    r"^[(（][^()（）]{1,30}[)）]$"
    r"|^(?:至|截至|截止|统计(?:时间|期间|日期|截止日)?[:：]?)[^，。]{0,20}(?:止|底|末|日|月)?$"
    r"|^(?:\d{2,4}|[〇一二三四五六七八九十]{2,4})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$"
    r"|^(?:\d{2,4}\s*年)?\s*\d{1,2}\s*月?\s*(?:至|-|－|~)\s*(?:\d{2,4}\s*年)?\s*\d{1,2}\s*月\s*份?$"
)
# a table's number printed alone (表4, 附表2): the title, when there is one, is the line above it
NUMBER_ONLY = re.compile(r"^附?表\s*[\d一二三四五六七八九十]{1,3}$")
CAPTION_LENGTH = 60  # characters: longer lines above a table are prose, not its title


@dataclass(frozen=True)
class Caption:
    title: str | None  # as printed, numbering included
    unit: str | None  # the unit as printed: 万元, 元, 千元
    unit_source: str | None  # the line it was read from
    lines: tuple[int, ...] = ()  # indexes of the blocks read (the caption and the unit lines)


def unit_in(text: str) -> str | None:
    """The unit a 单位：… line gives for a table's values, when it is a unit we know."""
    m = UNIT_LINE.search(text)
    if not m:
        return None
    unit = (m.group("bracketed") or m.group("unit")).rstrip("。.")
    factor, base = header_unit_factor(unit)
    return unit if base is not None or factor != 1 else None


def is_unit_line(text: str) -> bool:
    compact = re.sub(r"\s+", "", text)
    return bool(unit_in(text) and len(compact) <= 80) or bool(MAKER_LINE.match(compact) and len(compact) <= 80)


def could_be_caption(text: str) -> bool:
    compact = re.sub(r"\s+", "", text)
    return (
        2 <= len(compact) <= CAPTION_LENGTH
        and not SENTENCE.search(compact.rstrip("。"))
        and not compact.endswith(("：", ":"))
    )


def caption_above(texts: list[tuple[tuple[int, ...], str]]) -> Caption:
    """From the lines above a table, nearest first (the blocks of a printed line, its text): its
    caption and unit."""
    unit, source, used = None, None, []
    number: tuple[str, tuple[int, ...]] | None = None
    for blocks, line in texts:
        pieces = [p for p in line.split(LINE_PIECES) if p.strip()]
        if any(is_unit_line(p) for p in pieces):
            found = next((unit_in(p) for p in pieces if unit_in(p)), None)
            if found and unit is None:
                unit, source = found, re.sub(r"\s+", "", UNIT_LINE.search(line).group(0))  # type: ignore[union-attr]
            used.extend(blocks)
            pieces = [title_before_unit(p) for p in pieces]  # a title printed beside its unit is kept
        pieces = [p for p in pieces if p and not skipped(p)]
        if not pieces:
            continue
        text = " ".join(re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", p).strip() for p in pieces)
        compact = re.sub(r"\s+", "", text)
        if len(compact) == 1:  # a lone character (a speck read by OCR, a page mark) parts nothing
            continue
        if NUMBER_ONLY.match(compact) and number is None:
            number = (text, tuple(blocks))
            continue
        if could_be_caption(text):
            used.extend(blocks)
            return Caption(text, unit, source, tuple(used))
        break
    if number is not None:
        used.extend(number[1])
        return Caption(number[0], unit, source, tuple(used))
    return Caption(None, unit, source, tuple(used))


def title_before_unit(piece: str) -> str:
    """What a piece of a line says before its 单位：… (nothing, for a 编制单位 line)."""
    if MAKER_LINE.match(re.sub(r"\s+", "", piece)):
        return ""
    m = UNIT_LINE.search(piece)
    return piece[: m.start()].strip() if m and unit_in(piece) else piece


def skipped(text: str) -> bool:
    """A line above a table that is neither its title nor its unit: a note in brackets, the period,
    a date, a field (县市别：云林县)."""
    compact = re.sub(r"\s+", "", text)
    return bool(NOT_TITLE.match(compact) or FIELD_LINE.match(compact))
