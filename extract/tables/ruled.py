"""Ruled tables on one page: ruling lines into cells, characters into the cells.

Owns: the page's ruling lines merged and snapped with pdfplumber's own edge geometry
(merge_edges), grouped and turned into a grid with merged cells (lattice.py); characters put
into their cells in one sorted sweep; a ruled box with one row or one column is a frame around
text, not a table (a single row at the top of a page is kept: the last row of a table from the
page before). Tolerances: settings.TableSettings.
"""

from __future__ import annotations

from bisect import bisect_right

from ..model import Char, Edge, PageTable, RawPage
from ..settings import TABLES, TableSettings
from .lattice import lattice_tables
from .text import chars_to_text, ink_box


def find_page_tables(page: RawPage, settings: TableSettings = TABLES) -> list[PageTable]:
    if len(page.edges) < 4:
        return []
    tables = lattice_tables(merged_edges(page.edges, settings), page.number, settings)
    fill_cells(tables, page.chars)
    return [t for t in tables if looks_like_table(t, page.height, settings)]


def merged_edges(edges: list[Edge], settings: TableSettings = TABLES) -> list[Edge]:
    """Ruling segments snapped and joined into whole lines (pdfplumber's merge_edges): a border
    drawn cell by cell, or as a bar's two edges, is one line."""
    from pdfplumber.table import merge_edges  # here: pdfminer under it costs 80 ms of start-up

    merged = merge_edges(
        [edge_dict(e) for e in edges],
        snap_x_tolerance=settings.snap,
        snap_y_tolerance=settings.snap,
        join_x_tolerance=settings.snap,
        join_y_tolerance=settings.snap,
    )
    return [
        Edge(e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"])
        for e in merged
        if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= settings.snap
    ]


def edge_dict(edge: Edge) -> dict:
    return {
        "x0": edge.x0,
        "x1": edge.x1,
        "top": edge.top,
        "bottom": edge.bottom,
        "doctop": edge.top,
        "width": edge.x1 - edge.x0,
        "height": edge.bottom - edge.top,
        "orientation": edge.orientation,
        "object_type": "line",
    }


def fill_cells(tables: list[PageTable], chars: list[Char]) -> None:
    """Put each character into its cell in one sweep, then set each cell's text."""
    if not tables:
        return
    buckets: dict[int, list[Char]] = {}
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        for table in tables:
            x0, top, x1, bottom = table.bbox  # type: ignore[misc]
            if x0 <= cx <= x1 and top <= cy <= bottom:
                xs, ys = table.xs, table.ys
                r = min(max(bisect_right(ys, cy) - 1, 0), len(ys) - 2)
                c = min(max(bisect_right(xs, cx) - 1, 0), len(xs) - 2)
                buckets.setdefault(id(table.rows[r][c]), []).append(ch)
                break
    for table in tables:
        seen: set[int] = set()
        for row in table.rows:
            for cell in row:
                if id(cell) not in seen:
                    seen.add(id(cell))
                    inside = buckets.get(id(cell), [])
                    cell.text = chars_to_text(inside)
                    cell.ink = ink_box(inside)


def looks_like_table(table: PageTable, page_height: float, settings: TableSettings = TABLES) -> bool:
    """Two rows and two columns at least, with text in more than one cell: else a frame or a box.
    A single row of cells at the top of a page is kept: the last row of a table from the page before."""
    filled = {id(c) for row in table.rows for c in row if c.text.strip()}
    if table.ncols < 2:
        return False
    if len(table.rows) == 1:
        return len(filled) >= 2 and table.bbox is not None and table.bbox[1] < page_height * settings.page_top_share
    return len(filled) >= 3
