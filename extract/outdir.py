"""The output folder: checked before any work, held by one run at a time, written as a whole set.

Owns: refusing an output path that is a file, cannot be created or cannot be written (a usage
error before anything is read); a lock so a second run into the same folder is refused at once
instead of mixing its files with the first's; every output written into a staging folder inside
the output folder and swapped in only once all of it is written, so a full disk, an error or an
interrupt leaves the previous outputs whole; removing what an earlier, killed run left behind
(staging folders, temporary files) and outputs of documents no longer in the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".extract.lock"
CACHE_NAME = ".cache"
STAGING_PREFIX = ".staging-"
TRASH_PREFIX = ".trash-"


class OutputError(Exception):
    """The output folder cannot be used; the message is one line naming the folder and the reason."""


def managed(name: str) -> bool:
    """Entries a run writes (and so replaces); anything else the user keeps there is left alone."""
    from .export import OUTPUT_NAMES

    return name in OUTPUT_NAMES


@contextmanager
def output_folder(path: Path) -> Iterator[OutputFolder]:
    folder = OutputFolder(path)
    folder.open()
    try:
        yield folder
    finally:
        folder.close()


class OutputFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: int | None = None

    # ----------------------------------------------------------------- before any work
    def open(self) -> None:
        path = self.path
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path}: exists and is not a folder; pass -o a folder")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create the output folder ({exc.strerror or exc})") from exc
        try:
            with tempfile.TemporaryFile(dir=path):
                pass
        except OSError as exc:
            raise OutputError(f"{path}: cannot write in the output folder ({exc.strerror or exc})") from exc
        self._take_lock()
        self._clean_leftovers()

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: runs are not guarded
            return
        lock_path = self.path / LOCK_NAME
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise OutputError(
                f"{self.path}: another extract run (pid {holder}) is writing to this folder; "
                "wait for it to finish or pass another -o"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock = fd

    def _clean_leftovers(self) -> None:
        for entry in self.path.iterdir():
            if entry.name.startswith((STAGING_PREFIX, TRASH_PREFIX)):
                shutil.rmtree(entry, ignore_errors=True)
        from . import cache

        cache.clean(self.cache_dir)

    @property
    def cache_dir(self) -> Path:
        return self.path / CACHE_NAME

    # ----------------------------------------------------------------- after the work
    def publish(self, write: Callable[[Path], None]) -> None:
        """Write every output into a staging folder with ``write``, then swap the set in."""
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.path))
        os.chmod(staging, 0o777 & ~current_umask())
        try:
            write(staging)
            with signals_deferred():
                self._swap_in(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _swap_in(self, staging: Path) -> None:
        trash = self.path / f"{TRASH_PREFIX}{os.getpid()}"
        trash.mkdir(exist_ok=True)
        try:
            for entry in self.path.iterdir():
                if managed(entry.name):
                    entry.rename(trash / entry.name)
            for entry in staging.iterdir():
                entry.rename(self.path / entry.name)
        finally:
            shutil.rmtree(trash, ignore_errors=True)

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing releases the lock
            self._lock = None


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C or SIGTERM during the swap (a few renames) waits for it to finish."""
    received: list[int] = []
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {}
    with contextlib.suppress(ValueError):  # not the main thread: nothing to defer
        for number in handled:
            previous[number] = signal.signal(number, lambda n, _frame: received.append(n))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            raise KeyboardInterrupt
