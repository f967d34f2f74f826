"""Text of table cells: a cell's characters into lines and lines into one string, and tables of text input.

Owns: lines by vertical position, words by gaps, wrapped lines joined without spaces between
Chinese (normalize.join_fragments); tab-separated rows of a text file as a table.
"""

from __future__ import annotations

from ..model import Cell, Char, PageTable
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


def line_middle(line: list[Char]) -> float:
    return sum((c.top + c.bottom) / 2 for c in line) / len(line)


def line_text(chars: list[Char]) -> str:
    out = ""
    prev: Char | None = None
    for ch in sorted(chars, key=lambda c: c.x0):
        if prev is not None and ch.x0 - prev.x1 > max(prev.size, ch.size) * 0.25:
            out += " "
        out += ch.text
        prev = ch
    return out


def table_from_text_rows(rows: list[list[str]], page: int) -> PageTable:
    width = max(len(r) for r in rows)
    grid = [[Cell(text=(r[c] if c < len(r) else ""), page=page, bbox=None) for c in range(width)] for r in rows]
    return PageTable(page=page, bbox=None, rows=grid, ruled=False)
