"""Extracted-text input: a .txt file (text as copied out of a PDF, tab-separated table rows)
becomes pages of text lines, split where a run of blank lines marks a page break."""

from __future__ import annotations

import re

from ..errors import ReadError
from ..model import RawDocument, RawPage
from ..quality import judge_page_text


def read_text(shown: str, doc_id: str, data: bytes, sha: str) -> RawDocument:
    """``shown`` is the path as outputs print it."""
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
    return RawDocument(doc_id=doc_id, path=shown, sha256=sha, kind="text", pages=[page])
