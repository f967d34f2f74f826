"""What both PDF readers share: from the glyphs, paths and images a backend found on a page to a
RawPage with a quality verdict.

Owns: the reader-neutral page parts (``Glyph``, ``Path``), fake-bold de-duplication, which glyphs
and strokes are visible, which strokes are ruling lines, image cover, turning a page drawn
sideways upright, and the evidence the quality judge reads. A backend (pdfplumber.py,
pdfium.py) only says what is drawn where, in pdfplumber's frame: points from the top-left of
the page as shown (after /Rotate), so both backends give the same RawPage for the same page.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..glyphs import as_printed
from ..model import BBox, Char, Edge, RawPage
from ..quality import PageEvidence, is_unmapped, judge_page

MIN_EDGE = 2.0  # points: shorter strokes are glyph parts or dots, not ruling lines
DEDUPE_TOLERANCE = 1.0  # points: pdfplumber's documented default for fake-bold doubles
WHITE = 0.98  # a colour component this close to full is paper, not ink
RADICALS = ("\u2e80", "\u2fdf")  # the ranges glyphs.as_printed maps, tested first: most characters are in neither
COMPATIBILITY = ("\uf900", "\ufb06")
PLACES = 3  # coordinates kept to a thousandth of a point: below any producer's precision, above PDFium's float noise


@dataclass(slots=True)
class Glyph:
    """One character object as drawn, before de-duplication and visibility."""

    char: Char
    white: bool  # filled in white: invisible on paper (hidden keywords, erased stamps)


@dataclass(slots=True)
class Stroke:
    """One straight segment of a painted path, or a side of a painted rectangle."""

    orientation: str | None  # "h", "v", or None when slanted
    x0: float
    top: float
    x1: float
    bottom: float
    visible: bool  # stroked or filled in a colour that shows


def finish_page(
    number: int,
    size: tuple[float, float],
    rotation: int,
    glyphs: list[Glyph],
    strokes: list[Stroke],
    images: list[BBox],
    curves: int,
) -> RawPage:
    """The RawPage of what a backend found, with its quality verdict."""
    every = dedupe_glyphs(glyphs)
    chars = [rounded_char(g.char) for g in every if not g.white and g.char.text.strip()]
    edges = [e for e in map(to_edge, strokes) if e is not None]
    raw = RawPage(
        number=number,
        width=round(size[0], PLACES),
        height=round(size[1], PLACES),
        chars=chars,
        edges=edges,
        images=[rounded(box) for box in images],
        rotation=rotation % 360,
    )
    if raw.rotation in (90, 270) and chars and sum(not c.upright for c in chars) > len(chars) / 2:
        unrotate(raw)
    evidence = PageEvidence(
        text="".join(c.text for c in chars),
        glyphs=len(every),
        unmapped=sum(is_unmapped(g.char.text) for g in every),
        image_cover=covered_share(images, raw.width, raw.height),
        curves=curves,
        edges=len(edges),
    )
    raw.quality, raw.quality_detail = judge_page(evidence)
    return raw


def to_edge(stroke: Stroke) -> Edge | None:
    """The stroke as a ruling line: shown, straight along an axis and long enough."""
    if not stroke.visible:
        return None
    if stroke.orientation == "h":
        long_enough = stroke.x1 - stroke.x0 >= MIN_EDGE
    elif stroke.orientation == "v":
        long_enough = stroke.bottom - stroke.top >= MIN_EDGE
    else:
        return None
    if not long_enough:
        return None
    return Edge(
        stroke.orientation,
        round(stroke.x0, PLACES),
        round(stroke.top, PLACES),
        round(stroke.x1, PLACES),
        round(stroke.bottom, PLACES),
    )


def rounded(box: BBox) -> BBox:
    return (round(box[0], PLACES), round(box[1], PLACES), round(box[2], PLACES), round(box[3], PLACES))


def rounded_char(c: Char) -> Char:
    """The character as finished by the reader: coordinates rounded, a radical form printed for
    a whole hanzi read as that hanzi (PDFium does so itself for some, pdfminer for none)."""
    text = c.text
    if len(text) > 1 or RADICALS[0] <= text <= RADICALS[1] or COMPATIBILITY[0] <= text <= COMPATIBILITY[1]:
        c.text = "".join(as_printed(ch) for ch in text)
    c.x0, c.top, c.x1, c.bottom, c.size = (
        round(c.x0, PLACES),
        round(c.top, PLACES),
        round(c.x1, PLACES),
        round(c.bottom, PLACES),
        round(c.size, PLACES),
    )
    return c


def is_white(color: object) -> bool:
    """A colour as pdfminer gives it (gray, RGB or CMYK components from 0 to 1) that is paper."""
    if color is None:
        return False
    if isinstance(color, int | float):
        return float(color) >= WHITE
    if isinstance(color, list | tuple):
        values = [float(v) for v in color if isinstance(v, int | float)]
        if len(values) == 1:
            return values[0] >= WHITE
        if len(values) == 3:
            return min(values) >= WHITE
        if len(values) == 4:  # CMYK: white is no ink
            return max(values) <= 1 - WHITE
    return False


def covered_share(boxes: list[BBox], width: float, height: float) -> float:
    """The share of the page under the boxes (overlaps counted once, on a coarse grid)."""
    if not boxes or width <= 0 or height <= 0:
        return 0.0
    cells = 40
    covered = set()
    for x0, top, x1, bottom in boxes:
        for i in range(max(0, int(x0 / width * cells)), min(cells, int(x1 / width * cells + 0.999))):
            for j in range(max(0, int(top / height * cells)), min(cells, int(bottom / height * cells + 0.999))):
                covered.add((i, j))
    return len(covered) / (cells * cells)


def unrotate(page: RawPage) -> None:
    """A page shown turned by /Rotate: put its text back upright, so lines run left to right."""
    width, height = page.width, page.height

    def box(x0: float, top: float, x1: float, bottom: float) -> BBox:
        if page.rotation == 90:
            return top, width - x1, bottom, width - x0
        return height - bottom, x0, height - top, x1

    for ch in page.chars:
        ch.x0, ch.top, ch.x1, ch.bottom = box(ch.x0, ch.top, ch.x1, ch.bottom)
        ch.upright = True
    page.turned = page.rotation
    page.edges = [Edge("v" if e.orientation == "h" else "h", *box(e.x0, e.top, e.x1, e.bottom)) for e in page.edges]
    page.images = [box(*b) for b in page.images]
    page.width, page.height = height, width


def dedupe_glyphs(glyphs: list[Glyph], tolerance: float = DEDUPE_TOLERANCE) -> list[Glyph]:
    """pdfplumber's dedupe_chars in n·log n: a glyph drawn twice (fake bold) at the same place, in
    the same font and size, is kept once. Same clustering, same survivor, same order as
    ``pdfplumber.utils.dedupe_chars``, whose final ``sorted(key=chars.index)`` is quadratic
    (a 20,000-character page took 209 s)."""
    groups: dict[tuple, list[int]] = {}
    for index, g in enumerate(glyphs):
        c = g.char
        key = (c.upright, c.text, c.font, c.size)
        members = groups.get(key)
        if members is None:
            groups[key] = [index]
        else:
            members.append(index)
    if len(groups) == len(glyphs):  # no two alike: nothing can be a double
        return list(glyphs)
    keep: list[int] = []
    for members in groups.values():
        if len(members) == 1:
            keep.extend(members)
            continue
        for row in clusters(members, [glyphs[i].char.top for i in members], tolerance):
            if len(row) == 1:
                keep.extend(row)
                continue
            for spot in clusters(row, [glyphs[i].char.x0 for i in row], tolerance):
                if len(spot) == 1:
                    keep.extend(spot)
                else:
                    keep.append(min(spot, key=lambda i: (glyphs[i].char.top, glyphs[i].char.x0, i)))
    keep.sort()
    return [glyphs[i] for i in keep]


def clusters(members: list[int], values: list[float], tolerance: float) -> list[list[int]]:
    """Members grouped by value, chaining values no more than ``tolerance`` apart (pdfplumber's
    cluster_objects): each group in the members' order."""
    order = sorted(range(len(values)), key=values.__getitem__)
    label = [0] * len(values)
    current, last = 0, values[order[0]]
    for position in order:
        value = values[position]
        if value > last + tolerance:
            current += 1
        label[position] = current
        last = value
    grouped: list[list[int]] = [[] for _ in range(current + 1)]
    for member, cluster in zip(members, label):
        grouped[cluster].append(member)
    return grouped
