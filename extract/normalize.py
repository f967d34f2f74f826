"""Normalise stage: clean, simplified text with the original kept beside it.

Owns: script detection and OpenCC traditional→simplified conversion; narrowing full-width
digits, letters and the ideographic space (NFKC, applied only to those and to CJK compatibility
ideographs, so Chinese punctuation stays as printed; radical-supplement characters a font prints
for whole hanzi, ⺠ for 民, mapped by radicals.tsv); CJK-aware spacing (no space between
Chinese characters, or between Chinese and digits: "截止 8 月 3 日" → "截止8月3日", "市场监 管局" →
"市场监管局"; spaces between Latin words kept); markdown "**bold**" markers from text input dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .glyphs import as_printed, shared
from .model import Cell, LaidOutPage, PageTable, Span, TextLine

HANZI = re.compile(r"[\u3400-\u9fff]")
# Characters that take no space beside them: hanzi, CJK and full-width punctuation, kana.
CJK_CLASS = r"\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’—…·"
SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{CJK_CLASS}])[ \t]+|[ \t]+(?=[{CJK_CLASS}])")
SPACE_IN_NUMBER = re.compile(r"(?<=\d)[ \t]+(?=[%.,]\d|%)")
MARKDOWN_BOLD = re.compile(r"\*\*(.+?)\*\*")


@lru_cache(maxsize=1)
def _t2s():
    """OpenCC's t2s converter, its configuration named by full path: by name, OpenCC would take a
    t2s.json in the current folder first (an unrelated file there changed or broke every run)."""
    import opencc

    config = Path(opencc.__file__).with_name("clib") / "share" / "opencc" / "t2s.json"
    if not config.is_file():  # the pure-Python reimplementation installs a module of the same name
        raise RuntimeError(
            f"the opencc module at {Path(opencc.__file__).parent} is not OpenCC's own package "
            "(is opencc-python-reimplemented installed over it?); run: pip uninstall -y "
            "opencc-python-reimplemented && pip install --force-reinstall opencc"
        )
    return opencc.OpenCC(str(config))


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def detect_script(text: str) -> str:
    """'traditional' when enough hanzi change under t2s conversion, else 'simplified'."""
    hanzi = HANZI.findall(text)
    if len(hanzi) < 10:
        return "simplified"
    sample = "".join(hanzi[:20000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    return "traditional" if changed / len(sample) > 0.04 else "simplified"


def narrow(text: str) -> str:
    """NFKC for full-width ASCII, the ideographic space and compatibility ideographs only."""
    out = []
    for ch in text:
        code = ord(ch)
        if (
            0xFF10 <= code <= 0xFF19
            or 0xFF21 <= code <= 0xFF3A
            or 0xFF41 <= code <= 0xFF5A
            or ch in "％＋－．／＝＜＞＆＠＃＄"
        ):
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch == "\u2015":
            out.append("\u2014")  # GB 2312's dash decodes to either; the corpus and OpenCC use —
        elif ch == "\u3000" or ch == "\xa0":
            out.append(" ")
        else:
            out.append(as_printed(ch))
    return "".join(out)


def tidy_spaces(text: str) -> str:
    text = SPACE_NEXT_TO_CJK.sub("", text)
    text = SPACE_IN_NUMBER.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def normalize_text(text: str, script: str) -> str:
    text = MARKDOWN_BOLD.sub(r"\1", text)
    text = narrow(text)
    if script == "traditional":
        text = to_simplified(text)
    return tidy_spaces(text)


def join_fragments(parts: list[str]) -> str:
    """Join wrapped lines or cell fragments: no space between CJK, one space between Latin words."""
    return join_with_offsets(parts)[0]


def join_with_offsets(parts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The joined text and where each part landed in it (start, end), for provenance."""
    out = ""
    spans = []
    for part in parts:
        part = part.strip()
        if not part:
            spans.append((len(out), len(out)))
            continue
        if out and re.match(r"[A-Za-z0-9]", out[-1]) and re.match(r"[A-Za-z]", part[0]):
            out += " "
        spans.append((len(out), len(out) + len(part)))
        out += part
    return out, spans


def normalize_pages(pages: list[LaidOutPage], script: str) -> list[LaidOutPage]:
    for page in pages:
        for item in page.items:
            if isinstance(item, TextLine):
                normalize_line(item, script)
            else:
                normalize_table(item, script)
    return pages


def normalize_line(line: TextLine, script: str) -> None:
    line.original = line.original or line.text
    if line.xs is None or len(line.xs) != len(line.text) or MARKDOWN_BOLD.search(line.text):
        line.text, line.xs = normalize_text(line.text, script), None
    else:
        line.text, line.xs = normalize_with_spans(line.text, line.xs, script)


def normalize_with_spans(text: str, xs: list[Span], script: str) -> tuple[str, list[Span] | None]:
    """normalize_text, and where each character of the result is printed: narrowing may make one
    character several (a ligature), OpenCC changes characters one for one, spacing only drops or
    merges spaces; None for the positions when OpenCC changed the length (a phrase)."""
    converted = narrow(text)
    spans = list(xs)
    if len(converted) != len(text):  # a ligature became its letters: share out its glyph
        pieces = [narrow(ch) for ch in text]
        spans = [part for piece, span in zip(pieces, xs) for part in shared(span[0], span[1], len(piece))]
    if script == "traditional":
        converted = to_simplified(converted)
    result = tidy_spaces(converted)
    if len(converted) != len(spans):
        return result, None
    if result == converted:  # no space dropped or merged
        return result, spans
    return result, spans_after_spacing(result, converted, spans)


def spans_after_spacing(result: str, before: str, spans: list[Span]) -> list[Span] | None:
    """The spans of ``before``'s characters carried to ``result`` (the same text with spaces
    dropped or merged); a space left in the result spans the gap between its neighbours."""
    printed = [(ch, span) for ch, span in zip(before, spans) if not ch.isspace()]
    out: list[Span | None] = []
    taken = 0
    for ch in result:
        if ch.isspace():
            out.append(None)
            continue
        if taken >= len(printed) or printed[taken][0] != ch:
            return None
        out.append(printed[taken][1])
        taken += 1
    for index, span in enumerate(out):
        if span is None:
            left = out[index - 1][1] if index and out[index - 1] else 0.0  # type: ignore[index]
            right = out[index + 1][0] if index + 1 < len(out) and out[index + 1] else left  # type: ignore[index]
            out[index] = (left, max(left, right))
    return out  # type: ignore[return-value]


def normalize_table(table: PageTable, script: str) -> None:
    seen: set[int] = set()
    for row in table.rows:
        for cell in row:
            if id(cell) in seen:
                continue
            seen.add(id(cell))
            normalize_cell(cell, script)


def normalize_cell(cell: Cell, script: str) -> None:
    cell.original = cell.original or cell.text
    cell.text = normalize_text(cell.text, script)
