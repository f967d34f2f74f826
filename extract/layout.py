"""Layout stage: each page's characters into lines and tables in reading order.

Owns: carving ruled tables out of the page (tables.find_page_tables) so their text stays out
of the prose; characters into lines (by vertical position, split at wide gaps); two-column
pages read column by column, full-width lines (titles, bylines) in place; text inside images
(chart labels) dropped; running headers, footers and page numbers ("— 3 —", "- 3 -", "第3页",
"3/10", a line repeated at the same place on many pages) dropped and kept aside.
Text input: tab-separated runs of lines become tables, a blank line inside one marking the
page break it came from; other lines pass through.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from .model import BBox, Char, Edge, LaidOutPage, PageTable, RawDocument, RawPage, TextLine
from .settings import TABLES, TableSettings
from .tables import find_page_tables, find_unruled_tables, ink_box, line_glyphs, line_text, table_from_text_rows

PAGE_NUMBER = re.compile(
    r"^[\s\-—–－_~·•]*(第\s*)?[\d０-９]{1,4}(\s*页)?(\s*[/／]\s*[\d]{1,4}|\s*共\s*\d+\s*页)?[\s\-—–－_~·•]*$"
    r"|^[\s\-—–－]*[ivxlcIVXLC]{1,6}[\s\-—–－]*$"
)
ATTACHMENT_LINE = re.compile(r"^\s*附\s*件")
MARGIN_BAND = 0.09  # top/bottom share of the page where running headers and footers live
GAP_SPLIT = 3.0  # a horizontal gap this many font sizes wide splits a line in two


def lay_out(
    raw: RawDocument, tables: TableSettings = TABLES, ready: dict[int, Prepared] | None = None
) -> list[LaidOutPage]:
    """The document's pages laid out; ``ready`` holds pages already prepared (by number) with
    these settings, by the workers that read them (pageranges.py)."""
    if raw.kind == "text":
        return [lay_out_text(page) for page in raw.pages]
    ready = ready or {}
    prepared = [ready.get(page.number) or prepare_page(page, tables) for page in raw.pages]
    shared = document_gutters(prepared)
    pages = [
        lay_out_page(page, tables, rows, gutter or shared.get(round(page.width)))
        for page, tables, rows, gutter in prepared
    ]
    drop_running_lines(pages)
    return pages


# --------------------------------------------------------------------------- PDF pages
Prepared = tuple[RawPage, list[PageTable], list[list[Char]], float | None]


def prepare_page(page: RawPage, settings: TableSettings = TABLES) -> Prepared:
    """Tables carved out, the remaining characters in rows, and the page's own column gutter if any."""
    if page.quality in ("no_text", "garbled"):
        return page, [], [], None
    tables = find_page_tables(page, settings)
    boxes = [t.bbox for t in tables if t.bbox]
    covers = boxes + page.images
    free = [c for c in page.chars if c.upright and not (covers and inside_any(c, covers))]
    rules = [e for e in page.edges if e.orientation == "h" and not any(edge_inside(e, b) for b in boxes)]
    unruled, rows = find_unruled_tables(char_rows(free), rules, page.number, settings)
    return page, tables + unruled, rows, find_gutter(rows, page.width)


def edge_inside(edge: Edge, box: BBox) -> bool:
    return box[0] - 1 <= edge.x0 and edge.x1 <= box[2] + 1 and box[1] - 1 <= edge.top <= box[3] + 1


def document_gutters(prepared: list[Prepared]) -> dict[int, float]:
    """A gutter seen on several pages of one width applies to that width's pages where it fits."""
    found: dict[int, list[float]] = {}
    for page, _, _, gutter in prepared:
        if gutter is not None:
            found.setdefault(round(page.width), []).append(gutter)
    shared = {}
    for width, gutters in found.items():
        if len(gutters) >= 2:
            shared[width] = sorted(gutters)[len(gutters) // 2]
    return shared


def lay_out_page(page: RawPage, tables: list[PageTable], rows: list[list[Char]], gutter: float | None) -> LaidOutPage:
    out = LaidOutPage(page.number, page.width, page.height, [], page.quality, page.quality_detail)
    if page.quality in ("no_text", "garbled"):
        return out
    if gutter is not None and sum(any(ch.x0 < gutter < ch.x1 for ch in row) for row in rows) > 0.3 * max(1, len(rows)):
        gutter = None  # this page is not set in columns after all
    lines = split_rows(rows, page.number, gutter)
    kept, dropped = split_page_furniture(lines, page)
    out.dropped = dropped
    ordered = reading_order(kept, gutter)
    annotate(ordered)
    out.items = merge_in_order(ordered, tables)
    return out


def inside_any(ch: Char, boxes: list[BBox]) -> bool:
    cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
    return any(b[0] - 1 <= cx <= b[2] + 1 and b[1] - 1 <= cy <= b[3] + 1 for b in boxes)


def char_rows(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into rows by vertical overlap, each row left to right."""
    rows: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (round(c.top, 1), c.x0)):
        middle = (ch.top + ch.bottom) / 2
        for row in reversed(rows[-3:]):
            if (
                row[0].top - 0.5 <= middle <= row[0].bottom + 0.5
                and abs(row[0].size - ch.size) < max(row[0].size, ch.size) * 0.6
            ):
                row.append(ch)
                break
        else:
            rows.append([ch])
    for row in rows:
        row.sort(key=lambda c: c.x0)
    return rows


def split_rows(rows: list[list[Char]], page: int, gutter: float | None) -> list[TextLine]:
    """Rows into lines, split at the column gutter and at gaps too wide to be inside a line."""
    lines = []
    for row in rows:
        pieces: list[TextLine] = []
        wide_gap = False
        segment: list[Char] = [row[0]]
        for ch in row[1:]:
            gap_from, gap_to = segment[-1].x1, ch.x0
            size = max(segment[-1].size, ch.size)
            at_gutter = gutter is not None and gap_from <= gutter <= gap_to and gap_to - gap_from > 0.8 * size
            if at_gutter or gap_to - gap_from > GAP_SPLIT * size:
                wide_gap = wide_gap or not at_gutter
                pieces.append(make_line(segment, page))
                segment = [ch]
            else:
                segment.append(ch)
        pieces.append(make_line(segment, page))
        for piece in pieces:
            piece.split_row = wide_gap
        lines.extend(pieces)
    return lines


def find_gutter(rows: list[list[Char]], width: float) -> float | None:
    """A vertical white band near the middle that many rows have text on both sides of."""
    candidates: list[float] = []
    for row in rows:
        for a, b in itertools.pairwise(row):
            size = max(a.size, b.size)
            middle = (a.x1 + b.x0) / 2
            if b.x0 - a.x1 > 1.2 * size and width * 0.3 < middle < width * 0.7:
                candidates.append(middle)
    if len(candidates) < 8:
        return None
    candidates.sort()
    best = max(candidates, key=lambda x: sum(abs(c - x) < 6 for c in candidates))
    support = [c for c in candidates if abs(c - best) < 6]
    crossing = sum(1 for row in rows if any(ch.x0 < best < ch.x1 for ch in row))
    if len(support) < 8 or len(support) < 0.25 * len(rows) or crossing > len(support):
        return None
    return sum(support) / len(support)


def make_line(chars: list[Char], page: int) -> TextLine:
    sizes = Counter(round(c.size, 1) for c in chars)
    fonts = Counter(c.font for c in chars)
    main_font = fonts.most_common(1)[0][0]
    bbox = ink_box(chars)
    assert bbox is not None  # a line has characters
    text, xs = line_glyphs(chars)
    line = TextLine(
        text=text,
        page=page,
        bbox=bbox,
        size=sizes.most_common(1)[0][0],
        bold=sum(c.bold for c in chars) > len(chars) / 2,
        font=main_font,
        xs=xs,
    )
    line.lead = styled_lead(chars, main_font)
    return line


def styled_lead(chars: list[Char], main_font: str) -> str:
    """The leading run set in another face or in bold (a run-in heading), if the line has one."""
    base = base_font(main_font)
    lead = []
    for ch in chars:
        if base_font(ch.font) != base or ch.bold:
            lead.append(ch)
        else:
            break
    return line_text(lead) if 0 < len(lead) < len(chars) else ""


def base_font(name: str) -> str:
    return name.split("+", 1)[-1]


def split_page_furniture(lines: list[TextLine], page: RawPage) -> tuple[list[TextLine], list[TextLine]]:
    """Page numbers: a number-only line in the margin bands, or the first or last line of the page."""
    kept, dropped = [], []
    ordered = sorted(lines, key=lambda ln: ln.bbox[1])
    ends = {id(ordered[0]), id(ordered[-1])} if ordered else set()
    band = max(page.height * MARGIN_BAND, 60.0)
    for line in lines:
        in_band = line.bbox[1] > page.height - band * 1.4 or line.bbox[3] < band
        if (in_band or id(line) in ends) and PAGE_NUMBER.match(line.text):
            dropped.append(line)
        else:
            kept.append(line)
    return kept, dropped


def drop_running_lines(pages: list[LaidOutPage]) -> None:
    """Lines repeated at the same height near the top or bottom of many pages (digits aside) are
    running headers and footers: dropped from every page but the first, where a running title
    is still the document's title."""

    def key(line: TextLine) -> tuple[int, str]:
        return round(line.bbox[1] / 4), re.sub(r"\d+", "#", line.text.replace(" ", ""))

    counts: Counter[tuple[int, str]] = Counter()
    for page in pages:
        counts.update({key(item) for item in page.items if isinstance(item, TextLine) and in_margin(item, page)})
    threshold = max(3, int(0.4 * len(pages)))
    for index, page in enumerate(pages):
        keep = []
        for item in page.items:
            repeated = (
                isinstance(item, TextLine)
                and in_margin(item, page)
                and counts[key(item)] >= threshold
                and not ATTACHMENT_LINE.match(item.text)  # 附件1, 附件2… start pages at the same place
            )
            if repeated and not (index == 0 and is_running_title(item, page)):  # type: ignore[arg-type]
                page.dropped.append(item)  # type: ignore[arg-type]
            else:
                keep.append(item)
        page.items = keep
    drop_chapter_headers(pages)


CHAPTER_RUN = 3  # pages: a header line shared by fewer is as likely a coincidence of the text


def drop_chapter_headers(pages: list[LaidOutPage]) -> None:
    """A running header that changes with the chapter (第三章 … over the chapter's pages) is on too
    few pages for drop_running_lines: the same line at the very top of a run of pages, set apart
    from the text under it (another size, or a gap wider than two lines) and over text, not over a
    table whose caption it could be, is the chapter's header on each of them."""
    where: dict[tuple[int, str], list[int]] = {}
    for index, page in enumerate(pages):
        line = chapter_header_candidate(page)
        if line is not None:
            where.setdefault((round(line.bbox[1] / 4), re.sub(r"\d+", "#", line.text.replace(" ", ""))), []).append(
                index
            )
    for indexes in where.values():
        if len(indexes) < CHAPTER_RUN or indexes[-1] - indexes[0] > 2 * (len(indexes) - 1):
            continue  # not one run of nearby pages
        for index in indexes:
            if index == 0 and is_running_title(pages[0].items[0], pages[0]):  # type: ignore[arg-type]
                continue
            page = pages[index]
            page.dropped.append(page.items[0])  # type: ignore[arg-type]
            page.items = page.items[1:]


def chapter_header_candidate(page: LaidOutPage) -> TextLine | None:
    if len(page.items) < 2 or not all(isinstance(item, TextLine) for item in page.items[:2]):
        return None
    line, below = page.items[0], page.items[1]
    assert isinstance(line, TextLine) and isinstance(below, TextLine)
    if line.bbox[3] > page.height * MARGIN_BAND or ATTACHMENT_LINE.match(line.text):
        return None
    apart = abs(line.size - below.size) > 0.5 or below.bbox[1] - line.bbox[3] > 2 * max(line.size, below.size)
    return line if apart else None


def is_running_title(line: TextLine, page: LaidOutPage) -> bool:
    """A running title at the top of page 1 is the document's title there (a register repeats its
    title on every page): keep it once. Footers, page numbers and date lines go everywhere."""
    words = re.sub(r"[年月日号\W\d_]", "", line.text)
    ends_with_number = bool(re.search(r"\d\s*$", line.text))
    return len(words) >= 4 and not ends_with_number and line.bbox[3] < page.height * 0.25


def in_margin(line: TextLine, page: LaidOutPage) -> bool:
    """The top quarter and bottom fifth of the page, where running lines live."""
    return line.bbox[3] < page.height * 0.25 or line.bbox[1] > page.height * 0.8


def reading_order(lines: list[TextLine], gutter: float | None) -> list[TextLine]:
    """Top to bottom; on two-column stretches, the left column then the right one."""
    lines = sorted(lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    if gutter is None:
        return lines
    ordered: list[TextLine] = []
    left: list[TextLine] = []
    right: list[TextLine] = []
    previous_wide: TextLine | None = None
    for line in lines:
        wide = line.bbox[0] < gutter < line.bbox[2]
        # the short last line of a full-width paragraph sits under it, flush left
        tail = (
            previous_wide is not None
            and abs(line.bbox[0] - previous_wide.bbox[0]) < 2
            and 0 <= line.bbox[1] - previous_wide.bbox[3] < 1.5 * line.size
        )
        if wide or tail:  # full width: closes the column band above it
            ordered += left + right + [line]
            left, right = [], []
            previous_wide = line if wide else None
            continue
        previous_wide = None
        if line.bbox[2] <= gutter:
            line.column = 1
            left.append(line)
        else:
            line.column = 2
            right.append(line)
    return ordered + left + right


def annotate(lines: list[TextLine]) -> None:
    """Indent, free space on the right and centring, measured against each column's text block."""
    for column in {ln.column for ln in lines}:
        members = [ln for ln in lines if ln.column == column]
        if not members:
            continue
        lefts = sorted(ln.bbox[0] for ln in members)
        rights = sorted(ln.bbox[2] for ln in members)
        left = lefts[len(lefts) // 10]
        right = rights[int(len(rights) * 0.9)]
        for ln in members:
            size = ln.size or 10
            ln.indent = (ln.bbox[0] - left) / size
            ln.right_gap = (right - ln.bbox[2]) / size
            ln.centered = ln.indent > 1.5 and ln.right_gap > 1.5 and abs(ln.indent - ln.right_gap) < 1.6
        for a, b in itertools.pairwise(members):
            if abs(a.bbox[0] - b.bbox[0]) < 1.5 and abs(a.bbox[2] - b.bbox[2]) < 1.5 and a.size == b.size:
                a.centered = b.centered = False  # an indented justified block, not centred lines


def merge_in_order(lines: list[TextLine], tables: list[PageTable]) -> list[TextLine | PageTable]:
    """Tables slot in among the lines by their top edge (within their column on two-column pages)."""
    items: list[TextLine | PageTable] = list(lines)
    for table in sorted(tables, key=lambda t: t.bbox[1] if t.bbox else 0):
        top = table.bbox[1] if table.bbox else 0
        position = next((i for i, ln in enumerate(items) if isinstance(ln, TextLine) and ln.bbox[1] > top), len(items))
        items.insert(position, table)
    return items


# --------------------------------------------------------------------------- text input
def lay_out_text(page: RawPage) -> LaidOutPage:
    out = LaidOutPage(page.number, 0.0, 0.0, [], page.quality, page.quality_detail)
    rows: list[list[str]] = []
    blank_run = 0

    def flush_rows() -> None:
        if rows:
            out.items.append(table_from_text_rows(list(rows), page.number))
            rows.clear()

    for raw_line in page.text_lines or []:
        if "\t" in raw_line:
            if blank_run and rows:
                flush_rows()  # a blank line inside a table: the page break it came from
            rows.append([cell.strip() for cell in raw_line.split("\t")])
            blank_run = 0
            continue
        if not raw_line.strip():
            blank_run += 1
            continue
        flush_rows()
        blank_run = 0
        text = raw_line.strip()
        if PAGE_NUMBER.match(text):
            continue
        line = TextLine(text=text, page=page.number, bbox=(0.0, 0.0, 0.0, 0.0), from_text=True)
        out.items.append(line)
    flush_rows()
    return out
