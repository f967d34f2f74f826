"""Word segmentation with part-of-speech tags (jieba), set up once per process.

Owns: where jieba keeps its dictionary cache (the user's cache folder, private to them, instead of
a shared temporary folder where another user could plant the file it loads), keeping its log
quiet (a failed cache write would otherwise print a traceback in the middle of the batch's
output), and the tagger apply.py uses to trim labels to their noun phrase.
"""

from __future__ import annotations

import contextlib
import io
import logging
import marshal
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
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
    """jieba's part-of-speech tokenizer, its dictionary and word tags loaded."""
    with warnings.catch_warnings(), without_pkg_resources():  # jieba imports pkg_resources, deprecated
        warnings.simplefilter("ignore")
        import jieba

        with word_tags_deferred(jieba.dt):
            import jieba.posseg

    jieba.setLogLevel(logging.CRITICAL)
    folder = cache_folder()
    # no usable folder: point jieba at one that does not exist, so it rebuilds the dictionary
    # in memory and its (silenced) cache write fails, instead of using a shared temporary folder
    jieba.dt.tmp_dir = str(folder) if folder else os.path.join(os.devnull, "extract")
    if folder:
        load_dictionary(jieba.dt, folder / "jieba.cache")
    jieba.dt.check_initialized()  # builds the dictionary, and its cache, when it was not loaded above
    load_word_tags(jieba.posseg.dt, folder / "jieba-tags.cache" if folder else None)
    return jieba.posseg


@contextlib.contextmanager
def without_pkg_resources() -> Iterator[None]:
    """Importing jieba without pkg_resources (0.15 s to import, deprecated): jieba then opens its
    files by path, its own fallback for installs without setuptools."""
    if "pkg_resources" in sys.modules:  # already paid for: nothing to save
        yield
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        yield
    finally:
        if sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]


@contextlib.contextmanager
def word_tags_deferred(tokenizer) -> Iterator[None]:
    """Importing jieba.posseg builds its word-tag table from dict.txt line by line (0.5 s);
    here it reads an empty dictionary instead, and load_word_tags fills the table after."""
    tokenizer.get_dict_file = lambda: io.BytesIO()
    try:
        yield
    finally:
        del tokenizer.get_dict_file


def load_word_tags(pos_tokenizer, cache_file: Path | None) -> None:
    """The word-tag table jieba.posseg builds from dict.txt (0.5 s), kept marshalled in our private
    cache folder (0.14 s to load) under the dictionary file's size, time and jieba's version;
    built by jieba's own load_word_tag when the kept one is absent, stale or not ours."""
    import jieba

    if pos_tokenizer.word_tag_tab:  # jieba.posseg was imported before, and read them itself
        return
    tokenizer = pos_tokenizer.tokenizer
    dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    if tokenizer.dictionary is not jieba.DEFAULT_DICT or cache_file is None or not dictionary.is_file():
        pos_tokenizer.load_word_tag(tokenizer.get_dict_file())
        return
    info = dictionary.stat()
    stamp = [jieba.__version__, str(dictionary), info.st_size, info.st_mtime_ns]
    try:
        kept_stamp, tags = marshal.loads(cache_file.read_bytes())
        if kept_stamp == stamp and isinstance(tags, dict) and tags:
            pos_tokenizer.word_tag_tab = tags
            return
    except Exception:  # absent, unreadable or not ours: built again below
        pass
    pos_tokenizer.load_word_tag(tokenizer.get_dict_file())
    partial = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.tmp")
    try:
        partial.write_bytes(marshal.dumps((stamp, pos_tokenizer.word_tag_tab)))
        os.replace(partial, cache_file)
    except OSError:  # not kept this time (a full disk, a folder in the way): built again next run
        with contextlib.suppress(OSError):
            partial.unlink()


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
