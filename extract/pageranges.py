"""Page ranges: one long document read by several workers at once, when a batch has fewer
documents than cores.

Owns: whether a document is worth splitting (SPLIT), which pages each worker reads (equal
shares, in page order), the pages a worker read and OCRed packed into columns for the trip back
to the main process and on to the worker that finishes the document (pickling 140,000
characters as objects takes 1.2 s there and back, as columns 0.3 s), and those pages put back
together, OCR type sizes evened out across the whole document as when one worker reads it all.
The stages that need the whole document (layout's running headers, structure, rules) then run
in that one worker, on the same pages as if it had read them itself.
"""

from __future__ import annotations

import pickle
from array import array
from dataclasses import dataclass, fields, replace
from itertools import chain
from operator import attrgetter

from .layout import Prepared, prepare_page
from .model import Char, Edge, RawDocument, RawPage
from .ocr import ocr_unsnapped, snapped
from .read import READ_ALL, Opened, Progress, Reading, page_total, read_opened
from .settings import OCR, SPLIT, OcrSettings

CHAR_NUMBERS = attrgetter("x0", "top", "x1", "bottom", "size", "confidence")
EDGE_NUMBERS = attrgetter("x0", "top", "x1", "bottom")
# every RawPage field but chars and edges, in order after them
PAGE_FIELDS = tuple(f.name for f in fields(RawPage) if f.name not in ("chars", "edges"))  # sent as they are
PAGE_VALUES = attrgetter(*PAGE_FIELDS)
TEXTS, FONTS, UPRIGHT, ORIENTATIONS = (attrgetter(name) for name in ("text", "font", "upright", "orientation"))


@dataclass(frozen=True)
class PagePart:
    """One worker's share of a document: its pages as read (and OCRed), packed. The main process
    passes ``packed`` on unopened (unpickling and pickling the prepared tables there cost 0.6 s
    of a 500-page document's 10)."""

    index: int
    sha256: str  # of the file this worker read
    packed: bytes  # pickled Share


@dataclass(frozen=True)
class Share:
    head: RawDocument  # the document as read, without pages or file bytes
    pages: tuple  # pack_pages()
    ocr_pages: tuple[int, ...]  # pages OCR read: their type sizes are evened out across the document
    layout: list[tuple]  # pack_prepared(): the other pages prepared for layout


def parts_for(documents: int, cores: int) -> int:
    """How many workers share each document: the cores a batch of fewer documents leaves idle."""
    return max(1, cores // max(1, documents))


def worth_splitting(opened: Opened, reading: Reading, parts: int) -> bool:
    return parts > 1 and opened.kind == "pdf" and page_total(opened, reading) >= SPLIT.min_pages


def share(index: int, parts: int, pages: int) -> range:
    """The 0-based page indices worker ``index`` of ``parts`` reads: equal shares, in order."""
    return range(pages * index // parts, pages * (index + 1) // parts)


def read_part(
    opened: Opened,
    index: int,
    parts: int,
    ocr: OcrSettings = OCR,
    progress: Progress | None = None,
    reading: Reading = READ_ALL,
) -> PagePart:
    """Worker ``index``'s share of the pages ``reading`` picks, read and OCRed."""
    raw = read_opened(opened, progress, reading, share(index, parts, page_total(opened, reading)))
    raw, ocr_pages = ocr_unsnapped(raw, ocr, progress)
    # pages OCR read are prepared once their sizes are evened out, by the worker putting them together
    prepared = [prepare_page(page) for page in raw.pages if page.number not in ocr_pages]
    packed = Share(replace(raw, pages=[], data=b""), pack_pages(raw.pages), ocr_pages, pack_prepared(prepared))
    return PagePart(index, raw.sha256, pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL))


def joined(parts: list[PagePart]) -> tuple[RawDocument, dict[int, Prepared]]:
    """The whole document from its parts (in any order), as one worker would have read it, and
    the pages the parts prepared for layout (with the default table settings), by number."""
    shares: list[Share] = [pickle.loads(part.packed) for part in sorted(parts, key=lambda p: p.index)]
    pages = [page for part in shares for page in unpack_pages(part.pages)]
    whole = replace(shares[0].head, pages=pages)
    by_number = {page.number: page for page in pages}
    ready = {}
    for part in shares:
        ready.update(unpack_prepared(part.layout, by_number))
    return snapped(whole, tuple(chain.from_iterable(p.ocr_pages for p in shares))), ready


# --------------------------------------------------------------------------- packing
def pack_pages(pages: list[RawPage]) -> tuple:
    """Pages as a few columns (strings, and floats as bytes) that pickle fast."""
    chars = [c for page in pages for c in page.chars]
    edges = [e for page in pages for e in page.edges]
    shells = [(len(p.chars), len(p.edges), PAGE_VALUES(p)) for p in pages]
    char_columns = (
        list(map(TEXTS, chars)),
        list(map(FONTS, chars)),
        bytes(map(UPRIGHT, chars)),
        array("d", chain.from_iterable(map(CHAR_NUMBERS, chars))).tobytes(),
    )
    edge_columns = (
        "".join(map(ORIENTATIONS, edges)),
        array("d", chain.from_iterable(map(EDGE_NUMBERS, edges))).tobytes(),
    )
    return shells, char_columns, edge_columns


def pack_prepared(prepared: list[Prepared]) -> list[tuple]:
    """Pages prepared for layout, their rows of characters as positions in the page's characters
    (rows hold the page's own Char objects; a page where one is not is left out, to be redone)."""
    packed = []
    for page, tables, rows, gutter in prepared:
        position = {id(c): i for i, c in enumerate(page.chars)}
        indices = [[position.get(id(c), -1) for c in row] for row in rows]
        if all(i >= 0 for row in indices for i in row):
            packed.append((page.number, tables, indices, gutter))
    return packed


def unpack_prepared(packed: list[tuple], pages: dict[int, RawPage]) -> dict[int, Prepared]:
    ready = {}
    for number, tables, indices, gutter in packed:
        chars = pages[number].chars
        ready[number] = (pages[number], tables, [[chars[i] for i in row] for row in indices], gutter)
    return ready


def unpack_pages(packed: tuple) -> list[RawPage]:
    shells, (texts, fonts, upright, char_bytes), (orientations, edge_bytes) = packed
    numbers = array("d")
    numbers.frombytes(char_bytes)
    x0, top, x1, bottom, size, confidence = (numbers[i::6] for i in range(6))
    chars = list(map(Char, texts, x0, top, x1, bottom, size, fonts, map(bool, upright), confidence))
    numbers = array("d")
    numbers.frombytes(edge_bytes)
    edges = list(map(Edge, orientations, *(numbers[i::4] for i in range(4))))
    pages, at_char, at_edge = [], 0, 0
    for n_chars, n_edges, values in shells:
        page_chars, page_edges = chars[at_char : at_char + n_chars], edges[at_edge : at_edge + n_edges]
        at_char, at_edge = at_char + n_chars, at_edge + n_edges
        pages.append(RawPage(chars=page_chars, edges=page_edges, **dict(zip(PAGE_FIELDS, values))))
    return pages
