"""Read stage: a PDF (pdfplumber) or extracted text file into a RawDocument.

Owns: opening files and turning every failure into a one-line ReadError; per page, the
de-duplicated characters ("fake bold" doubles removed), visible ruling-line edges, image
boxes, and a quality verdict (ok / no_text / garbled / blank) so that a page whose text layer
is missing or decodes to nonsense is flagged for OCR instead of yielding garbage.
Plain .txt input (text as extracted from a PDF, tab-separated table rows) becomes pages of
text lines, split where a run of blank lines marks a page break.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import ReadError
from .model import BBox, Char, Edge, RawDocument, RawPage
from .preflight import preflight
from .quality import PageEvidence, is_unmapped, judge_page, judge_page_text
from .settings import LIMITS

Progress = Callable[..., None]  # progress(pages=N) once the page count is known, progress(page=k) per page

# pdfminer logs every damaged object at WARNING; the page verdicts carry what matters
logging.getLogger("pdfminer").setLevel(logging.ERROR)

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # readers accept junk (a byte-order mark, an HTTP header) before %PDF- within 1 KB
MIN_EDGE = 2.0  # points: shorter strokes are glyph parts or dots, not ruling lines
DEDUPE_TOLERANCE = 1.0  # points: pdfplumber's documented default for fake-bold doubles


def read_document(path: str | Path, doc_id: str | None = None, progress: Progress | None = None) -> RawDocument:
    path = Path(path)
    data = read_input(path)
    sha = hashlib.sha256(data).hexdigest()
    doc_id = doc_id or path.stem
    if reading_kind(path) == "text":
        return read_text(path, doc_id, data, sha)
    if PDF_MAGIC not in data[:PDF_HEADER_WINDOW]:
        kind = sniff_kind(data)
        raise ReadError(f"not a PDF (content looks like {kind})")
    return read_pdf(path, doc_id, data, sha, progress)


def display_path(path: str | Path) -> str:
    """A path for outputs and messages: bytes that are not UTF-8 shown escaped (\\xbd), never a crash."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def reading_kind(path: Path) -> str:
    """How a file is read: .txt/.text as extracted text, everything else as a PDF."""
    return "text" if path.suffix.lower() in (".txt", ".text") else "pdf"


def read_input(path: Path) -> bytes:
    """The file's bytes, or a ReadError naming why they cannot be had."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReadError("file not found") from None
    except OSError as exc:
        raise ReadError(f"cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReadError("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ReadError("not a regular file (a pipe, socket or device); copy the document to a file first")
    if info.st_size > LIMITS.max_input_mb * 1_000_000:
        raise ReadError(
            f"file is {info.st_size / 1e9:.1f} GB; files over {LIMITS.max_input_mb / 1000:g} GB are not read"
        )
    try:
        data = path.read_bytes()
    except PermissionError:
        raise ReadError("permission denied: the file cannot be read by this user") from None
    except OSError as exc:
        raise ReadError(f"cannot read the file ({exc.strerror or exc})") from None
    if not data:
        raise ReadError("empty file (0 bytes)")
    return data


def sniff_kind(data: bytes) -> str:
    signatures = {
        b"\xff\xd8\xff": "a JPEG image",
        b"\x89PNG": "a PNG image",
        b"PK\x03\x04": "a ZIP/Office file",
        b"\xd0\xcf\x11\xe0": "an old Office file",
        b"GIF8": "a GIF image",
        b"II*\x00": "a TIFF image",
        b"MM\x00*": "a TIFF image",
        b"<html": "HTML",
        b"<!DOCTYPE": "HTML",
    }
    for magic, kind in signatures.items():
        if data.startswith(magic):
            return kind
    try:  # incremental: a character cut at the 4 KB mark is not an error
        codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=False)
        return "plain text; rename it to .txt to read it as text"
    except UnicodeDecodeError:
        return "unknown binary data"


# --------------------------------------------------------------------------- PDF
def read_pdf(path: Path, doc_id: str, data: bytes, sha: str, progress: Progress | None = None) -> RawDocument:
    import pdfplumber

    checked = preflight(path, data)
    if progress:
        progress(pages=checked.pages)
    try:
        pdf = pdfplumber.open(io.BytesIO(checked.data))
    except Exception as exc:  # pdfplumber wraps pdfminer's many error types
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        raise ReadError(f"corrupt PDF: {one_line(cause)}") from exc
    with pdf:
        try:
            page_list = list(pdf.pages)
        except Exception as exc:
            raise ReadError(f"corrupt PDF: page tree unreadable ({type(exc).__name__})") from exc
        if not page_list:
            raise ReadError("PDF has no pages")
        pages = list(read_pages(page_list, progress))
        metadata = {k: str(v) for k, v in (pdf.metadata or {}).items() if isinstance(v, str | bytes | int)}
    warnings = [f"repaired by qpdf: {'; '.join(checked.repairs)}"] if checked.repairs else []
    return RawDocument(
        doc_id=doc_id,
        path=display_path(path),
        sha256=sha,
        kind="pdf",
        pages=pages,
        metadata=metadata,
        warnings=warnings,
        data=checked.data,
    )


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def read_pages(page_list: list, progress: Progress | None = None) -> Iterator[RawPage]:
    for page in page_list:
        try:
            yield read_page(page)
        except Exception as exc:  # a damaged content stream spoils one page, not the document
            yield RawPage(
                number=page.page_number,
                width=float(page.width or 0),
                height=float(page.height or 0),
                quality="garbled",
                quality_detail=f"page content unreadable ({one_line(exc)[:100]})",
            )
        finally:
            page.close()  # release the parsed layout: memory stays flat on long documents
        if progress:
            progress(page=page.page_number)


def read_page(page) -> RawPage:
    every = dedupe_chars(page.chars)
    chars = [to_char(c) for c in every if visible_char(c)]
    edges = [e for e in (to_edge(obj) for obj in page.edges if visible_edge(obj)) if e is not None]
    images: list[BBox] = [(float(i["x0"]), float(i["top"]), float(i["x1"]), float(i["bottom"])) for i in page.images]
    raw = RawPage(
        number=page.page_number,
        width=float(page.width),
        height=float(page.height),
        chars=chars,
        edges=edges,
        images=images,
        rotation=int(page.rotation or 0) % 360,
    )
    if raw.rotation in (90, 270) and chars and sum(not c.upright for c in chars) > len(chars) / 2:
        unrotate(raw)
    evidence = PageEvidence(
        text="".join(c.text for c in chars),
        glyphs=len(every),
        unmapped=sum(is_unmapped(c["text"]) for c in every),
        image_cover=covered_share(images, raw.width, raw.height),
        curves=len(page.curves),
        edges=len(edges),
    )
    raw.quality, raw.quality_detail = judge_page(evidence)
    return raw


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
    page.edges = [Edge("v" if e.orientation == "h" else "h", *box(e.x0, e.top, e.x1, e.bottom)) for e in page.edges]
    page.images = [box(*b) for b in page.images]
    page.width, page.height = height, width


def dedupe_chars(chars: list[dict], tolerance: float = DEDUPE_TOLERANCE) -> list[dict]:
    """pdfplumber's dedupe_chars in n·log n: a glyph drawn twice (fake bold) at the same place, in
    the same font and size, is kept once. Same clustering, same survivor, same order as
    ``pdfplumber.utils.dedupe_chars``, whose final ``sorted(key=chars.index)`` is quadratic
    (a 20,000-character page took 209 s)."""
    groups: dict[tuple, list[int]] = {}
    for index, c in enumerate(chars):
        groups.setdefault((c["upright"], c["text"], c["fontname"], c["size"]), []).append(index)
    keep: list[int] = []
    for members in groups.values():
        if len(members) == 1:
            keep.extend(members)
            continue
        for row in clusters(members, [chars[i]["doctop"] for i in members], tolerance):
            for spot in clusters(row, [chars[i]["x0"] for i in row], tolerance):
                keep.append(min(spot, key=lambda i: (chars[i]["doctop"], chars[i]["x0"], i)))
    keep.sort()
    return [chars[i] for i in keep]


def clusters(members: list[int], values: list[float], tolerance: float) -> list[list[int]]:
    """Members grouped by value, chaining values no more than ``tolerance`` apart (pdfplumber's
    cluster_objects): each group in the members' order."""
    cluster_of: dict[float, int] = {}
    current, last = -1, None
    for value in sorted(set(values)):
        if last is None or value > last + tolerance:
            current += 1
        cluster_of[value] = current
        last = value
    grouped: dict[int, list[int]] = {}
    for member, value in zip(members, values):
        grouped.setdefault(cluster_of[value], []).append(member)
    return [grouped[k] for k in sorted(grouped)]


def to_char(c: dict) -> Char:
    return Char(
        text=c["text"],
        x0=float(c["x0"]),
        top=float(c["top"]),
        x1=float(c["x1"]),
        bottom=float(c["bottom"]),
        size=float(c.get("size") or (c["bottom"] - c["top"])),
        font=str(c.get("fontname", "")),
        upright=bool(c.get("upright", True)),
    )


def is_white(color: object) -> bool:
    if color is None:
        return False
    if isinstance(color, int | float):
        return float(color) >= 0.98
    if isinstance(color, list | tuple):
        values = [float(v) for v in color if isinstance(v, int | float)]
        if len(values) == 1:
            return values[0] >= 0.98
        if len(values) == 3:
            return min(values) >= 0.98
        if len(values) == 4:  # CMYK: white is no ink
            return max(values) <= 0.02
    return False


def visible_char(c: dict) -> bool:
    return bool(c["text"].strip()) and not is_white(c.get("non_stroking_color"))


def visible_edge(obj: dict) -> bool:
    """Ruling lines are stroked in a visible colour, or thin filled bars; white or unpainted shapes are not."""
    if obj.get("object_type") == "curve" and obj.get("orientation") is None:
        return False
    stroked = obj.get("stroke", True) and not is_white(obj.get("stroking_color"))
    filled = obj.get("fill", False) and not is_white(obj.get("non_stroking_color"))
    return bool(stroked or filled)


def to_edge(obj: dict) -> Edge | None:
    orientation = obj.get("orientation")
    x0, top, x1, bottom = float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"])
    if orientation == "h" and x1 - x0 >= MIN_EDGE:
        return Edge("h", x0, top, x1, bottom)
    if orientation == "v" and bottom - top >= MIN_EDGE:
        return Edge("v", x0, top, x1, bottom)
    return None


# --------------------------------------------------------------------------- text
def read_text(path: Path, doc_id: str, data: bytes, sha: str) -> RawDocument:
    for encoding in ("utf-8-sig", "gb18030", "big5"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReadError("text file in an unknown encoding (tried UTF-8, GB18030, Big5)")
    if "\x00" in text:
        raise ReadError("binary data in a .txt file")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    if not text.strip():
        raise ReadError("text file has no text")
    lines = [re.sub(r"[ \u3000]+$", "", line) for line in text.split("\n")]
    page = RawPage(number=1, width=0.0, height=0.0, text_lines=lines)
    page.quality, page.quality_detail = judge_page_text(text, False, 0)
    return RawDocument(doc_id=doc_id, path=display_path(path), sha256=sha, kind="text", pages=[page])
