"""Preflight: a PDF checked, and repaired where it must be, by qpdf before the text reader parses it.

Owns: what the PDF parser (pdfminer, under pdfplumber) must never see, because it would hang, run
out of memory or fail with a message nobody can act on: a file qpdf cannot open (its reason in one
line), a password, a page tree or object references that loop, pages whose content inflates past
the limit (decompression bombs). A file qpdf had to repair (damaged cross-reference table or
trailer, a missing MediaBox, broken objects, reference loops, a page tree whose /Count is not
the pages it holds) is read from qpdf's repaired copy,
and the document says so. An encrypted file that opens without a password is handed on decrypted.
"""

from __future__ import annotations

import binascii
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReadError
from .settings import LIMITS

MB = 1_000_000
CHUNK = 1 << 20  # inflate a stream a megabyte at a time, so a bomb is stopped early


@dataclass(frozen=True)
class Preflight:
    data: bytes  # what the reader should parse: the file itself, or qpdf's repaired copy
    pages: int
    repairs: list[str] = field(default_factory=list)  # what qpdf had to repair, empty when nothing


def preflight(path: Path, data: bytes, password: str = "") -> Preflight:
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data), password=password)
    except pikepdf.PasswordError as exc:
        if password:
            raise ReadError("encrypted PDF: the password given (--password) does not open it") from exc
        raise ReadError("encrypted PDF: a password is needed to open it (give it with --password)") from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise ReadError(f"corrupt PDF: {qpdf_reason(exc, path)}") from exc
    with pdf:
        try:
            pages = list(pdf.pages)
        except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
            raise ReadError(f"corrupt PDF: page tree unreadable ({qpdf_reason(exc, path)})") from exc
        if not pages:
            raise ReadError("PDF has no pages")
        seen: set[tuple[int, int]] = set()  # fonts and forms shared by pages are inflated once, as the parser does
        for number, page in enumerate(pages, start=1):
            check_page_content(page, number, seen)
        repairs = [qpdf_reason(w, path) for w in pdf.get_warnings()]
        declared = declared_pages(pdf)
        if declared != len(pages):  # PDFium believes /Count; qpdf's copy says what the tree holds
            said = "no page count" if declared is None else f"{declared} pages"
            repairs.append(f"its page tree says {said} but holds {len(pages)}")
        if not repairs and not pdf.is_encrypted:
            return Preflight(data, len(pages))
        copy = io.BytesIO()
        try:
            pdf.save(copy, encryption=False)
        except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
            raise ReadError(f"corrupt PDF: qpdf could not repair it ({qpdf_reason(exc, path)})") from exc
        return Preflight(copy.getvalue(), len(pages), summarise(repairs))


def declared_pages(pdf) -> int | None:
    """The page count the page tree's root declares (/Count), None when it declares none."""
    try:
        count = pdf.Root.Pages.get("/Count")
        return int(count) if count is not None else None
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return None


def qpdf_reason(message: object, path: Path) -> str:
    """qpdf's message without the file name it starts with (the batch names the file itself)."""
    text = " ".join(str(message).split())
    text = re.sub(r"^stream <[^>]*>", "", text)  # qpdf's name for a file opened from memory
    for prefix in (str(path), path.name):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = re.sub(r"^[\s:,]*(?:\((?:object|offset|xref)[^)]*\)|object \d+ \d+ at offset \d+)?[\s:,]*", "", text)
    return text[:160] or "unreadable"


BOILERPLATE = {"file is damaged", "Attempting to reconstruct cross-reference table"}


def summarise(repairs: list[str]) -> list[str]:
    unique = list(dict.fromkeys(r for r in repairs if r not in BOILERPLATE))
    return unique[:5] + ([f"and {len(unique) - 5} more"] if len(unique) > 5 else [])


# --------------------------------------------------------------------------- content size
def check_page_content(page, number: int, seen: set[tuple[int, int]]) -> None:
    """Sum the decoded size of what the parser will inflate for this page: its content streams,
    the forms it draws and the fonts it uses; refuse the document when it passes the limit."""
    limit = int(LIMITS.max_page_content_mb * MB)
    total = 0
    for stream in page_streams(page.obj, seen):
        total += decoded_size(stream, limit - total + 1)
        if total > limit:
            raise ReadError(
                f"page {number} inflates to over {LIMITS.max_page_content_mb:g} MB of content "
                "(a decompression bomb, or a drawing far beyond any document); refused"
            )


def page_streams(page, seen: set[tuple[int, int]]) -> Iterator:
    """Streams the text reader decodes for a page (content, forms, fonts) not met on an earlier
    page; each once, loops cut."""
    import pikepdf

    stack: list[tuple[str, object]] = [("content", page.get("/Contents")), ("resources", page.get("/Resources"))]
    while stack:
        kind, obj = stack.pop()
        if not isinstance(obj, pikepdf.Object):
            continue  # None, or a number where a stream belongs: nothing to inflate
        if obj.is_indirect:  # type: ignore[attr-defined]
            if obj.objgen in seen:  # type: ignore[attr-defined]
                continue
            seen.add(obj.objgen)  # type: ignore[attr-defined]
        if isinstance(obj, pikepdf.Array):
            stack.extend((kind, item) for item in obj)
        elif isinstance(obj, pikepdf.Stream):
            if kind == "xobject" and obj.get("/Subtype") != "/Form":
                continue  # images are not decoded to read text
            yield obj
            if kind == "xobject":
                stack.append(("resources", obj.get("/Resources")))
        elif isinstance(obj, pikepdf.Dictionary):
            if kind == "resources":
                stack.extend(("xobject", x) for x in dict_values(obj.get("/XObject")))
                stack.extend(("font", f) for f in dict_values(obj.get("/Font")))
            elif kind == "font":
                descriptor = obj.get("/FontDescriptor")
                files = (
                    [descriptor.get(k) for k in ("/FontFile", "/FontFile2", "/FontFile3")]
                    if isinstance(descriptor, pikepdf.Dictionary)
                    else []
                )
                stack.extend(("font-data", f) for f in (*files, obj.get("/ToUnicode"), obj.get("/Encoding")))
                stack.extend(("font", f) for f in (obj.get("/DescendantFonts") or []))
                stack.append(("resources", obj.get("/Resources")))  # Type 3 fonts


def dict_values(obj) -> list:
    import pikepdf

    return list(obj.values()) if isinstance(obj, pikepdf.Dictionary) else []


def decoded_size(stream, cap: int) -> int:
    """Bytes the stream decodes to through its whole filter chain (a Flate inside a Flate too),
    counted a megabyte at a time and given up past ``cap``."""
    import pikepdf

    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        names = [str(f) for f in filters]
    else:
        names = [str(filters)] if filters is not None else []
    try:
        data = stream.read_raw_bytes()
    except Exception:  # unreadable stream: the reader will find it unreadable too
        return 0
    for position, name in enumerate(names):
        if name in ("/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"):
            data = ascii_decode(name, data)
        elif name in ("/FlateDecode", "/Fl"):
            if position == len(names) - 1:
                return inflated_size(data, cap)
            data = inflate(data, cap)
            if len(data) > cap:
                return len(data)
        elif name in ("/LZWDecode", "/LZW", "/RunLengthDecode", "/RL"):
            try:  # rare in content; qpdf decodes the chain, the worker's memory limit guards the rest
                return len(stream.read_bytes())
            except Exception:
                return len(data)
        else:  # image codecs: the text reader does not decode them
            return len(data)
    return len(data)


def ascii_decode(name: str, raw: bytes) -> bytes:
    import base64

    try:
        if name in ("/ASCIIHexDecode", "/AHx"):
            hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", raw.split(b">")[0])
            return binascii.unhexlify(hexdigits + b"0" * (len(hexdigits) % 2))
        body = raw.strip()
        body = body[2:] if body.startswith(b"<~") else body
        return base64.a85decode(body.split(b"~>")[0], ignorechars=b" \t\r\n\f\v")
    except (ValueError, binascii.Error):
        return b""


def inflated_size(raw: bytes, cap: int) -> int:
    """The inflated size, without keeping the inflated bytes."""
    total = 0
    for chunk in inflated_chunks(raw):
        total += len(chunk)
        if total > cap:
            break
    return total


def inflate(raw: bytes, cap: int) -> bytes:
    """The inflated bytes, stopping a chunk past ``cap`` (for a filter that follows)."""
    chunks, total = [], 0
    for chunk in inflated_chunks(raw):
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            break
    return b"".join(chunks)


def inflated_chunks(raw: bytes) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    pending = raw
    try:
        while pending and not inflater.eof:
            yield inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
    except zlib.error:
        return  # corrupt data inflates no further; the reader reports the page
