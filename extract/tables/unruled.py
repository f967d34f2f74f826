"""Unruled and half-ruled tables on one page: columns from white space, rows from baselines.

Owns: finding runs of text lines cut into the same columns by white gaps (no vertical rules,
perhaps a rule under the header or around the table, perhaps shaded rows); the columns (the x
ranges no piece of text crosses, pieces that span columns, such as group headers, band rows and
a 合计 label, set aside); the rows (a piece starts a row when it holds a value in a numeric
column, when a rule or a row's padding separates it from the text above it in its column;
otherwise it is the next line of the cell above, a wrapped name); the header (the lines above
the rule under it, or above the first row of values), one header row unless a group header
spans columns. The result is a PageTable like a ruled one (ruled=False), stitched and shaped by
the same code. Tolerances: settings.TableSettings.
"""

from __future__ import annotations

import itertools
import re
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from ..model import Cell, Char, Edge, PageTable
from ..settings import TABLES, TableSettings
from .ruled import merged_edges
from .text import chars_to_text, line_text

NUMERIC = re.compile(r"^[-+−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?:%|‰|万|亿)?$|^[-—–]$")
NOTE_WORDS = ("注：", "注:", "备注", "備註", "说明：", "說明：", "数据来源", "資料來源", "资料来源")


@dataclass(slots=True)
class Piece:
    """Characters of one line with no cell gap between them: a cell's text on one line."""

    chars: list[Char]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str
    line: int = 0  # index of its line in the block
    col: int = 0  # first column it covers
    last_col: int = 0  # last column it covers

    @property
    def numeric(self) -> bool:
        return bool(NUMERIC.match(self.text.replace(" ", "")))


@dataclass(slots=True)
class Line:
    pieces: list[Piece]
    top: float
    bottom: float
    size: float


class Rule(NamedTuple):
    """A horizontal rule across (part of) the table: its height and extent."""

    y: float
    x0: float
    x1: float


@dataclass(slots=True)
class CellBox:
    pieces: list[Piece] = field(default_factory=list)


def find_unruled_tables(
    rows: list[list[Char]], rules: list[Edge], page: int, settings: TableSettings = TABLES
) -> tuple[list[PageTable], list[list[Char]]]:
    """Tables among a page's character rows (each left to right, top to bottom order), and the rows left."""
    lines = [to_line(row, settings) for row in rows]
    order = sorted(range(len(lines)), key=lambda i: lines[i].top)
    tables: list[PageTable] = []
    used: set[int] = set()
    for block in candidate_blocks([lines[i] for i in order], order, settings):
        table = read_block([lines[i] for i in block], rules, page, settings)
        if table is not None:
            tables.append(table)
            used.update(block)
    return tables, [row for i, row in enumerate(rows) if i not in used]


def to_line(row: list[Char], settings: TableSettings) -> Line:
    pieces: list[Piece] = []
    run: list[Char] = [row[0]]
    for ch in row[1:]:
        size = max(run[-1].size, ch.size, 1.0)
        if ch.x0 - run[-1].x1 > settings.cell_gap_sizes * size:
            pieces.append(make_piece(run))
            run = [ch]
        else:
            run.append(ch)
    pieces.append(make_piece(run))
    return Line(pieces, min(p.top for p in pieces), max(p.bottom for p in pieces), max(p.size for p in pieces))


def make_piece(chars: list[Char]) -> Piece:
    return Piece(
        chars=chars,
        x0=min(c.x0 for c in chars),
        x1=max(c.x1 for c in chars),
        top=min(c.top for c in chars),
        bottom=max(c.bottom for c in chars),
        size=max(c.size for c in chars) or 10.0,
        text=line_text(chars),
    )


# --------------------------------------------------------------------------- blocks
def candidate_blocks(lines: list[Line], index: list[int], settings: TableSettings) -> list[list[int]]:
    """Runs of lines, close together, with at least min_rows lines cut into two or more pieces.
    Lines of one piece inside a run (wrapped cells, a group header) stay in it; at its ends only
    when they sit close and inside its columns (the last row's wrapped name), never notes."""
    blocks: list[list[int]] = []
    run: list[int] = []  # positions in lines

    def close() -> None:
        while run and len(lines[run[-1]].pieces) < 2 and not trailing_wrap(lines, run, settings):
            run.pop()
        if sum(len(lines[k].pieces) >= 2 for k in run) >= settings.min_rows:
            blocks.append([index[k] for k in run])
        run.clear()

    for k, line in enumerate(lines):
        if run:
            prev = lines[run[-1]]
            gap = line.top - prev.bottom
            if gap > settings.max_row_gap_sizes * max(line.size, prev.size) or is_prose(line, lines, run, settings):
                close()
        if not run and len(line.pieces) < 2:
            continue
        if not run:
            run.extend(leading_header_lines(lines, k, {i for b in blocks for i in b}, index, settings))
        run.append(k)
    close()
    return blocks


CAPTION_WORDS = ("单位", "單位", "表", "附件", "附表")


def leading_header_lines(
    lines: list[Line], k: int, taken: set[int], index: list[int], settings: TableSettings
) -> list[int]:
    """One-piece lines just above a run's first line, one line apart, in its type size and inside
    its width: the first lines of a header whose cells are centred vertically (a tall header cell
    starts above the others). Never a unit or caption line (单位：万元, 表1 …)."""
    first = lines[k]
    near = [p for line in lines[k : k + 6] for p in line.pieces]  # the header's last column may wrap below
    left, right = min(p.x0 for p in near), max(p.x1 for p in near)
    found: list[int] = []
    below = first
    j = k - 1
    while j >= 0 and len(found) < settings.max_header_lines and index[j] not in taken:
        line = lines[j]
        piece = line.pieces[0]
        if (
            len(line.pieces) != 1
            or abs(line.size - first.size) > settings.size_change_share * first.size
            or below.top - line.bottom > 0.6 * first.size
            or not (left - 1.5 * first.size <= piece.x0 and piece.x1 <= right + 1.5 * first.size)
            or piece.text.lstrip().startswith(CAPTION_WORDS)
        ):
            break
        found.insert(0, j)
        below = line
        j -= 1
    return found


def is_prose(line: Line, lines: list[Line], run: list[int], settings: TableSettings) -> bool:
    """A line in another type size than the run's (a caption between two tables), a note, or a
    one-piece line across most of the run's width or across two of its column gaps: a paragraph."""
    size = median([lines[k].size for k in run])
    if abs(line.size - size) > settings.size_change_share * size:
        return True
    if len(line.pieces) >= 2:
        return False
    piece = line.pieces[0]
    if piece.text.startswith(NOTE_WORDS):
        return True
    multi = [p for k in run for p in lines[k].pieces if len(lines[k].pieces) >= 2]
    if not multi:
        return False
    # a paragraph runs across the table's columns; a cell's line (a centred row's long name) stays in one
    left, right = min(p.x0 for p in multi), max(p.x1 for p in multi)
    crossed = sum(
        1 for a, b in itertools.pairwise(sorted(multi, key=lambda p: p.x0)) if piece.x0 < a.x1 < b.x0 < piece.x1
    )
    return len(piece.text) > 12 and (piece.x1 - piece.x0 > 0.75 * (right - left) or crossed >= 2)


def trailing_wrap(lines: list[Line], run: list[int], settings: TableSettings) -> bool:
    """The run's last line, of one piece, continues a cell of the line above: it sits one line
    pitch under it, inside the horizontal span of one of its pieces."""
    if len(run) < 2:
        return False
    last, above = lines[run[-1]], lines[run[-2]]
    piece = last.pieces[0]
    if piece.text.startswith(NOTE_WORDS):
        return False
    pitch = last.top - above.top
    close_enough = pitch <= 1.6 * max(last.size, above.size)
    return close_enough and any(p.x0 - p.size <= piece.x0 and piece.x1 <= p.x1 + p.size for p in above.pieces)


# --------------------------------------------------------------------------- columns
def column_gaps(lines: list[Line], settings: TableSettings) -> tuple[list[tuple[float, float]], set[int]]:
    """The white gaps between columns, and the pieces (by id) set aside as spanning several."""
    pieces = [p for line in lines for p in line.pieces]
    size = median([p.size for p in pieces])
    min_gap = settings.cell_gap_sizes * size
    spanning: set[int] = set()
    limit = max(1, int(settings.spanning_share * len(lines)))
    while True:
        kept = [p for p in pieces if id(p) not in spanning]
        groups = overlap_groups(kept, min_gap)
        bridges = find_bridges(groups, min_gap, limit - len(spanning))
        if not bridges:
            break
        spanning.update(id(p) for p in bridges)
    spans = [(min(p.x0 for p in g), max(p.x1 for p in g)) for g in groups]
    gaps = [(a[1], b[0]) for a, b in itertools.pairwise(spans)]
    return gaps, spanning


def overlap_groups(pieces: list[Piece], min_gap: float) -> list[list[Piece]]:
    """Pieces whose x ranges overlap or come closer than min_gap, left to right."""
    groups: list[list[Piece]] = []
    right = float("-inf")
    for p in sorted(pieces, key=lambda p: p.x0):
        if groups and p.x0 - right < min_gap:
            groups[-1].append(p)
            right = max(right, p.x1)
        else:
            groups.append([p])
            right = p.x1
    return groups


def find_bridges(groups: list[list[Piece]], min_gap: float, limit: int) -> list[Piece]:
    """The fewest widest pieces whose removal splits a group into parts each printed on two or
    more lines: pieces crossing a column gap (group headers, bands, cells run into their padding)."""
    for group in groups:
        if len(group) < 5:
            continue
        widest = sorted(group, key=lambda p: p.x1 - p.x0, reverse=True)
        for k in range(1, min(limit, len(group) // 3) + 1):
            removed = {id(p) for p in widest[:k]}
            parts = overlap_groups([p for p in group if id(p) not in removed], min_gap)
            if len(parts) >= 2 and all(len({p.line for p in part}) >= 2 for part in parts):
                return widest[:k]
    return []


# --------------------------------------------------------------------------- the table
def read_block(lines: list[Line], rules: list[Edge], page: int, settings: TableSettings) -> PageTable | None:
    for k, line in enumerate(lines):
        for p in line.pieces:
            p.line = k
    gaps, spanning = column_gaps(lines, settings)
    if split_spanning(lines, gaps, spanning):
        gaps, spanning = column_gaps(lines, settings)
    gaps = drop_shared_column_gaps(lines, gaps, spanning)
    ncols = len(gaps) + 1
    if ncols < settings.min_columns:
        return None
    pieces = [p for line in lines for p in line.pieces]
    x0, x1 = min(p.x0 for p in pieces), max(p.x1 for p in pieces)
    bounds = [x0] + [(a + b) / 2 for a, b in gaps] + [x1]
    for p in pieces:
        p.col, p.last_col = columns_of(p, gaps)
        if id(p) not in spanning:
            p.last_col = p.col  # a piece that only grazes a gap belongs to its first column
    if sum(len({p.col for p in line.pieces}) >= 2 for line in lines) < settings.min_rows:
        return None
    h_rules = table_rules(rules, x0, x1, lines, settings)
    first_number = next((k for k, line in enumerate(lines) if any(p.numeric for p in line.pieces)), 0)
    numeric_cols = numeric_columns([p for line in lines[first_number:] for p in line.pieces], ncols, settings)
    header_end = header_line_count(lines, h_rules, numeric_cols, settings)
    header_pieces = [p for line in lines[:header_end] for p in line.pieces]
    body_pieces = [p for line in lines[header_end:] for p in line.pieces]
    head = header_rows(header_pieces, ncols)
    body = body_rows(body_pieces, lines[header_end:], h_rules, numeric_cols, ncols, settings)
    if len(body) + len(head) < 2:
        return None
    grid_rows = head + body
    table_rows = [[Cell("", page, None) for _ in range(ncols)] for _ in grid_rows]
    made: dict[int, Cell] = {}  # a box in several rows (a merged cell) is one Cell in each
    for r, row in enumerate(grid_rows):
        for c, box in enumerate(row):
            if box is None:
                continue
            first = box.pieces[0]
            if first.col != c:
                continue
            cell = made.get(id(box))
            if cell is None:
                cell = made[id(box)] = make_cell(box, page, first.last_col - first.col + 1)
            else:
                cell.row_span += 1
            for k in range(first.col, first.last_col + 1):
                table_rows[r][k] = cell
    merge_header_down(table_rows, len(head))
    top = min(p.top for p in pieces)
    bottom = max(p.bottom for p in pieces)
    ys = [min(p.top for box in row if box for p in box.pieces) for row in grid_rows] + [bottom]
    return PageTable(
        page=page, bbox=(x0, top, x1, bottom), rows=table_rows, ruled=False, xs=bounds, ys=ys, gaps=list(gaps)
    )


def split_spanning(lines: list[Line], gaps: list[tuple[float, float]], spanning: set[int]) -> bool:
    """A piece that crosses a column gap only because the cell on the left ran into its padding
    (a wrapped line ending in hanging punctuation) is two pieces: cut it at its widest character
    gap inside the column gap."""
    changed = False
    for line in lines:
        out: list[Piece] = []
        for piece in line.pieces:
            cut = cut_at_gap(piece, gaps) if id(piece) in spanning else None
            if cut is None:
                out.append(piece)
                continue
            left, right = make_piece(piece.chars[:cut]), make_piece(piece.chars[cut:])
            left.line = right.line = piece.line
            out += [left, right]
            changed = True
        line.pieces = out
    return changed


def cut_at_gap(piece: Piece, gaps: list[tuple[float, float]]) -> int | None:
    best: tuple[float, int] | None = None
    for a, b in gaps:
        if not (piece.x0 < a and b < piece.x1):
            continue  # not across this gap
        for k in range(1, len(piece.chars)):
            left, right = piece.chars[k - 1], piece.chars[k]
            space = right.x0 - left.x1
            near = a - piece.size <= (left.x1 + right.x0) / 2 <= b + piece.size
            if near and space > 0.1 * piece.size and (best is None or space > best[0]):
                best = (space, k)
    return best[1] if best else None


def drop_shared_column_gaps(
    lines: list[Line], gaps: list[tuple[float, float]], spanning: set[int]
) -> list[tuple[float, float]]:
    """Two neighbouring "columns" that no line fills both of, and that the first line (the header)
    does not name both of, are one column whose cells are aligned differently (short names
    centred, long ones flush left)."""
    kept = list(gaps)
    k = 0
    while k < len(kept):
        a, b = kept[k]
        middle = (a + b) / 2
        left_lo = (kept[k - 1][0] + kept[k - 1][1]) / 2 if k > 0 else float("-inf")
        right_hi = (kept[k + 1][0] + kept[k + 1][1]) / 2 if k + 1 < len(kept) else float("inf")
        both = 0
        for line in lines:
            own = [p for p in line.pieces if id(p) not in spanning]
            left = any(left_lo < (p.x0 + p.x1) / 2 < middle for p in own)
            right = any(middle < (p.x0 + p.x1) / 2 < right_hi for p in own)
            both += left and right
        if both == 0:
            del kept[k]
        else:
            k += 1
    return kept


def columns_of(piece: Piece, gaps: list[tuple[float, float]]) -> tuple[int, int]:
    first = sum(1 for a, b in gaps if (a + b) / 2 < piece.x0)
    last = sum(1 for a, b in gaps if (a + b) / 2 < piece.x1)
    return first, max(first, last)


def table_rules(rules: list[Edge], x0: float, x1: float, lines: list[Line], settings: TableSettings) -> list[Rule]:
    """The y of horizontal rules running along most of the table, from just above its first line to
    just below its last."""
    top, bottom = lines[0].top - 2 * lines[0].size, lines[-1].bottom + lines[-1].size
    width = x1 - x0
    return sorted(
        Rule((e.top + e.bottom) / 2, e.x0, e.x1)
        for e in merged_edges([e for e in rules if e.orientation == "h" and top <= e.top <= bottom], settings)
        if min(e.x1, x1) - max(e.x0, x0) >= settings.rule_cover * width
    )


def numeric_columns(pieces: list[Piece], ncols: int, settings: TableSettings) -> set[int]:
    """Columns holding values, judged from the first line with a number on (not the header's names)."""
    out = set()
    for c in range(ncols):
        own = [p for p in pieces if p.col == c and p.last_col == c]
        if own and sum(p.numeric for p in own) >= settings.numeric_share * len(own):
            out.add(c)
    return out


def header_line_count(lines: list[Line], h_rules: list[Rule], numeric_cols: set[int], settings: TableSettings) -> int:
    """How many lines the header takes: those above a rule under it; else those set in another face
    (bold, Hei); else, where rows are padded apart, the first line and the lines wrapped under it;
    else those above the first value in a numeric column (0 when the block starts with values: a
    continued part)."""
    first_value = next(
        (k for k, line in enumerate(lines) if any(p.numeric and p.col in numeric_cols for p in line.pieces)),
        None,
    )
    inner = [rule.y for rule in h_rules if lines[0].top < rule.y < lines[-1].bottom]
    if inner:
        under = sum(1 for line in lines if line.bottom <= inner[0] + 1)
        # a rule under the first few lines ends the header, unless the first line already holds
        # values (a part continued from the page before, its rows banded by rules)
        if 0 < under <= settings.max_header_lines and first_value != 0:
            return under
    styled = header_face_lines(lines)
    if styled and (first_value is None or styled <= first_value):
        return styled
    if first_value == 0:
        return 0
    pieces = [p for line in lines for p in line.pieces]
    pitch = line_pitch(pieces)
    tight = pitch * settings.wrap_pitch_share + 0.5
    if is_padded(pieces, pitch, tight):
        wrapped = 1
        while wrapped < len(lines) - 1 and lines[wrapped].top - lines[wrapped - 1].top <= tight:
            wrapped += 1
        return wrapped if first_value is None else min(wrapped, first_value)
    if first_value is not None:
        return first_value
    return 1 if len(lines) > 1 else 0


def is_padded(pieces: list[Piece], pitch: float, tight: float) -> bool:
    """Rows set further apart than the lines of a cell, but less than two lines (blank cells make
    multiples of either), seen at least twice."""
    return sum(tight < b.top - a.top < 1.8 * pitch for a, b in column_neighbours(pieces)) >= 2


def header_face_lines(lines: list[Line]) -> int:
    """Leading lines set in another face than the table's body (a bold or Hei header): how many."""
    faces = Counter(face(c) for line in lines for p in line.pieces for c in p.chars)
    body = faces.most_common(1)[0][0]
    count = 0
    for line in lines[: len(lines) - 1]:
        own = Counter(face(c) for p in line.pieces for c in p.chars)
        if own.most_common(1)[0][0] == body:
            break
        count += 1
    return count


def face(ch: Char) -> str:
    return ch.font.split("+", 1)[-1]


def header_rows(pieces: list[Piece], ncols: int) -> list[list[CellBox | None]]:
    """One header row; two when a group header spans columns above their own names."""
    if not pieces:
        return []
    spans = [p for p in pieces if p.last_col > p.col]
    if not spans:
        return [boxes_by_column(pieces, ncols)]
    limit = max(p.bottom for p in spans)
    upper = [p for p in pieces if p.top < limit - 1]
    lower = [p for p in pieces if p.top >= limit - 1]
    rows = [boxes_by_column(upper, ncols)]
    if lower:
        rows.append(boxes_by_column(lower, ncols))
    return rows


def boxes_by_column(pieces: list[Piece], ncols: int) -> list[CellBox | None]:
    row: list[CellBox | None] = [None] * ncols
    for p in sorted(pieces, key=lambda p: (p.top, p.x0)):
        box = row[p.col]
        if box is None:
            box = row[p.col] = CellBox()
        box.pieces.append(p)
    return row


def body_rows(
    pieces: list[Piece],
    lines: list[Line],
    h_rules: list[Rule],
    numeric_cols: set[int],
    ncols: int,
    settings: TableSettings,
) -> list[list[CellBox | None]]:
    """Rows from the pieces that start one; every other piece continues the cell above it in its column."""
    if not pieces:
        return []
    pitch = line_pitch(pieces)
    tight = pitch * settings.wrap_pitch_share + 0.5
    padded = is_padded(pieces, pitch, tight)
    guess_by_width = False
    if padded:
        numeric_cols = set()  # rows are told by their spacing: a number wrapped in a narrow cell stays in it
    elif not numeric_cols:
        guess_by_width = (
            True  # neither spacing nor values tell rows: a line continues a cell only where the line above filled it
        )
    ordered = sorted(pieces, key=lambda p: (p.top, p.x0))
    previous: dict[int, Piece] = {}
    above: dict[int, Piece | None] = {}
    for p in ordered:
        above[id(p)] = previous.get(p.col)
        previous[p.col] = p
    if padded:
        return padded_rows(ordered, above, tight, h_rules, ncols)
    widest = column_widths(pieces)
    starts = sorted(
        p.top
        for p in ordered
        if starts_row(p, above[id(p)], tight, numeric_cols, h_rules)
        or (guess_by_width and not fills_its_column(above[id(p)], widest))
    )
    same_row = settings.row_align_sizes * median([p.size for p in pieces])
    rows: list[list[CellBox | None]] = []
    row_tops: list[float] = []
    for top in starts:
        if not row_tops or top - row_tops[-1] > same_row:
            row_tops.append(top)
            rows.append([None] * ncols)
    owner: dict[int, CellBox] = {}
    for p in ordered:
        r = nearest_row(row_tops, p.top, same_row)
        prior = above[id(p)]
        # in padded rows a new row's text is never one line under the text above it: a label run
        # down past its row continues there even where it meets another row's top
        wrapped = padded and prior is not None and p.top - prior.top <= tight
        if (r is None or wrapped) and prior is not None:
            box = owner[id(prior)]  # the next line of the cell above: a wrapped name
        else:
            r = r if r is not None else max(0, bisect_right(row_tops, p.top) - 1)
            box = rows[r][p.col] or CellBox()
            rows[r][p.col] = box
        box.pieces.append(p)
        owner[id(p)] = box
    return [row for row in rows if any(row)]  # a row every piece of which joined the cell above


def padded_rows(
    ordered: list[Piece], above: dict[int, Piece | None], tight: float, h_rules: list[Rule], ncols: int
) -> list[list[CellBox | None]]:
    """Rows set apart by padding: each cell is a block of lines one pitch apart in its column, and
    the blocks that overlap in height are one row, whatever their vertical alignment (top, middle
    or bottom). A block overlapping two separate blocks of another column is a cell merged down
    several rows (a group label): it is set aside, then spans the rows it overlaps."""
    owner: dict[int, CellBox] = {}
    blocks: list[CellBox] = []
    for p in ordered:
        prior = above[id(p)]
        if prior is not None and p.top - prior.top <= tight and not rule_between(prior, p, h_rules):
            box = owner[id(prior)]
        else:
            box = CellBox()
            blocks.append(box)
        box.pieces.append(p)
        owner[id(p)] = box
    extent = {id(b): (min(p.top for p in b.pieces), max(p.bottom for p in b.pieces)) for b in blocks}
    column = {id(b): b.pieces[0].col for b in blocks}

    def overlap(a: CellBox, b: CellBox) -> bool:
        (a0, a1), (b0, b1) = extent[id(a)], extent[id(b)]
        return min(a1, b1) - max(a0, b0) > 0.5

    by_top = sorted(blocks, key=lambda b: extent[id(b)][0])
    tops = [extent[id(b)][0] for b in by_top]
    tallest = max(bottom - top for top, bottom in extent.values())

    def near(block: CellBox) -> list[CellBox]:
        """The blocks that can overlap it in height: those starting within the tallest block's height."""
        top, bottom = extent[id(block)]
        return by_top[bisect_left(tops, top - tallest) : bisect_right(tops, bottom)]

    tall = {id(b) for b in blocks if spans_rows(b, near(b), column, overlap)}
    rows: list[list[CellBox | None]] = []
    bands: list[list[float]] = []
    for block in sorted((b for b in blocks if id(b) not in tall), key=lambda b: extent[id(b)][0]):
        top, bottom = extent[id(block)]
        if not bands or top > bands[-1][1] - 0.5:
            bands.append([top, bottom])
            rows.append([None] * ncols)
        bands[-1][1] = max(bands[-1][1], bottom)
        add_to_cell(rows[-1], column[id(block)], block)
    for block in (b for b in blocks if id(b) in tall):
        top, bottom = extent[id(block)]
        spanned = [r for r, (t, b) in enumerate(bands) if min(b, bottom) - max(t, top) > 0.5]
        for r in spanned or [max(0, bisect_right([t for t, _ in bands], top) - 1)]:
            if rows:
                rows[r][column[id(block)]] = block  # one box in several rows: a merged cell
    return rows


def spans_rows(block: CellBox, nearby: list[CellBox], column: dict[int, int], overlap: Callable) -> bool:
    """The block overlaps two or more blocks of some other column that do not overlap each other."""
    by_column: dict[int, list[CellBox]] = {}
    for other in nearby:
        if column[id(other)] != column[id(block)] and overlap(block, other):
            by_column.setdefault(column[id(other)], []).append(other)
    return any(
        any(not overlap(a, b) for a, b in itertools.combinations(hits, 2))
        for hits in by_column.values()
        if len(hits) >= 2
    )


def add_to_cell(row: list[CellBox | None], col: int, block: CellBox) -> None:
    if row[col] is None:
        row[col] = block
    else:
        row[col].pieces.extend(block.pieces)  # type: ignore[union-attr]


def rule_between(prior: Piece, p: Piece, h_rules: list[Rule]) -> bool:
    return any(prior.bottom - 1 < r.y < p.top + 1 and r.x0 <= (p.x0 + p.x1) / 2 <= r.x1 for r in h_rules)


def starts_row(p: Piece, prior: Piece | None, tight: float, numeric_cols: set[int], h_rules: list[Rule]) -> bool:
    """A piece opens a row when nothing is above it in its column, when it is further below the
    piece above than a line, when it is a value in a numeric column, or when a rule parts them."""
    return (
        prior is None
        or p.top - prior.top > tight
        or (p.numeric and p.col in numeric_cols)
        or any(prior.bottom - 1 < r.y < p.top + 1 and r.x0 <= (p.x0 + p.x1) / 2 <= r.x1 for r in h_rules)
    )


def column_widths(pieces: list[Piece]) -> dict[int, float]:
    widths: dict[int, float] = {}
    for p in pieces:
        if p.last_col == p.col:
            widths[p.col] = max(widths.get(p.col, 0.0), p.x1 - p.x0)
    return widths


def fills_its_column(prior: Piece | None, widest: dict[int, float]) -> bool:
    """The piece runs to within a character of its column's widest line: text that wrapped."""
    return prior is not None and prior.x1 - prior.x0 >= widest.get(prior.col, 0.0) - 1.2 * prior.size


def nearest_row(row_tops: list[float], top: float, within: float) -> int | None:
    k = bisect_right(row_tops, top + within) - 1
    if k >= 0 and abs(row_tops[k] - top) <= within:
        return k
    return None


def column_neighbours(pieces: list[Piece]) -> list[tuple[Piece, Piece]]:
    by_col: dict[int, list[Piece]] = {}
    for p in sorted(pieces, key=lambda p: p.top):
        by_col.setdefault(p.col, []).append(p)
    return [(a, b) for col in by_col.values() for a, b in itertools.pairwise(col)]


def line_pitch(pieces: list[Piece]) -> float:
    """The tightest top-to-top distance between consecutive pieces of a column: one line of a
    wrapped cell where there is one, else the row pitch."""
    steps = [b.top - a.top for a, b in column_neighbours(pieces) if b.top - a.top > 0.8 * a.size]
    return min(steps) if steps else median([p.size for p in pieces]) * 1.2


def make_cell(box: CellBox, page: int, span: int) -> Cell:
    chars = [c for p in box.pieces for c in p.chars]
    bbox = (
        min(p.x0 for p in box.pieces),
        min(p.top for p in box.pieces),
        max(p.x1 for p in box.pieces),
        max(p.bottom for p in box.pieces),
    )
    return Cell(chars_to_text(chars), page, bbox, col_span=span, ink=bbox)


def merge_header_down(rows: list[list[Cell]], header_rows: int) -> None:
    """In a two-row header, a column named only in one row is one cell over both (序号 beside a group)."""
    if header_rows != 2:
        return
    upper, lower = rows[0], rows[1]
    for c in range(len(upper)):
        if upper[c].col_span == 1 and lower[c].col_span == 1:
            if not lower[c].text.strip():
                lower[c] = upper[c]
                upper[c].row_span = 2
            elif not upper[c].text.strip():
                upper[c] = lower[c]
                lower[c].row_span = 2


def median(values: list[float]) -> float:
    """The middle value (the upper one of an even count); 10 pt when there is none."""
    return statistics.median_high(values) if values else 10.0
