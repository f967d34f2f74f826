"""Hostile and broken inputs, built byte by byte, for the hardening tests.

Each builder returns the bytes of one file; ``hostile_folder`` writes a whole folder of them next
to good documents, as users' download folders look after a bad day.
"""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def tiny_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF with the given objects and a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in objects else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def stream(body: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(body), extra) + body + b"\nendstream"


def one_page(page: bytes, content: bytes, **more: bytes) -> dict[int, bytes]:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: page,
        4: stream(content),
        5: HELVETICA,
    }
    objects.update({int(k.lstrip("o")): v for k, v in more.items()})
    return objects


PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
TEXT = b"BT /F1 24 Tf 72 700 Td (Hello) Tj ET"


def reference_loop(where: str) -> bytes:
    """Object 7 is a reference to 8, which refers back to 7; used as a MediaBox, as contents, or as
    the page tree (pdfminer resolves such chains forever)."""
    loop = {"o7": b"8 0 R", "o8": b"7 0 R"}
    if where == "mediabox":
        return tiny_pdf(one_page(PAGE.replace(b"[0 0 612 792]", b"7 0 R"), TEXT, **loop))
    if where == "contents":
        return tiny_pdf(one_page(PAGE.replace(b"/Contents 4 0 R", b"/Contents 7 0 R"), TEXT, **loop))
    objects = one_page(PAGE, TEXT, **loop)
    objects[1] = b"<< /Type /Catalog /Pages 7 0 R >>"
    return tiny_pdf(objects)


def fan_out(levels: int = 8, fan: int = 10) -> bytes:
    """Forms that draw the form below them ten times, eight levels deep: 10^8 drawings of nothing.
    Valid PDF, tiny, and the parser would spin for days."""
    objects = one_page(
        PAGE.replace(b">> >> >>", b">> /XObject << /F %d 0 R >> >> >>" % (10 + levels)), TEXT + b" /F Do"
    )
    objects[10] = stream(b"q Q", b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] ")
    for k in range(1, levels + 1):
        objects[10 + k] = stream(
            b" ".join([b"/F Do"] * fan),
            b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /F %d 0 R >> >> " % (9 + k),
        )
    return tiny_pdf(objects)


def decompression_bomb(megabytes: int = 200) -> bytes:
    """A page whose content stream is a few hundred KB compressed and ``megabytes`` inflated."""
    compressor = zlib.compressobj(9)
    block = b" " * (1 << 20)
    body = b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()
    objects = one_page(PAGE, TEXT)
    objects[4] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    return tiny_pdf(objects)


def missing_mediabox() -> bytes:
    return tiny_pdf(one_page(PAGE.replace(b"/MediaBox [0 0 612 792] ", b""), TEXT))


def without_trailer(pdf: bytes) -> bytes:
    """The trailer gone and startxref broken: pdfminer finds no /Root; qpdf rebuilds the file."""
    import re

    return re.sub(rb"trailer\s*<<.*?>>\s*", b"", pdf, flags=re.S).replace(b"startxref", b"startxrfe")


def encrypted(pdf: Path, target: Path) -> None:
    import pikepdf

    with pikepdf.open(pdf) as document:
        document.save(target, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def hostile_folder(folder: Path, good: list[Path]) -> dict[str, Path]:
    """Hostile files (name → path) written into ``folder``, the good documents copied beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[name] = path
        return path

    first = good[0].read_bytes()
    put("loop-mediabox.pdf", reference_loop("mediabox"))
    put("loop-contents.pdf", reference_loop("contents"))
    put("loop-pages.pdf", reference_loop("pages"))
    put("fan-out.pdf", fan_out())
    put("bomb.pdf", decompression_bomb())
    put("no-mediabox.pdf", missing_mediabox())
    put("no-trailer.pdf", without_trailer(first))
    put("truncated.pdf", first[: len(first) // 40])
    put("empty.pdf", b"")
    put("photo.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200)
    put("page.pdf", b"<!DOCTYPE html><html><body>not a pdf</body></html>")
    put("report[v2].pdf", b"%PDF-1.4 garbage")
    put("a[/x]b.pdf", b"%PDF-1.4 garbage")  # a folder 'a[' holding 'x]b.pdf'
    put("new\nline.pdf", b"%PDF-1.4 garbage")
    encrypted(good[0], folder / "encrypted.pdf")
    files["encrypted.pdf"] = folder / "encrypted.pdf"
    (folder / "folder.pdf").mkdir()
    files["folder.pdf"] = folder / "folder.pdf"
    os.mkfifo(folder / "pipe.pdf")
    files["pipe.pdf"] = folder / "pipe.pdf"
    for doc in good:
        shutil.copy(doc, folder / doc.name)
    return files
