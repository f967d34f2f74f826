"""Text of table cells: a cell's characters into lines and lines into one string, and tables of text input.

Owns: lines by vertical position, words by gaps, wrapped lines joined without spaces between
Chinese (normalize.join_fragments); tab-separated rows of a text file as a table.
"""

from __future__ import annotations

from ..glyphs import shared
from ..model import BBox, Cell, Char, PageTable, Span
from ..normalize import join_fragments


def chars_to_text(chars: list[Char]) -> str:
    """Characters of one cell or line: lines by vertical position, words by gaps, lines joined CJK-aware."""
    if not chars:
        return ""
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (c.top, c.x0)):
        if lines and abs(((ch.top + ch.bottom) / 2) - line_middle(lines[-1])) <= max(ch.size, 1) * 0.5:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return join_fragments([line_text(line) for line in lines])


def ink_box(chars: list[Char]) -> BBox | None:
    """The box round the characters, None when there are none."""
    if not chars:
        return None
    return min(c.x0 for c in chars), min(c.top for c in chars), max(c.x1 for c in chars), max(c.bottom for c in chars)


def line_middle(line: list[Char]) -> float:
    return sum((c.top + c.bottom) / 2 for c in line) / len(line)


def line_text(chars: list[Char]) -> str:
    """line_glyphs' text alone: every cell line and table piece is read, few need their spans."""
    out: list[str] = []
    prev: Char | None = None
    for ch in sorted(chars, key=lambda c: c.x0):
        if prev is not None and wide_gap(prev, ch):
            out.append(" ")
        out.append(ch.text)
        prev = ch
    return "".join(out)


def wide_gap(prev: Char, ch: Char) -> bool:
    """A gap wide enough to print as a space: a quarter of the larger type size."""
    return ch.x0 - prev.x1 > max(prev.size, ch.size) * 0.25


def line_glyphs(chars: list[Char]) -> tuple[str, list[Span]]:
    """A line's text (a space where the gap is wide) and, for each of its characters, where it
    runs across the page: a space spans its gap, a glyph printing several characters (a
    ligature, a cid) is shared among them evenly."""
    out: list[str] = []
    spans: list[Span] = []
    prev: Char | None = None
    for ch in sorted(chars, key=lambda c: c.x0):
        if prev is not None and wide_gap(prev, ch):
            out.append(" ")
            spans.append((prev.x1, ch.x0))
        out.append(ch.text)
        if len(ch.text) == 1:
            spans.append((ch.x0, ch.x1))
        else:
            spans.extend(shared(ch.x0, ch.x1, len(ch.text)))
        prev = ch
    return "".join(out), spans


def table_from_text_rows(rows: list[list[str]], page: int) -> PageTable:
    width = max(len(r) for r in rows)
    grid = [[Cell(text=(r[c] if c < len(r) else ""), page=page, bbox=None) for c in range(width)] for r in rows]
    return PageTable(page=page, bbox=None, rows=grid, ruled=False)
