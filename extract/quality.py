"""Text-layer quality: is this page's text real Chinese, missing, or garbage?

A page with no characters but an image is a scan that needs OCR; a page whose glyphs map to
"(cid:N)" or to plausible-looking but wrong hanzi (a broken ToUnicode map) is garbled. The
garbled test compares the page's hanzi with the common characters of modern Chinese, taken from
jieba's dictionary (shipped with jieba, so nothing is downloaded) after folding traditional
characters to simplified.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .model import Quality

HANZI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CID = re.compile(r"\(cid:\d+\)")
COMMON_TOP = 3500  # roughly the 现代汉语常用字表 size
MIN_HANZI = 40  # too little text to judge below this
MIN_COMMON_SHARE = 0.85  # real prose and tables sit at 0.93-1.0; broken maps fall to 0.7
MAX_RUN = 12  # a glyph repeated this often in a row is a decoding artefact, not text
UNMAPPED_SHARE = 0.3  # glyphs without a character: HKSCS Hansard pages have 1 in ~400, broken fonts most
SCAN_COVER = 0.6  # an image over this share of the page is a scan (full-page scans: 0.95-1.0)
WATERMARK_LENGTH = 80  # characters: a scanning app's line or a stamp's text, not a page of text
DRAWN_COVER = 0.1  # images over this share of a page may carry its words (registers drawn from Excel)
DRAWN_CURVES = 200  # paths on a page of text drawn as outlines (a ruled table page has a few dozen)
MIN_DIGITS = 10
DIGITS_ONLY_HANZI = 0.02  # at most this share of hanzi: the text layer holds digits, the words are pictures
REPEATED_GLYPH = re.compile(r"([\u3400-\u9fff])\1{" + str(MAX_RUN - 1) + ",}")


COMMON_FILE = Path(__file__).with_name("common_hanzi.txt")


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """The common characters, from the shipped list (rebuild it with: python -m extract.quality)."""
    if COMMON_FILE.exists():
        return frozenset(COMMON_FILE.read_text(encoding="utf-8").split("\n", 1)[1].strip())
    return frozenset(rank_common_hanzi())


def rank_common_hanzi() -> str:
    """The COMMON_TOP most frequent hanzi in jieba's dictionary, weighted by word frequency."""
    import jieba

    counts: Counter[str] = Counter()
    dictionary = Path(jieba.__file__).with_name("dict.txt")
    with open(dictionary, encoding="utf-8") as f:
        for line in f:
            word, freq = line.split(" ", 2)[:2]
            for ch in word:
                counts[ch] += int(freq)
    return "".join(ch for ch, _ in counts.most_common(COMMON_TOP) if HANZI.match(ch))


@dataclass(frozen=True)
class PageEvidence:
    """What a page draws, for judging whether its text layer can be read."""

    text: str  # the visible characters, in reading order
    glyphs: int = 0  # every character object drawn, mapped to a character or not
    unmapped: int = 0  # glyphs with no character behind them: (cid:N), empty, U+FFFD, private use
    image_cover: float = 0.0  # share of the page's area under images
    curves: int = 0  # vector paths: text drawn as outlines shows as hundreds of them
    edges: int = 0  # ruling lines


def judge_page(page: PageEvidence) -> tuple[Quality, str]:
    stripped = re.sub(r"\s+", "", page.text)
    hanzi = HANZI.findall(stripped)
    if page.glyphs and page.unmapped > UNMAPPED_SHARE * page.glyphs:
        return "garbled", "glyphs with no character map ((cid:N) or empty): the text layer cannot be read, needs OCR"
    if not stripped:
        if page.image_cover > 0:
            return "no_text", "image-only page (no text layer): needs OCR"
        return ("blank", "blank page") if page.edges == 0 else ("blank", "page has only lines, no text")
    cid_chars = sum(len(m) for m in CID.findall(stripped))
    if cid_chars > UNMAPPED_SHARE * len(stripped):
        return "garbled", "text layer is unmapped glyphs (cid:N): needs OCR"
    if page.image_cover >= SCAN_COVER and len(hanzi) < MIN_HANZI and len(stripped) <= WATERMARK_LENGTH:
        return "no_text", f"scanned page whose only text is a line over the image ({stripped[:30]!r}): needs OCR"
    digits = sum(ch.isdigit() for ch in stripped)
    drawn = page.image_cover >= DRAWN_COVER or page.curves >= DRAWN_CURVES
    if drawn and digits >= MIN_DIGITS and len(hanzi) <= DIGITS_ONLY_HANZI * len(stripped):
        return "no_text", "the words are drawn as images or outlines and only the digits are text: needs OCR"
    if len(hanzi) < MIN_HANZI:
        return "ok", ""
    if REPEATED_GLYPH.search(stripped):
        return "garbled", "text layer repeats one glyph dozens of times: wrong character map, needs OCR"
    from .normalize import to_simplified

    common = common_hanzi()
    simplified = HANZI.findall(to_simplified("".join(hanzi)))
    share = sum(ch in common for ch in simplified) / max(1, len(simplified))
    if share < MIN_COMMON_SHARE:
        return (
            "garbled",
            f"text layer decodes to unlikely characters ({share:.0%} common): wrong character map, needs OCR",
        )
    return "ok", ""


def judge_page_text(text: str, has_images: bool = False, n_edges: int = 0) -> tuple[Quality, str]:
    """Text alone (a .txt input, or a page known only by its text)."""
    return judge_page(PageEvidence(text, image_cover=1.0 if has_images else 0.0, edges=n_edges))


def is_unmapped(text: str) -> bool:
    """A glyph the font gives no character for: empty, (cid:N), U+FFFD, a control or private-use code."""
    if len(text) == 1:  # most glyphs: no pattern to match
        return text == "\ufffd" or "\ue000" <= text <= "\uf8ff" or (text < " " and text not in "\t\n\r")
    return not text or CID.fullmatch(text) is not None


if __name__ == "__main__":
    COMMON_FILE.write_text(
        f"# {COMMON_TOP} most frequent hanzi in jieba's dict.txt (python -m extract.quality)\n"
        + rank_common_hanzi()
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {COMMON_FILE}")
