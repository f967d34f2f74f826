"""Characters a font's shared glyphs put in a text layer for what is printed.

Owns: the radical forms (⺠ for 民, ⻔ for 门: radicals.tsv, from Noto CJK's shared glyphs and
the Unicode names), Kangxi radicals (⼀ for 一) and CJK compatibility ideographs, each mapped to
the unified hanzi a reader sees, and Latin ligatures (ﬂ) to their letters, so "workflow" is
found. Both PDF readers apply it to every character (PDFium already reads some of them so), and
normalisation to text input. Where a glyph that prints several characters puts each of them
(``shared``), so a value's box is on its own characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path


def as_printed(ch: str) -> str:
    """The hanzi a radical or compatibility form stands for, the letters of a ligature; any
    other character as it is."""
    code = ord(ch) if len(ch) == 1 else 0
    if 0x2E80 <= code <= 0x2EFF:
        return radicals().get(ch) or unicodedata.normalize("NFKC", ch)
    if 0xF900 <= code <= 0xFAFF or 0x2F00 <= code <= 0x2FDF or 0xFB00 <= code <= 0xFB06:
        return unicodedata.normalize("NFKC", ch)
    return ch


@lru_cache(maxsize=1)
def radicals() -> dict[str, str]:
    """Radical-supplement characters printed for whole hanzi (⺠ for 民, ⻔ for 门): radicals.tsv."""
    table = {}
    for line in (Path(__file__).parent / "radicals.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _, radical, hanzi, *_ = line.split("\t")
            table[radical] = hanzi
    return table


def shared(x0: float, x1: float, parts: int) -> list[tuple[float, float]]:
    """A glyph's run across the page [x0, x1] cut into ``parts`` equal pieces, one per character it prints."""
    if parts == 1:
        return [(x0, x1)]
    step = (x1 - x0) / max(parts, 1)
    return [(x0 + i * step, x0 + (i + 1) * step) for i in range(parts)]
