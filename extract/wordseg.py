"""Word segmentation with part-of-speech tags (jieba), set up once per process.

Owns: where jieba keeps its dictionary cache (the user's cache folder, private to them, instead of
a shared temporary folder where another user could plant the file it loads), keeping its log
quiet (a failed cache write would otherwise print a traceback in the middle of the batch's
output), and the tagger apply.py uses to trim labels to their noun phrase.
"""

from __future__ import annotations

import logging
import marshal
import os
import tempfile
import warnings
from functools import cache
from pathlib import Path


def cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/extract (~/.cache/extract); else one folder per user in the temporary
    folder, made private (the same one every run, so nothing piles up); else None (no cache)."""
    candidates = [Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "extract"]
    if hasattr(os, "getuid"):
        candidates.append(Path(tempfile.gettempdir()) / f"extract-{os.getuid()}")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            info = folder.stat()
        except (OSError, RuntimeError):
            continue
        mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
        if mine and os.access(folder, os.W_OK):  # never a folder another user made for us to trust
            return folder
    return None


@cache
def tagger():
    """jieba's part-of-speech tokenizer, its dictionary loaded."""
    with warnings.catch_warnings():  # jieba imports pkg_resources, deprecated in new setuptools
        warnings.simplefilter("ignore")
        import jieba
        import jieba.posseg

    jieba.setLogLevel(logging.CRITICAL)
    folder = cache_folder()
    # no usable folder: point jieba at one that does not exist, so it rebuilds the dictionary
    # in memory and its (silenced) cache write fails, instead of using a shared temporary folder
    jieba.dt.tmp_dir = str(folder) if folder else os.path.join(os.devnull, "extract")
    if folder:
        load_dictionary(jieba.dt, folder / "jieba.cache")
    jieba.dt.check_initialized()  # builds the dictionary, and its cache, when it was not loaded above
    return jieba.posseg


def load_dictionary(tokenizer, cache_file: Path) -> None:
    """The dictionary jieba would load from its cache file, loaded faster: jieba unmarshals it from
    the open file, which asks the file for each of its 500,000 words (0.8 s); read whole first, it
    takes 0.2 s. The same file jieba would use (its name for the default dictionary, in our private
    folder); anything unexpected is left to jieba, which reads or rebuilds it itself."""
    import jieba

    if tokenizer.dictionary is not jieba.DEFAULT_DICT or tokenizer.cache_file or tokenizer.initialized:
        return
    try:
        freq, total = marshal.loads(cache_file.read_bytes())
    except Exception:  # absent, unreadable or not jieba's: jieba's own path decides
        return
    if isinstance(freq, dict) and isinstance(total, int) and total > 0:
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
