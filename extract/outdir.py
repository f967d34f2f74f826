"""The output folder: checked before any work, held by one run at a time, written as a whole set.

Owns: refusing an output path that is a file, cannot be created or cannot be written (a usage
error before anything is read); a lock so a second run into the same folder is refused at once
instead of mixing its files with the first's; knowing which entries extract wrote there (a
manifest), so that only those are ever replaced: a folder or file of the user's that has the name
of an output, or an input that lives inside an output folder, is a usage error, never deleted;
every output written into a staging folder inside the output folder and swapped in only once all
of it is written, and a swap that fails half-way rolled back, so a full disk, an error or an
interrupt leaves the previous outputs whole; putting back or removing what a killed run left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".extract.lock"
CACHE_NAME = ".cache"
MANIFEST_NAME = ".extract-manifest.json"
STAGING_PREFIX = ".staging-"
TRASH_PREFIX = ".trash-"
LEGACY_HEADER = "doc_id,path,sha256,"  # documents.csv of a run from before the manifest


class OutputError(Exception):
    """The output folder cannot be used; the message is one line naming the folder and the reason."""


@contextmanager
def output_folder(path: Path, planned: Iterable[str] = (), inputs: Iterable[Path] = ()) -> Iterator[OutputFolder]:
    """The folder, checked, cleaned and locked for this run; ``planned`` are the names the run will
    write, ``inputs`` the files it will read (none may live inside what a run replaces)."""
    folder = OutputFolder(path)
    folder.open(set(planned), list(inputs))
    try:
        yield folder
    finally:
        folder.close()


class OutputFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.owned: set[str] = set()  # entries a previous run wrote, which this run replaces
        self._lock: int | None = None

    # ----------------------------------------------------------------- before any work
    def open(self, planned: set[str] = frozenset(), inputs: list[Path] = ()) -> None:  # type: ignore[assignment]
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
        if (path / CACHE_NAME).is_symlink():
            raise OutputError(f"{path / CACHE_NAME}: is a symbolic link; remove it (the cache is written there)")
        self._recover_leftovers()
        self.owned = self._read_owned()
        self._check_conflicts(planned, inputs)

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: runs are not guarded
            return
        lock_path = self.path / LOCK_NAME
        try:  # never through a planted symbolic link: opening it would truncate its target
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except OSError as exc:
            reason = "is a symbolic link; remove it" if lock_path.is_symlink() else f"cannot be opened ({exc.strerror})"
            raise OutputError(f"{lock_path}: {reason}") from exc
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

    def _recover_leftovers(self) -> None:
        """A killed run may have left a half-written staging folder (dropped) and, mid-swap, old
        outputs in a trash folder: those whose place is empty go back, so nothing is lost."""
        for entry in self.path.iterdir():
            if entry.name.startswith(TRASH_PREFIX) and entry.is_dir():
                for old in entry.iterdir():
                    if not os.path.lexists(self.path / old.name):
                        with contextlib.suppress(OSError):
                            old.rename(self.path / old.name)
            if entry.name.startswith((STAGING_PREFIX, TRASH_PREFIX)):
                shutil.rmtree(entry, ignore_errors=True)
        from . import cache

        cache.clean(self.cache_dir)

    def _read_owned(self) -> set[str]:
        from .export import OUTPUT_NAMES

        try:
            names = json.loads((self.path / MANIFEST_NAME).read_text(encoding="utf-8"))["entries"]
            return {n for n in names if isinstance(n, str) and n in OUTPUT_NAMES}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:  # outputs of a version before the manifest: recognised by their documents.csv
            with open(self.path / "documents.csv", encoding="utf-8") as handle:
                legacy = handle.readline().startswith(LEGACY_HEADER)
        except (OSError, UnicodeDecodeError):
            legacy = False
        return {n for n in OUTPUT_NAMES if os.path.lexists(self.path / n)} if legacy else set()

    def _check_conflicts(self, planned: set[str], inputs: list[Path]) -> None:
        for name in sorted(planned):
            if os.path.lexists(self.path / name) and name not in self.owned:
                raise OutputError(
                    f"{self.path / name}: exists and was not written by extract; move it or pass another -o "
                    "(a run replaces its outputs)"
                )
        replaced = [Path(os.path.realpath(self.path / name)) for name in self.owned | planned]
        for source in inputs:
            real = Path(os.path.realpath(source))
            for entry in replaced:
                if real == entry or entry in real.parents:
                    raise OutputError(
                        f"{source}: is inside {entry}, which this run replaces; move it out of the output folder"
                    )

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
            names = sorted(entry.name for entry in staging.iterdir())
            (staging / MANIFEST_NAME).write_text(json.dumps({"entries": names}), encoding="utf-8")
            with signals_deferred():
                self._swap_in(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _swap_in(self, staging: Path) -> None:
        """Old outputs into a trash folder, new ones into place; on any failure, every move undone."""
        trash = self.path / f"{TRASH_PREFIX}{os.getpid()}"
        trash.mkdir(exist_ok=True)
        moved_out: list[str] = []
        moved_in: list[str] = []
        swapped = False
        try:
            for name in sorted(self.owned | {MANIFEST_NAME}):
                if os.path.lexists(self.path / name):
                    (self.path / name).rename(trash / name)
                    moved_out.append(name)
            for entry in sorted(staging.iterdir()):
                entry.rename(self.path / entry.name)
                moved_in.append(entry.name)
            swapped = True
        except OSError:
            for name in reversed(moved_in):
                with contextlib.suppress(OSError):
                    (self.path / name).rename(staging / name)
            for name in reversed(moved_out):
                with contextlib.suppress(OSError):
                    (trash / name).rename(self.path / name)
            raise
        finally:  # a trash folder still holding old outputs is kept: the next run puts them back
            if swapped or not any(trash.iterdir()):
                shutil.rmtree(trash, ignore_errors=True)
        self.owned = set(moved_in) - {MANIFEST_NAME}

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
