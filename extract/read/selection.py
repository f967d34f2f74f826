"""Which pages of a PDF are read, and how an encrypted one is opened: the --pages and --password options.

Owns: reading a page list ("1-3,7,10-") into 1-based inclusive ranges, refusing one that is not
a page list with a line saying why; the 0-based page indices a list picks from a document of a
given length, in page order, each once, and what the document says about pages asked for that it
does not have. Reading bundles these with the parser for everything that reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ReadError

READERS = ("pdfium", "pdfplumber")  # the first is the default
SPAN = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?$")
OPEN_END = 0  # "10-": to the document's last page


@dataclass(frozen=True)
class Reading:
    """How the batch reads its PDFs: the parser, which pages, the password of encrypted ones."""

    reader: str = READERS[0]
    pages: tuple[tuple[int, int], ...] = ()  # 1-based inclusive spans (end OPEN_END: to the last); () all
    password: str = field(default="", repr=False)  # never printed, never part of a cache key


def parse_pages(text: str) -> tuple[tuple[int, int], ...]:
    """ "1-3,7,10-" as spans; ValueError naming the piece that is not a page or a span of pages."""
    spans = []
    for piece in text.split(","):
        match = SPAN.match(piece)
        if not match:
            raise ValueError(f"{piece.strip()!r} is not a page or a span of pages (like 1-3,7,10-)")
        start = int(match[1])
        end = start if not match[2] else int(match[3]) if match[3] else OPEN_END
        if start < 1 or (end != OPEN_END and end < start):
            raise ValueError(f"{piece.strip()!r}: pages count from 1, and a span runs forwards")
        spans.append((start, end))
    return tuple(spans)


def pages_text(spans: tuple[tuple[int, int], ...]) -> str:
    """Spans as the option takes them: 1-3,7,10-."""
    return ",".join(f"{a}" if a == b else f"{a}-{b if b != OPEN_END else ''}" for a, b in spans)


def chosen_pages(spans: tuple[tuple[int, int], ...], count: int) -> tuple[list[int], str]:
    """The 0-based indices the spans pick from ``count`` pages (those it has), and the warning that
    says how many were read ("" when all were asked for); a ReadError when it has none of them."""
    if not spans:
        return list(range(count)), ""
    picked = sorted({p for a, b in spans for p in range(a, (b if b != OPEN_END else count) + 1) if p <= count})
    if not picked:
        raise ReadError(f"none of the pages asked for (--pages {pages_text(spans)}) is in it: it has {count}")
    return [p - 1 for p in picked], f"read {len(picked)} of its {count} pages (--pages {pages_text(spans)})"


READ_ALL = Reading()  # every page, with the default parser, no password
