"""The pdfium reader (the default): PDFium, through pypdfium2, parses pages in C.

Owns: each character's box as pdfminer would give it (from PDFium's origin, advance and matrix,
and the font's /Descent as pdfminer reads it), each painted path split into the lines,
rectangles and curves pdfminer would make of it, image boxes, all in pdfplumber's frame (points
from the top-left of the page as shown) — so the RawPage is the one the pdfplumber reader
makes, in about a third of the time (tests/test_readers.py proves the two equal on every
corpus, producer and real-world PDF; benchmarks/RESULTS.md has the times). Type 3 fonts, which
PDFium leaves unnamed, are named from the content stream, and fonts writing top to bottom are
boxed as pdfminer boxes them (fonts_from_the_stream).

What PDFium does not say, pikepdf reads once per document: the /Descent of each font's
descriptor. PDFium falls back to the font program's metrics when a descriptor says 0, pdfminer
keeps the 0, and the boxes would be a few points apart.
"""

from __future__ import annotations

import ctypes
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

from ..errors import ReadError
from ..model import BBox, Char, RawPage
from .pages import Glyph, Stroke, finish_page, is_white
from .source import PdfPages, Progress, one_line, unreadable_page

Matrix = tuple[float, float, float, float, float, float]  # (a, b, c, d, e, f), PDF's row-vector convention
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
SUBSET_TAG = re.compile(rb"^[A-Z]{6}\+")
MAX_FORM_DEPTH = 15  # forms drawing forms: deeper nesting is a loop or a hostile file
AXIS_SLACK = 1e-6  # a matrix term this small is zero: the glyph runs along an axis
PRIVATE_PLANES = 0xF0000  # planes 15-16 are private use: pdfminer reads no character there


class Native:
    """PDFium's functions (and constants) by name, each handle typed as a plain address:
    pypdfium2's typed pointers make a Python object per call and per cast (1.4 µs a call against
    0.5 µs, measured on FPDFText_GetTextObject; reading makes about five calls a character and
    four a path segment). Each function is retyped the first time it is asked for."""

    def __getattr__(self, name: str):
        import pypdfium2.raw as pdfium_c

        found = getattr(pdfium_c, name)
        if callable(found) and hasattr(found, "argtypes"):
            retyped = ctypes.CFUNCTYPE(plain(found.restype), *map(plain, found.argtypes or ()))
            found = retyped(address(found))
        setattr(self, name, found)
        return found


def plain(kind: type | None) -> type | None:
    """A pointer to one of PDFium's opaque handles as an address; every other type as it is."""
    return ctypes.c_void_p if kind is not None and kind.__name__.startswith("LP_struct_fpdf") else kind


PDFIUM = Native()


def read_pdf_pages(data: bytes, pages: Sequence[int] | None = None, progress: Progress | None = None) -> PdfPages:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError(f"corrupt PDF: {one_line(exc)}") from exc
    try:
        count = len(pdf)
        if not count:
            raise ReadError("PDF has no pages")
        facts = document_facts(data)
        try:
            read = []
            for index in pages if pages is not None else range(count):
                read.append(read_numbered(pdf, index, facts))
                if progress:
                    progress(page=index + 1)
        finally:
            facts.close()
        metadata = {k: str(v) for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
    finally:
        pdf.close()
    return PdfPages(read, metadata, count)


def read_numbered(pdf, index: int, facts: Facts) -> RawPage:
    page = None
    try:
        page = pdf[index]
        return read_page(page, index + 1, facts)
    except Exception as exc:  # a damaged content stream spoils one page, not the document
        width, height = (page.get_width(), page.get_height()) if page is not None else (0.0, 0.0)
        return unreadable_page(index + 1, width, height, exc)
    finally:
        if page is not None:
            page.close()


def read_page(page, number: int, facts: Facts) -> RawPage:
    rotation = page.get_rotation() % 360
    mediabox = facts.mediaboxes[number - 1] if number <= len(facts.mediaboxes) else None
    frame = Frame.of(mediabox or page.get_mediabox(), rotation)
    drawing = Drawing(frame)
    drawing.walk(address(page.raw), IDENTITY, 0)
    known = fonts_from_the_stream(drawing, facts, number - 1)
    textpage = page.get_textpage()
    try:
        glyphs = read_glyphs(address(textpage.raw), frame, facts.descents, known)
    finally:
        textpage.close()
    return finish_page(number, frame.size, rotation, glyphs, drawing.strokes, drawing.images, drawing.curves)


def fonts_from_the_stream(drawing: Drawing, facts: Facts, index: int) -> dict[int, tuple[str, float]]:
    """(name, descent) of the page's fonts PDFium does not describe as pdfminer does, by address:
    Type 3 fonts (no /BaseFont: PDFium knows no name) and fonts writing top to bottom (pdfminer
    boxes such a glyph from PDFium's origin up by the font size: no descent). Matched with the
    content stream's fonts in the order text first uses them; none when the two walks disagree."""
    # walking a content stream costs ~13 ms a page: only where a font may write top to bottom
    vertical_here = bool(facts.vertical) and any(untagged(font_name(f)) in facts.vertical for f in drawing.fonts)
    if not drawing.unnamed_fonts and not vertical_here:
        return {}
    shown = facts.shown_fonts(index)
    known: dict[int, tuple[str, float]] = {}
    unnamed = [spec for spec in shown if "/BaseFont" not in spec]
    if drawing.unnamed_fonts and len(unnamed) == len(drawing.unnamed_fonts):
        known = {font: type3_face(spec) for font, spec in zip(drawing.unnamed_fonts, unnamed)}
    if vertical_here and len(shown) == len(drawing.fonts):
        vertical = [font for font, spec in zip(drawing.fonts, shown) if is_vertical(spec)]
        known |= {font: (decode_name(font_name(font)), 0.0) for font in vertical}
    return known


# --------------------------------------------------------------------------- frame
@dataclass(frozen=True, slots=True)
class Frame:
    """pdfminer's page transform (/Rotate applied) followed by pdfplumber's flip to top-down."""

    ctm: Matrix
    width: float
    height: float
    x_shift: float  # pdfplumber adds the MediaBox's left edge back to x
    top_shift: float

    @classmethod
    def of(cls, mediabox: tuple[float, float, float, float], rotation: int) -> Frame:
        x0, x1 = sorted((mediabox[0], mediabox[2]))
        y0, y1 = sorted((mediabox[1], mediabox[3]))
        ctm = {  # pdfminer's PDFPageInterpreter.process_page
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        box = (y0, x0, y1, x1) if rotation in (90, 270) else (x0, y0, x1, y1)  # pdfplumber's _normalize_box
        return cls(ctm, box[2] - box[0], box[3] - box[1], box[0], -box[1])

    @property
    def size(self) -> tuple[float, float]:
        return self.width, self.height

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A user-space point in pdfminer's space (origin bottom-left of the page as shown)."""
        a, b, c, d, e, f = self.ctm
        return a * x + c * y + e, b * x + d * y + f

    def box(self, points: list[tuple[float, float]]) -> BBox:
        """The top-down box round points already in pdfminer's space."""
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return (
            min(xs) + self.x_shift,
            self.height - max(ys) + self.top_shift,
            max(xs) + self.x_shift,
            self.height - min(ys) + self.top_shift,
        )


def multiply(m1: Matrix, m2: Matrix) -> Matrix:
    """m1 then m2 (row vectors: p · m1 · m2)."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


# --------------------------------------------------------------------------- text
@dataclass(frozen=True, slots=True)
class Face:
    """What a text object's font and size give every character it draws."""

    name: str
    font: int  # PDFium's FPDF_FONT handle (0: none), valid while the page is open
    descent: float  # below the baseline, as a share of the font size (negative)
    size: float  # the font size the text object sets (Tf)
    afm: dict[str, int] | None = None  # a standard font's widths by character, from Adobe's metrics
    widths: dict[int, float | None] = field(
        default_factory=dict, compare=False, repr=False
    )  # advances asked so far, by code

    def advance(self, code: int) -> float | None:
        """How far the character ``code`` moves the pen, from the font's /Widths as pdfminer
        takes them; None when the font gives no width."""
        found = self.widths.get(code, -1.0)
        if found == -1.0:
            width = ctypes.c_float()
            ok = self.font and PDFIUM.FPDFFont_GetGlyphWidth(self.font, code, self.size, width) and width.value
            found = self.widths[code] = abs(width.value) if ok else None
        return found


class Probe:
    """The out-parameters PDFium's getters write to, made once per page instead of once per call
    (a ctypes value costs about as much as the call it serves; a page asks ~50,000 times)."""

    __slots__ = (
        "alpha",
        "blue",
        "fill_mode",
        "green",
        "loose",
        "matrix",
        "point_x",
        "point_y",
        "red",
        "size",
        "stroke",
    )

    def __init__(self) -> None:
        self.matrix = PDFIUM.FS_MATRIX()
        self.red, self.green, self.blue, self.alpha = (ctypes.c_uint() for _ in range(4))
        self.size = ctypes.c_float()
        self.fill_mode, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.loose = PDFIUM.FS_RECTF()
        self.point_x, self.point_y = ctypes.c_float(), ctypes.c_float()

    def white(self, getter, *target) -> bool:
        """Whether PDFium's colour getter (a text's fill, a path's stroke or fill) says white, by
        the readers' one rule (pages.is_white); no colour is not white."""
        if not getter(*target, self.red, self.green, self.blue, self.alpha):
            return False
        return white_rgb(self.red.value, self.green.value, self.blue.value)


@dataclass(frozen=True, slots=True)
class Run:
    """What one text object gives each of its characters."""

    face: Face
    linear: tuple[float, float, float, float]  # the text's matrix, without the translation
    white: bool
    level: bool  # set upright along the page's axes on a page not turned: the box is two sums
    rise: tuple[float, float] = (0.0, 0.0)  # for level text: from the baseline to the box's bottom and top


def read_glyphs(
    textpage: int, frame: Frame, descents: dict[bytes, float], known: dict[int, tuple[str, float]]
) -> list[Glyph]:
    """Every character PDFium found (not those it inferred), one sweep, ligatures kept whole.
    What is the same for a text object (font, matrix, colour) is asked once per object, a
    glyph's width once per font, size and character."""
    is_generated, unicode_of = PDFIUM.FPDFText_IsGenerated, PDFIUM.FPDFText_GetUnicode
    object_of, origin_of = PDFIUM.FPDFText_GetTextObject, PDFIUM.FPDFText_GetCharOrigin
    map_error = PDFIUM.FPDFText_HasUnicodeMapError
    count = PDFIUM.FPDFText_CountChars(textpage)
    runs: dict[int, Run] = {}
    faces: dict[tuple[int, float], Face] = {}
    drift: dict[int, float] = {}  # per text object: how far Adobe's metrics have moved its glyphs
    ox, oy = ctypes.c_double(), ctypes.c_double()
    probe = Probe()
    upright_page = frame.ctm[:4] == IDENTITY[:4]
    glyphs: list[Glyph] = []
    append = glyphs.append
    last_key, last_x, last_y = 0, 0.0, 0.0
    skip = False
    for index in range(count):
        if skip or is_generated(textpage, index):  # spaces and line breaks PDFium inferred
            skip = False
            continue
        code = unicode_of(textpage, index)
        if 0xD800 <= code < 0xDC00 and index + 1 < count:  # a character beyond the BMP, as a surrogate pair
            low = unicode_of(textpage, index + 1)
            if 0xDC00 <= low < 0xE000:
                code, skip = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), True
        unmapped = map_error(textpage, index)
        text = f"(cid:{code})" if unmapped or code == 0 else "" if code >= PRIVATE_PLANES else chr(code)
        key = object_of(textpage, index) or 0
        origin_of(textpage, index, ox, oy)
        x, y = ox.value, oy.value
        if x == last_x and y == last_y and key == last_key and glyphs and text.strip() and glyphs[-1].char.text.strip():
            glyphs[-1].char.text += text  # PDFium splits a ligature (fl, ——) into characters at one origin
            continue
        last_key, last_x, last_y = key, x, y
        run = runs.get(key)
        if run is None:
            run = runs[key] = text_run(probe, textpage, index, key, faces, descents, known, upright_page)
        face = run.face
        advance = face.advance(code)
        if face.afm is not None and advance is not None:
            # a standard font: pdfminer sets it with Adobe's metrics, PDFium with its stand-in's
            shift = drift.get(key, 0.0)
            x, y = x + run.linear[0] * shift, y + run.linear[1] * shift
            standard = face.afm.get(text)
            if standard is not None:
                drift[key] = shift + standard * face.size / 1000 - advance
                advance = standard * face.size / 1000
        if run.level and advance is not None:
            append(Glyph(level_char(text, x, y, advance, run, frame), run.white))
        else:
            loose = probe.loose
            PDFIUM.FPDFText_GetLooseCharBox(textpage, index, loose)
            append(Glyph(char_of(text, (x, y), run.linear, advance, loose, face, frame), run.white))
    return glyphs


def text_run(
    probe: Probe,
    textpage: int,
    index: int,
    obj: int,
    faces: dict[tuple[int, float], Face],
    descents: dict[bytes, float],
    known: dict[int, tuple[str, float]],
    upright_page: bool,
) -> Run:
    matrix, size = probe.matrix, probe.size
    PDFIUM.FPDFText_GetMatrix(textpage, index, matrix)
    white = probe.white(PDFIUM.FPDFText_GetFillColor, textpage, index)
    font = PDFIUM.FPDFTextObj_GetFont(obj) if obj else None
    if not font or not PDFIUM.FPDFTextObj_GetFontSize(obj, size):
        face = Face("", 0, 0.0, 0.0)
    else:
        face_key = (font, size.value)
        face = faces.get(face_key) or faces.setdefault(face_key, text_face(font, size.value, descents, known))
    a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
    level = upright_page and abs(b) < AXIS_SLACK and abs(c) < AXIS_SLACK and a > 0 and d > 0
    low = face.descent * face.size
    return Run(face, (a, b, c, d), white, level, (d * low, d * (low + face.size)))


def level_char(text: str, x: float, y: float, advance: float, run: Run, frame: Frame) -> Char:
    """char_of for the usual glyph: upright, on a page not turned (two sums, no corners)."""
    top = frame.height - (y + run.rise[1] + frame.ctm[5]) + frame.top_shift
    bottom = frame.height - (y + run.rise[0] + frame.ctm[5]) + frame.top_shift
    left = x + frame.ctm[4] + frame.x_shift
    return Char(text, left, top, left + run.linear[0] * advance, bottom, bottom - top, run.face.name, True)


def address(pointer) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def char_of(
    text: str,
    origin: tuple[float, float],
    linear: tuple[float, float, float, float],
    advance: float | None,
    loose,
    face: Face,
    frame: Frame,
) -> Char:
    """pdfminer's LTChar box: from the baseline origin, the advance along the text's direction,
    and from descent to descent + font size across it, through the character's matrix."""
    a, b, c, d = linear
    if advance is None:  # no width for the character: PDFium's own box says how far it runs
        if abs(b) < AXIS_SLACK and abs(c) < AXIS_SLACK and a:
            advance = (loose.right - loose.left) / abs(a)
        elif abs(a) < AXIS_SLACK and abs(d) < AXIS_SLACK and b:
            advance = (loose.top - loose.bottom) / abs(b)
        else:  # slanted text: PDFium's own box (ascent to descent), close enough for a rotated stamp
            corners = [(loose.left, loose.bottom), (loose.right, loose.top)]
            return make_char(text, frame, [frame.point(*p) for p in corners], face, (a, b, c, d))
    low, high = face.descent * face.size, (face.descent + 1) * face.size
    x, y = origin
    corners = [(x + a * s + c * t, y + b * s + d * t) for s in (0.0, advance) for t in (low, high)]
    return make_char(text, frame, [frame.point(*p) for p in corners], face, (a, b, c, d))


def make_char(
    text: str, frame: Frame, points: list[tuple[float, float]], face: Face, linear: tuple[float, ...]
) -> Char:
    x0, top, x1, bottom = frame.box(points)
    ra, rb, rc, rd = frame.ctm[:4]
    a, b, c, d = linear
    # pdfminer's upright test on the character's matrix after the page's /Rotate
    a2, b2, c2, d2 = a * ra + b * rc, a * rb + b * rd, c * ra + d * rc, c * rb + d * rd
    return Char(
        text=text,
        x0=x0,
        top=top,
        x1=x1,
        bottom=bottom,
        size=bottom - top,
        font=face.name,
        upright=a2 * d2 > 0 and b2 * c2 <= 0,
    )


def text_face(font: int, size: float, descents: dict[bytes, float], known: dict[int, tuple[str, float]]) -> Face:
    if font in known:  # from the content stream: fonts_from_the_stream
        name, descent = known[font]
        return Face(name, font, descent, size)
    raw = font_name(font)
    descent = descents.get(raw, descents.get(b"+" + SUBSET_TAG.sub(b"", raw)))  # PDFium drops some subset tags
    if descent is None:  # a Type 3 font, or a name two fonts share: PDFium's own metrics
        measured = ctypes.c_float()
        PDFIUM.FPDFFont_GetDescent(font, 1000.0, measured)
        descent = -abs(measured.value) / 1000
    standard = standard_metrics(raw)
    return Face(decode_name(raw), font, descent, size, standard[1] if standard else None)


def font_name(font: int) -> bytes:
    length = PDFIUM.FPDFFont_GetBaseFontName(font, None, 0)
    if length <= 1:
        return b""
    buffer = ctypes.create_string_buffer(length)
    PDFIUM.FPDFFont_GetBaseFontName(font, buffer, length)
    return buffer.raw[: length - 1]


def decode_name(raw: bytes) -> str:
    """A font name as text: most are ASCII, Chinese producers write GBK (宋体 as CB CE CC E5)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


@dataclass(slots=True)
class Facts:
    """What PDFium does not say as pdfminer does, read by pikepdf (open while the pages are read)."""

    descents: dict[bytes, float]  # each font's descent by name, and by "+" and its name without the subset tag
    mediaboxes: list[tuple[float, float, float, float] | None]  # in the file's own digits, not PDFium's floats
    source: object = None  # the pikepdf.Pdf, for fonts PDFium knows no name for (Type 3) or the writing mode of
    vertical: set[bytes] = field(default_factory=set)  # names (untagged) of fonts writing top to bottom (Identity-V)

    def close(self) -> None:
        if self.source is not None:
            self.source.close()  # type: ignore[attr-defined]

    def shown_fonts(self, index: int) -> list:
        """Page ``index``'s font dictionaries in the order the page first shows text in them
        (PDFium's text objects meet them in the same order)."""
        if self.source is None:
            return []
        try:
            page = self.source.pages[index]  # type: ignore[attr-defined]
            return first_shown(page.obj, page.obj.get("/Resources"), 0, None, [], set())
        except Exception:  # a content stream qpdf cannot parse: PDFium's metrics, no names
            return []


def document_facts(data: bytes) -> Facts:
    """Fonts' /Descent as pdfminer reads it (never positive; a name two fonts give different
    descents is left out) and the pages' MediaBoxes."""
    import pikepdf

    found: dict[bytes, set[float]] = {}
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, ValueError, RuntimeError):
        return Facts({}, [])
    vertical: set[bytes] = set()
    for font in document_fonts(pdf):
        name, descent = font_descent(font)
        if name is not None and is_vertical(font):
            vertical.add(untagged(name))
        if name is not None and descent is not None:
            found.setdefault(name, set()).add(descent)
            found.setdefault(b"+" + SUBSET_TAG.sub(b"", name), set()).add(descent)
    boxes = [page_box(page) for page in pdf.pages]
    return Facts({name: values.pop() for name, values in found.items() if len(values) == 1}, boxes, pdf, vertical)


def untagged(name: bytes) -> bytes:
    """A font's name without its subset tag (PDFium drops some)."""
    return SUBSET_TAG.sub(b"", name)


def is_vertical(font) -> bool:
    """A composite font whose CMap writes top to bottom (Identity-V, UniGB-UCS2-V…)."""
    import pikepdf

    encoding = font.get("/Encoding")
    if isinstance(encoding, pikepdf.Stream):
        encoding = encoding.get("/CMapName")
    return font.get("/Subtype") == "/Type0" and isinstance(encoding, pikepdf.Name) and str(encoding).endswith("-V")


SHOW_TEXT = {"Tj", "TJ", "'", '"'}


def first_shown(stream, resources, depth: int, current, order: list, seen: set) -> list:
    """Walk a content stream (and the forms it draws) as an interpreter would for the font
    state only: Tf sets it, q/Q save and restore it; note each font at its first text."""
    import pikepdf

    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    forms = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    saved = []
    for operands, operator in pikepdf.parse_content_stream(stream):
        op = str(operator)
        if op == "q":
            saved.append(current)
        elif op == "Q" and saved:
            current = saved.pop()
        elif op == "Tf" and operands and isinstance(fonts, pikepdf.Dictionary):
            current = fonts.get(operands[0])
        elif op in SHOW_TEXT and isinstance(current, pikepdf.Dictionary):
            key = current.objgen if current.is_indirect else id(current)
            if key not in seen:
                seen.add(key)
                order.append(current)
        elif op == "Do" and operands and isinstance(forms, pikepdf.Dictionary) and depth < MAX_FORM_DEPTH:
            form = forms.get(operands[0])
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                first_shown(form, form.get("/Resources", resources), depth + 1, current, order, seen)
    return order


def type3_face(font) -> tuple[str, float]:
    """A Type 3 font's name (its descriptor's FontName) and descent as pdfminer takes them:
    the FontBBox's bottom through the FontMatrix, 0 when the descriptor has no FontBBox."""
    import pikepdf

    descriptor = font.get("/FontDescriptor")
    name = descriptor.get("/FontName") if isinstance(descriptor, pikepdf.Dictionary) else None
    box = descriptor.get("/FontBBox") if isinstance(descriptor, pikepdf.Dictionary) else font.get("/FontBBox")
    matrix = font.get("/FontMatrix")
    try:
        vscale = float(matrix[1]) + float(matrix[3])
        descent = float(box[1]) * vscale if isinstance(box, pikepdf.Array) else 0.0
    except (TypeError, ValueError, IndexError):
        descent = 0.0
    return (decode_name(name_bytes(name)) if isinstance(name, pikepdf.Name) else "unknown"), descent


def page_box(page) -> tuple[float, float, float, float] | None:
    try:
        box = tuple(float(v) for v in page.mediabox)
    except (TypeError, ValueError, RuntimeError):
        return None
    return box if len(box) == 4 else None  # type: ignore[return-value]


def document_fonts(pdf) -> Iterator:
    """Every font dictionary the pages and the forms they draw name, each once."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        stack = [(page.obj.get("/Resources"), 0)]
        while stack:
            resources, depth = stack.pop()
            if not isinstance(resources, pikepdf.Dictionary) or depth > MAX_FORM_DEPTH:
                continue
            if resources.is_indirect:
                if resources.objgen in seen:
                    continue
                seen.add(resources.objgen)
            fonts = resources.get("/Font")
            if isinstance(fonts, pikepdf.Dictionary):
                yield from (f for f in fonts.values() if isinstance(f, pikepdf.Dictionary))
            forms = resources.get("/XObject")
            if isinstance(forms, pikepdf.Dictionary):
                for form in forms.values():
                    if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                        stack.append((form.get("/Resources"), depth + 1))


def font_descent(font) -> tuple[bytes | None, float | None]:
    """The font's name and its descent as pdfminer takes it: a standard font's (or an alias's,
    Arial, SimSun…) from pdfminer's AFM table, else the descriptor's (the descendant's for a
    composite font), 0 when there is none; None for Type 3 fonts, whose glyphs are drawings."""
    import pikepdf

    name = font.get("/BaseFont")
    subtype = font.get("/Subtype")
    if not isinstance(name, pikepdf.Name) or subtype == "/Type3":
        return None, None
    raw = name_bytes(name)
    spec = font
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if (
            isinstance(descendants, pikepdf.Array)
            and len(descendants)
            and isinstance(descendants[0], pikepdf.Dictionary)
        ):
            spec = descendants[0]
    else:
        standard = standard_metrics(raw)
        if standard is not None:
            return raw, -abs(float(standard[0].get("Descent", 0))) / 1000
    descriptor = spec.get("/FontDescriptor")
    value = descriptor.get("/Descent", 0) if isinstance(descriptor, pikepdf.Dictionary) else 0
    try:
        descent = float(value)
    except (TypeError, ValueError):
        descent = 0.0
    return raw, -abs(descent) / 1000


def standard_metrics(name: bytes) -> tuple[dict, dict[str, int]] | None:
    """pdfminer's Adobe font metrics (descriptor, widths by character) for a font named as a
    standard one (Helvetica, Times-Roman, Arial, Courier…): it sets such a font with them,
    whatever the PDF says."""
    from pdfminer.fontmetrics import FONT_METRICS

    return FONT_METRICS.get(name.decode("latin-1"))


def name_bytes(name) -> bytes:
    """A PDF name's bytes, #xx escapes undone, without the slash."""
    raw = bytes(name.unparse())[1:]
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


# --------------------------------------------------------------------------- paths and images
class Drawing:
    """The page's painted paths as pdfminer's lines, rectangles and curves, and its image boxes."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.strokes: list[Stroke] = []
        self.images: list[BBox] = []
        self.curves = 0
        self.unnamed_fonts: list[int] = []  # fonts with no /BaseFont, by address, in the order text first uses them
        self.fonts: list[int] = []  # every font, by address, in the order text first uses it
        self.fonts_seen: set[int] = set()
        self.probe = Probe()

    def walk(self, container: int, matrix: Matrix, depth: int, form: bool = False) -> None:
        count = (PDFIUM.FPDFFormObj_CountObjects if form else PDFIUM.FPDFPage_CountObjects)(container)
        get = PDFIUM.FPDFFormObj_GetObject if form else PDFIUM.FPDFPage_GetObject
        kind_of, matrix_of = PDFIUM.FPDFPageObj_GetType, PDFIUM.FPDFPageObj_GetMatrix
        text, path, image, form_kind = (
            PDFIUM.FPDF_PAGEOBJ_TEXT,
            PDFIUM.FPDF_PAGEOBJ_PATH,
            PDFIUM.FPDF_PAGEOBJ_IMAGE,
            PDFIUM.FPDF_PAGEOBJ_FORM,
        )
        own = PDFIUM.FS_MATRIX()
        for index in range(max(count, 0)):
            obj = get(container, index)
            kind = kind_of(obj)
            if kind == text:
                self.note_font(obj)
                continue
            if kind not in (path, image, form_kind):
                continue
            if not matrix_of(obj, own):
                continue
            placed = multiply((own.a, own.b, own.c, own.d, own.e, own.f), matrix)
            if kind == path:
                self.path(obj, placed)
            elif kind == image:
                corners = [self.frame.point(*apply(placed, x, y)) for x in (0.0, 1.0) for y in (0.0, 1.0)]
                self.images.append(self.frame.box(corners))
            elif depth < MAX_FORM_DEPTH:
                self.walk(obj, placed, depth + 1, form=True)

    def note_font(self, obj: int) -> None:
        font = PDFIUM.FPDFTextObj_GetFont(obj)
        if font and font not in self.fonts_seen:
            self.fonts_seen.add(font)
            self.fonts.append(font)
            if PDFIUM.FPDFFont_GetBaseFontName(font, None, 0) <= 1:
                self.unnamed_fonts.append(font)

    def path(self, obj: int, matrix: Matrix) -> None:
        probe = self.probe
        if not PDFIUM.FPDFPath_GetDrawMode(obj, probe.fill_mode, probe.stroke):
            return
        stroked = bool(probe.stroke.value) and not probe.white(PDFIUM.FPDFPageObj_GetStrokeColor, obj)
        filled = bool(probe.fill_mode.value) and not probe.white(PDFIUM.FPDFPageObj_GetFillColor, obj)
        for shape, points in subpaths(obj, matrix, self.frame, probe):
            self.paint(shape, points, stroked or filled)

    def paint(self, shape: str, points: list[tuple[float, float]], visible: bool) -> None:
        """pdfminer's paint_path for one subpath, then pdfplumber's edges of what it made."""
        if len(shape) > 3 and shape[-2:] == "lh" and points[-2] == points[0]:
            shape, points = shape[:-2] + "h", points[:-1]
        if shape in ("mlh", "ml"):
            x0, top, x1, bottom = self.frame.box(points[:2])
            self.strokes.append(Stroke("h" if top == bottom else "v", x0, top, x1, bottom, visible))
            return
        if shape in ("mlllh", "mllll") and points[0] == points[4]:
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points[:4]
            if (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0):
                left, top, right, bottom = self.frame.box([points[0], points[2]])
                self.strokes += [
                    Stroke("h", left, top, right, top, visible),
                    Stroke("h", left, bottom, right, bottom, visible),
                    Stroke("v", left, top, left, bottom, visible),
                    Stroke("v", right, top, right, bottom, visible),
                ]
                return
        self.curves += 1
        height = self.frame.height
        flipped = [(x, height - y) for x, y in points]  # pdfplumber's point2coord: no MediaBox shift
        for (px, py), (qx, qy) in itertools.pairwise(flipped):
            orientation = "v" if px == qx else ("h" if py == qy else None)
            self.strokes.append(Stroke(orientation, min(px, qx), min(py, qy), max(px, qx), max(py, qy), visible))


@cache
def white_rgb(red: int, green: int, blue: int) -> bool:
    return is_white((red / 255, green / 255, blue / 255))


def subpaths(obj: int, matrix: Matrix, frame: Frame, probe: Probe) -> Iterator[tuple[str, list[tuple[float, float]]]]:
    """The path as pdfminer sees it: one (operators, end points) per subpath, points in
    pdfminer's space; a Bézier is one "c" at its end point, a closed subpath ends in "h" at
    its start."""
    segment_of, kind_of = PDFIUM.FPDFPath_GetPathSegment, PDFIUM.FPDFPathSegment_GetType
    point_of, closes = PDFIUM.FPDFPathSegment_GetPoint, PDFIUM.FPDFPathSegment_GetClose
    move, line, curve = PDFIUM.FPDF_SEGMENT_MOVETO, PDFIUM.FPDF_SEGMENT_LINETO, PDFIUM.FPDF_SEGMENT_BEZIERTO
    ma, mb, mc, md, me, mf = matrix
    fa, fb, fc, fd, fe, ff = frame.ctm
    count = PDFIUM.FPDFPath_CountSegments(obj)
    x, y = probe.point_x, probe.point_y
    shape, points, bezier = "", [], 0
    for index in range(max(count, 0)):
        segment = segment_of(obj, index)
        kind = kind_of(segment)
        point_of(segment, x, y)
        px, py = x.value, y.value
        # apply(matrix, …) then frame.point, written out: the same operations in the same order
        ux, uy = ma * px + mc * py + me, mb * px + md * py + mf
        point = (fa * ux + fc * uy + fe, fb * ux + fd * uy + ff)
        if kind == move:
            if len(shape) > 1:
                yield shape, points
            shape, points, bezier = "m", [point], 0
        elif kind == line:
            shape += "l"
            points.append(point)
        elif kind == curve:
            bezier += 1
            if bezier % 3:
                continue  # a control point: pdfminer keeps only where the curve ends
            shape += "c"
            points.append(point)
        else:
            continue
        if closes(segment) and points:
            shape += "h"
            points.append(points[0])
    if len(shape) > 1 and shape[0] == "m":
        yield shape, points
