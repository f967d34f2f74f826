"""Word segmentation with part-of-speech tags (jieba), set up once per process.

Owns: where jieba keeps its dictionary cache (the user's cache folder, private to them, instead of
a shared temporary folder where another user could plant the file it loads), keeping its log
quiet (a failed cache write would otherwise print a traceback in the middle of the batch's
output), and the tagger apply.py uses to trim labels to their noun phrase.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import cache
from pathlib import Path


def cache_folder() -> Path:
    """$XDG_CACHE_HOME/extract (~/.cache/extract), or a private temporary folder when that cannot be made."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "extract"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="extract-"))


@cache
def tagger():
    """jieba's part-of-speech tokenizer, its dictionary loaded."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.CRITICAL)
    jieba.dt.tmp_dir = str(cache_folder())
    jieba.dt.check_initialized()
    return jieba.posseg
