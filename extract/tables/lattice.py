"""Ruled tables on one page: ruling lines → a lattice of grid lines → cells, merged where no line parts them.

Owns: grouping a page's ruling lines into separate tables (lines that touch belong together),
the grid of each (every distinct x of its vertical lines, every distinct y of its horizontal
lines, and the ends of its lines where a border is missing, as at a page break that cuts a table),
and merged cells: two neighbouring grid cells are one cell when no ruling line runs between them.
Unlike building cells from four closed corners, this keeps the last row of a table cut by the
page end, and a merged cell whose bottom border is on the next page, instead of losing them.
"""

from __future__ import annotations

from ..model import Cell, Edge, PageTable
from ..settings import TABLES, TableSettings


def lattice_tables(edges: list[Edge], page: int, settings: TableSettings = TABLES) -> list[PageTable]:
    return [t for group in touching_groups(edges, settings) if (t := lattice(group, page, settings)) is not None]


def touching_groups(edges: list[Edge], settings: TableSettings = TABLES) -> list[list[Edge]]:
    """Lines that cross or touch, transitively: one table's ruling."""
    parent = list(range(len(edges)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    horizontal = [i for i, e in enumerate(edges) if e.orientation == "h"]
    vertical = [i for i, e in enumerate(edges) if e.orientation == "v"]
    vertical.sort(key=lambda i: edges[i].x0)
    xs = [edges[i].x0 for i in vertical]
    from bisect import bisect_left, bisect_right

    for h in horizontal:
        he = edges[h]
        for k in range(bisect_left(xs, he.x0 - settings.snap), bisect_right(xs, he.x1 + settings.snap)):
            ve = edges[vertical[k]]
            if ve.top - settings.snap <= he.top <= ve.bottom + settings.snap:
                parent[find(h)] = find(vertical[k])
    groups: dict[int, list[Edge]] = {}
    for i, edge in enumerate(edges):
        groups.setdefault(find(i), []).append(edge)
    return [g for g in groups.values() if sum(e.orientation == "h" for e in g) and sum(e.orientation == "v" for e in g)]


def cluster(values: list[float], snap: float = TABLES.snap) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= snap:
            continue
        out.append(v)
    return out


def lattice(edges: list[Edge], page: int, settings: TableSettings = TABLES) -> PageTable | None:
    horizontal = [e for e in edges if e.orientation == "h"]
    vertical = [e for e in edges if e.orientation == "v"]
    xs = cluster(
        [e.x0 for e in vertical] + [min(e.x0 for e in horizontal), max(e.x1 for e in horizontal)], settings.snap
    )
    ys = cluster(
        [e.top for e in horizontal] + [min(e.top for e in vertical), max(e.bottom for e in vertical)], settings.snap
    )
    nrows, ncols = len(ys) - 1, len(xs) - 1
    if nrows < 1 or ncols < 1:
        return None
    parent = list(range(nrows * ncols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    # each grid line's candidate edges, found once (not again for every cell along it)
    at_x = [[e for e in vertical if abs(e.x0 - x) <= settings.snap] for x in xs]
    at_y = [[e for e in horizontal if abs(e.top - y) <= settings.snap] for y in ys]
    for r in range(nrows):
        for c in range(ncols):
            if c + 1 < ncols and not ruled_between_columns(at_x[c + 1], xs[c + 1], ys[r], ys[r + 1], settings):
                join(r * ncols + c, r * ncols + c + 1)
            if r + 1 < nrows and not ruled_between_rows(at_y[r + 1], ys[r + 1], xs[c], xs[c + 1], settings):
                join(r * ncols + c, (r + 1) * ncols + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(nrows):
        for c in range(ncols):
            members.setdefault(find(r * ncols + c), []).append((r, c))
    grid: list[list[Cell | None]] = [[None] * ncols for _ in range(nrows)]
    for spots in members.values():
        r0, r1 = min(r for r, _ in spots), max(r for r, _ in spots) + 1
        c0, c1 = min(c for _, c in spots), max(c for _, c in spots) + 1
        cell = Cell("", page, (xs[c0], ys[r0], xs[c1], ys[r1]), row_span=r1 - r0, col_span=c1 - c0)
        for r in range(r0, r1):
            for c in range(c0, c1):
                if grid[r][c] is None:  # an L-shaped group (a missing line) keeps its first claim
                    grid[r][c] = cell
    rows = [[cell for cell in row if cell is not None] for row in grid]
    if any(len(row) != ncols for row in rows):
        return None
    return PageTable(page=page, bbox=(xs[0], ys[0], xs[-1], ys[-1]), rows=rows, xs=xs, ys=ys)  # type: ignore[arg-type]


def ruled_between_columns(
    vertical: list[Edge], x: float, top: float, bottom: float, settings: TableSettings = TABLES
) -> bool:
    """Is there a vertical line at x running along most of [top, bottom]?"""
    need = (bottom - top) * settings.cover
    return any(abs(e.x0 - x) <= settings.snap and min(e.bottom, bottom) - max(e.top, top) >= need for e in vertical)


def ruled_between_rows(
    horizontal: list[Edge], y: float, x0: float, x1: float, settings: TableSettings = TABLES
) -> bool:
    """Is there a horizontal line at y running along most of [x0, x1]?"""
    need = (x1 - x0) * settings.cover
    return any(abs(e.top - y) <= settings.snap and min(e.x1, x1) - max(e.x0, x0) >= need for e in horizontal)
