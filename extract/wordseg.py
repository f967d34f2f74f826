"""Word segmentation with part-of-speech tags (jieba), set up once per process.

Owns: where jieba keeps its dictionary cache (the user's cache folder, private to them, instead of
a shared temporary folder where another user could plant the file it loads), keeping its log
quiet (a failed cache write would otherwise print a traceback in the middle of the batch's
output), jieba's word tables kept split by first character so a process reads only the words it
looks up, and the tagger apply.py uses to trim labels to their noun phrase.
"""

from __future__ import annotations

import contextlib
import io
import logging
import marshal
import mmap
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, MutableMapping
from functools import cache
from pathlib import Path
from typing import Any


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
    kept = folder / WORDS_FILE if folder else None
    if kept is None or not load_words(jieba.posseg.dt, kept):
        # kept only from jieba's own tables as dict.txt gives them: not when this process set jieba
        # up before us (another dictionary, words added), whose tables would pass for dict.txt's
        fresh = jieba.dt.dictionary is jieba.DEFAULT_DICT and not jieba.dt.initialized
        jieba.dt.check_initialized()  # jieba's own: its dictionary cache, or dict.txt (and the cache written)
        if not jieba.posseg.dt.word_tag_tab:
            jieba.posseg.dt.load_word_tag(jieba.dt.get_dict_file())
            if kept is not None and fresh:
                keep_words(jieba.posseg.dt, kept)
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
    here it reads an empty dictionary instead, and tagger() fills the table after."""
    tokenizer.get_dict_file = lambda: io.BytesIO()
    try:
        yield
    finally:
        del tokenizer.get_dict_file


WORDS_FILE = "jieba-words.cache"
WORDS_LAYOUT = 1  # bumped when the file's layout changes: an older file is then built again


class WordTable(MutableMapping[str, Any]):
    """One of jieba's word tables (word → count, word → tag), read a first character at a time from
    the kept file: a label asks for a few hundred words, so the 500,000 need not all be unmarshalled
    (0.3 s a process, most of a small run's set-up). Writable as jieba's own dicts are (add_word,
    load_userdict and suggest_freq write to them), in memory only."""

    def __init__(self, blob: Any, base: int, index: dict[str, tuple[int, int]], size: int) -> None:
        self._blob, self._base, self._index, self._size = blob, base, index, size
        self._shards: dict[str, dict[str, Any]] = {}

    def _shard(self, first: str) -> dict[str, Any]:
        shard = self._shards.get(first)
        if shard is None:
            span = self._index.get(first)
            base = self._base
            shard = self._shards[first] = marshal.loads(self._blob[base + span[0] : base + span[1]]) if span else {}
        return shard

    def get(self, word: Any, default: Any = None) -> Any:
        if not isinstance(word, str) or not word:
            return default
        return self._shard(word[0]).get(word, default)

    def __getitem__(self, word: str) -> Any:
        if isinstance(word, str) and word:
            shard = self._shard(word[0])
            if word in shard:
                return shard[word]
        raise KeyError(word)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and bool(word) and word in self._shard(word[0])

    def __setitem__(self, word: str, value: Any) -> None:
        if not isinstance(word, str) or not word:
            raise KeyError(word)
        shard = self._shard(word[0])
        self._size += word not in shard
        shard[word] = value

    def __delitem__(self, word: str) -> None:
        if word not in self:
            raise KeyError(word)
        del self._shards[word[0]][word]
        self._size -= 1

    def __iter__(self) -> Iterator[str]:
        for first in dict.fromkeys([*self._index, *self._shards]):  # with parts only added in memory
            yield from list(self._shard(first))

    def __len__(self) -> int:
        return self._size


def words_stamp() -> list[Any] | None:
    """What the kept word tables were made from (jieba's version, its dict.txt's path, size and
    time, our layout); None when jieba has no dict.txt file to stamp."""
    import jieba

    dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    try:
        info = dictionary.stat()
    except OSError:
        return None
    return [WORDS_LAYOUT, jieba.__version__, str(dictionary), info.st_size, info.st_mtime_ns]


def load_words(pos_tokenizer, kept: Path) -> bool:
    """jieba's dictionary and word tags as WordTables over the kept file, when it is current and
    jieba uses its default dictionary; False (nothing changed) otherwise."""
    import jieba

    tokenizer = pos_tokenizer.tokenizer
    if tokenizer.dictionary is not jieba.DEFAULT_DICT or tokenizer.initialized or pos_tokenizer.word_tag_tab:
        return False
    stamp = words_stamp()
    blob = None
    try:
        with open(kept, "rb") as handle:
            blob = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        length = int.from_bytes(blob[:8], "little")
        kept_stamp, total, (counts_index, counts_size), (tags_index, tags_size) = marshal.loads(blob[8 : 8 + length])
        if stamp is None or kept_stamp != stamp or not isinstance(total, int) or total <= 0:
            raise ValueError("made from another dictionary")
        ends = [end for index in (counts_index, tags_index) for _, end in index.values()]
        if len(blob) != 8 + length + max(ends, default=0):  # cut short (a full disk, a copy stopped)
            raise ValueError("not whole")
    except Exception:  # absent, unreadable, damaged, stale or not ours: built again by the caller
        if blob is not None:
            blob.close()
        return False
    base = 8 + length  # the parts start after the header
    tokenizer.FREQ, tokenizer.total = WordTable(blob, base, counts_index, counts_size), total
    tokenizer.initialized = True
    pos_tokenizer.word_tag_tab = WordTable(blob, base, tags_index, tags_size)
    return True


def keep_words(pos_tokenizer, kept: Path) -> None:
    """Write jieba's loaded dictionary and word tags as the kept file load_words reads: each table
    split by the words' first character, each part marshalled on its own. Written whole or not at
    all (a temporary file renamed); a failure only means jieba reads them itself next run."""
    stamp = words_stamp()
    if stamp is None:
        return
    parts: list[bytes] = []
    offset = 0

    def split(table: dict[str, Any]) -> tuple[dict[str, tuple[int, int]], int]:
        nonlocal offset
        by_first: dict[str, dict[str, Any]] = {}
        for word, value in table.items():
            if word:
                by_first.setdefault(word[0], {})[word] = value
        index = {}
        for first, shard in by_first.items():
            data = marshal.dumps(shard)
            index[first] = (offset, offset + len(data))
            parts.append(data)
            offset += len(data)
        return index, len(table)

    counts, tags = split(pos_tokenizer.tokenizer.FREQ), split(pos_tokenizer.word_tag_tab)
    header = marshal.dumps((stamp, pos_tokenizer.tokenizer.total, counts, tags))
    partial = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    try:
        with open(partial, "wb") as handle:
            handle.write(len(header).to_bytes(8, "little"))
            handle.write(header)
            handle.writelines(parts)
        os.replace(partial, kept)
    except OSError:  # not kept this time (a full disk, a folder in the way): jieba reads them next run
        with contextlib.suppress(OSError):
            partial.unlink()
