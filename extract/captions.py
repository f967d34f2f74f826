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

UNIT_LINE = re.compile(r"(?:金额|计量|货币)?单\s*位\s*[:：]\s*(?:人民币)?\s*(?P<unit>[^\s，,;；()（）]{1,6})")
MAKER_LINE = re.compile(r"^(?:编制|填报|报送)(?:单位|部门|机关)\s*[:：]")
SENTENCE = re.compile(r"[。；;！？]")
# lines between a title and its table that are not the title: a note in brackets (本表为半年报),
# the period (至106年12月止, 截至2024年6月底), a date
NOT_TITLE = re.compile(
    r"^[(（][^()（）]{1,30}[)）]$"
    r"|^(?:至|截至|截止|统计(?:时间|期间|日期|截止日)?[:：]?)[^，。]{0,20}(?:止|底|末|日|月)?$"
    r"|^(?:\d{2,4}|[〇一二三四五六七八九十]{2,4})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$"
)
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
    unit = m.group("unit").rstrip("。.")
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


def caption_above(texts: list[tuple[int, str]]) -> Caption:
    """From the lines above a table, nearest first (block index, text): its caption and unit."""
    unit, source, used = None, None, []
    for index, text in texts:
        if NOT_TITLE.match(re.sub(r"\s+", "", text)):
            continue
        if is_unit_line(text):
            found = unit_in(text)
            if found and unit is None:
                unit, source = found, re.sub(r"\s+", "", UNIT_LINE.search(text).group(0))  # type: ignore[union-attr]
            used.append(index)
            continue
        if could_be_caption(text):
            used.append(index)
            return Caption(
                re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text).strip(), unit, source, tuple(used)
            )
        break
    return Caption(None, unit, source, tuple(used))
