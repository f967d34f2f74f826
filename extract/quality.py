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
from functools import lru_cache
from pathlib import Path

from .model import Quality

HANZI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CID = re.compile(r"\(cid:\d+\)")
COMMON_TOP = 3500  # roughly the 现代汉语常用字表 size
MIN_HANZI = 40  # too little text to judge below this
MIN_COMMON_SHARE = 0.85  # real prose and tables sit at 0.93-1.0; broken maps fall to 0.7
MAX_RUN = 12  # a glyph repeated this often in a row is a decoding artefact, not text
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


def judge_page_text(text: str, has_images: bool, n_edges: int) -> tuple[Quality, str]:
    stripped = re.sub(r"\s+", "", text)
    if not stripped:
        if has_images:
            return "no_text", "image-only page (no text layer): needs OCR"
        return ("blank", "blank page") if n_edges == 0 else ("blank", "page has only lines, no text")
    cid_chars = sum(len(m) for m in CID.findall(stripped))
    if cid_chars > 0.3 * len(stripped):
        return "garbled", "text layer is unmapped glyphs (cid:N): needs OCR"
    hanzi = HANZI.findall(stripped)
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


if __name__ == "__main__":
    COMMON_FILE.write_text(
        f"# {COMMON_TOP} most frequent hanzi in jieba's dict.txt (python -m extract.quality)\n"
        + rank_common_hanzi()
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {COMMON_FILE}")
