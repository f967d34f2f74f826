"""Worker processes for the batch, each on one document at a time, under a time and memory limit.

Owns: starting workers (from a preloaded fork server on Linux and macOS, so they neither copy the
main process's threads nor import everything again), handing them tasks, and the cases where a
task never answers: a worker that runs past its time limit or its memory limit is killed, one
that dies (out of memory, a crash in a C library) is noticed, and in each case only its task fails,
with the reason, and a fresh worker takes the next task. Workers die with the main process
(no orphans after a kill), ignore Ctrl-C (the main process stops them all at once) and keep
their stdout/stderr to themselves, so the terminal only ever shows the batch's own lines.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import select
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection, wait
from typing import Any

from .settings import LIMITS, Limits

POLL_S = 0.2  # how often deadlines and memory are looked at while workers are busy


@dataclass(frozen=True)
class Outcome:
    """What became of one task: the function's result, or why there is none."""

    index: int
    result: Any | None
    failure: str | None
    seconds: float
    extra_s: float = 0.0  # time it was granted beyond the limit (its OCR pages)


@dataclass
class Slot:
    process: Any  # multiprocessing.process.BaseProcess
    conn: Connection
    task: int | None = None
    started: float = 0.0
    extra_s: float = 0.0  # time the task was granted beyond the limit (its OCR pages)
    spent_s: float = 0.0  # time its document had already taken in earlier tasks

    def deadline(self, limits: Limits) -> float:
        return self.started - self.spent_s + limits.timeout_s + self.extra_s

    def elapsed(self) -> float:
        return time.monotonic() - self.started + self.spent_s


def run_tasks(
    function: Callable[..., Any],
    tasks: list[tuple],
    jobs: int,
    on_outcome: Callable[[Outcome], None],
    on_progress: Callable[[int, dict[str, Any]], None] | None = None,
    limits: Limits = LIMITS,
    spent: list[tuple[float, float]] | None = None,
) -> None:
    """Run ``function(*task, progress=...)`` for every task in worker processes; never raises for a
    task's sake. ``on_outcome`` hears of each task as it ends; KeyboardInterrupt stops everything.
    ``spent``: for each task, the seconds its document already took and was granted beyond the
    limit in earlier tasks (a shared document's finishing has what its reading left).
    A task whose worker dies is given once more to a fresh worker (the death may have been the
    previous task's, or another process's doing); dying twice, it fails with the reason."""
    context = worker_context()
    pending = deque(range(len(tasks)))
    deaths: dict[int, int] = {}
    slots: list[Slot] = []
    jobs = max(1, min(jobs, len(tasks)))
    try:
        while pending or any(s.task is not None for s in slots):
            for slot in [s for s in slots if s.task is None and not s.process.is_alive()]:
                slots.remove(slot)  # died while idle: replaced below
                retire(slot)
            fill(slots, jobs, pending, context, function, on_outcome)
            for slot in slots:
                if slot.task is None and pending:
                    assign(slot, pending, tasks, spent)
            busy = [s for s in slots if s.task is not None]
            now = time.monotonic()
            timeout = max(0.0, min([POLL_S] + [s.deadline(limits) - now for s in busy]))
            wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=timeout)
            for slot in busy:
                index = slot.task
                state = collect(slot, on_outcome, on_progress)
                if state == "died":
                    deaths[index] = deaths.get(index, 0) + 1
                    if deaths[index] == 1:
                        pending.appendleft(index)
                    else:
                        on_outcome(Outcome(index, None, died(slot.process.exitcode), slot.elapsed()))
                    slot.task = None
                elif state == "running":
                    check_limits(slot, limits, on_outcome)
                if slot.task is None and not slot.process.is_alive():
                    slots.remove(slot)
                    retire(slot)
    finally:
        for slot in slots:
            retire(slot, graceful=slot.task is None)


def fill(
    slots: list[Slot],
    jobs: int,
    pending: deque[int],
    context: Any,
    function: Callable[..., Any],
    on_outcome: Callable[[Outcome], None],
) -> None:
    """Start workers up to ``jobs``; when none at all can be started (a process limit), the next
    task fails with the reason instead of the batch."""
    while len(slots) < jobs and pending:
        try:
            slots.append(start_worker(context, function))
        except OSError as exc:
            if not slots:
                reason = f"could not start a worker process ({exc.strerror or exc}); too many processes?"
                on_outcome(Outcome(pending.popleft(), None, reason, 0.0))
            return


def worker_context() -> Any:
    if sys.platform.startswith(("linux", "darwin")):
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(["extract.warm", "extract.batch"])
        return context
    return mp.get_context("spawn")


WARM_RULES = "EXTRACT_WARM_RULES"  # the rule folders the fork server compiles before forking workers


def prestart(rule_folders: tuple[str, ...]) -> None:
    """Start the fork server now, told which rules to compile: its set-up (jieba's dictionary, the
    rules) then overlaps what the main process still does, and every worker starts with the
    rules compiled instead of compiling them again. Once per process; the first rules named win
    (workers compile any others themselves)."""
    if worker_context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    os.environ.setdefault(WARM_RULES, json.dumps(list(rule_folders)))
    # Ctrl-C in a terminal reaches the whole process group: a server still starting Python died
    # printing a traceback. It starts with Ctrl-C ignored (kept across exec, and Python then
    # leaves it so); meanwhile this process holds its own Ctrl-C back (blocked, not lost).
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        ignoring = on_main_thread()
        handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignoring else None
        try:
            forkserver.ensure_running()
        finally:
            if ignoring:  # None: a handler set outside Python, which cannot be put back; the default then
                signal.signal(signal.SIGINT, handler if handler is not None else signal.SIG_DFL)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def on_main_thread() -> bool:
    """Signal handlers can only be set from the main thread (a program may call us from another)."""
    return threading.current_thread() is threading.main_thread()


def start_worker(context: Any, function: Callable[..., Any]) -> Slot:
    parent, child = context.Pipe()
    process = context.Process(target=worker_main, args=(child, function), daemon=True)
    try:
        process.start()
    finally:
        child.close()
    return Slot(process, parent)


def assign(slot: Slot, pending: deque[int], tasks: list[tuple], spent: list[tuple[float, float]] | None) -> None:
    index = pending.popleft()
    slot.task, slot.started = index, time.monotonic()
    slot.spent_s, slot.extra_s = spent[index] if spent else (0.0, 0.0)
    try:
        slot.conn.send((index, tasks[index]))
    except OSError:  # the worker died before its first task: not the task's fault
        pending.appendleft(index)
        slot.task = None
        slot.process.kill()
        slot.process.join(timeout=5)


def collect(
    slot: Slot, on_outcome: Callable[[Outcome], None], on_progress: Callable[[int, dict[str, Any]], None] | None
) -> str:
    """Read what the worker sent: "answered" (the outcome is reported), "died" (the worker is gone
    without answering; the caller decides), or "running"."""
    index = slot.task
    assert index is not None
    try:
        while slot.conn.poll():
            kind, _, payload = slot.conn.recv()
            if kind == "progress":
                if payload.get("started"):  # set-up done: the document's own time starts now
                    slot.started = time.monotonic()
                slot.extra_s += float(payload.get("extra_s", 0.0))  # OCR pages: seconds granted each
                if on_progress:
                    on_progress(index, payload)
                continue
            result, failure = (payload, None) if kind == "done" else (None, f"internal error: {payload}")
            on_outcome(Outcome(index, result, failure, slot.elapsed(), slot.extra_s))
            slot.task = None
            return "answered"
    except (EOFError, OSError):
        pass  # the worker is gone; its exit code says why
    if slot.process.is_alive():
        return "running"
    slot.process.join(timeout=1)
    return "died"


def check_limits(slot: Slot, limits: Limits, on_outcome: Callable[[Outcome], None]) -> bool:
    """Kill a worker whose task ran past its time or memory; True when it was killed."""
    index = slot.task
    if index is None:
        return False
    elapsed = slot.elapsed()
    failure = None
    if time.monotonic() > slot.deadline(limits):
        failure = (
            f"timed out after {elapsed:.0f} s (the limit per document; raise it with --timeout for very long documents)"
        )
    else:
        used = resident_mb(slot.process.pid)
        if used > limits.max_worker_memory_mb:
            failure = f"used over {limits.max_worker_memory_mb} MB of memory ({used:.0f} MB) and was stopped"
    if failure is None:
        return False
    slot.process.kill()
    slot.process.join(timeout=5)
    on_outcome(Outcome(index, None, failure, elapsed))
    slot.task = None
    return True


def died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        name = signal.Signals(number).name if number in signal.valid_signals() else f"signal {number}"
        hint = " (out of memory?)" if number == signal.SIGKILL else ""
        return f"the worker reading it was killed by {name}{hint}"
    return f"the worker reading it exited unexpectedly (code {exitcode})"


def resident_mb(pid: int | None) -> float:
    """Resident memory of a process, from /proc (0 where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def retire(slot: Slot, graceful: bool = False) -> None:
    """Stop a worker: an idle one is asked to leave, a busy one (Ctrl-C, an error) is killed."""
    if graceful and slot.process.is_alive():
        with contextlib.suppress(OSError):
            slot.conn.send(None)
        slot.process.join(timeout=1)
    if slot.process.is_alive():
        slot.process.kill()
        slot.process.join(timeout=5)
    slot.conn.close()


# --------------------------------------------------------------------------- inside the worker
def worker_main(conn: Connection, function: Callable[..., Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the main process handles it
    silence_output()
    die_with_parent()
    with contextlib.suppress(RuntimeError):  # no thread under a tight process limit: the kernel's signal remains
        threading.Thread(target=exit_when_orphaned, args=(conn.fileno(),), daemon=True).start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        index, args = message
        try:
            result = function(*args, progress=partial(send_progress, conn, index))
            conn.send(("done", index, result))
        except Exception as exc:  # the function should not raise; if it does, its task fails, not the worker
            conn.send(("error", index, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"))


def send_progress(conn: Connection, index: int, **info: Any) -> None:
    conn.send(("progress", index, info))


def exit_when_orphaned(fd: int) -> None:
    """Leave the moment the main process's end of the connection closes (it died, even by SIGKILL),
    even in the middle of a document. The fork server is the worker's parent and would not die
    first: each worker holds the fork server's own lifeline open."""
    hangup = select.POLLHUP | getattr(select, "POLLRDHUP", 0)
    poller = select.poll()
    poller.register(fd, hangup)
    while True:
        for _, events in poller.poll():
            if events & (hangup | select.POLLERR | select.POLLNVAL):
                os._exit(1)


def die_with_parent() -> None:
    """On Linux the kernel kills this worker when its parent dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the call above
        os._exit(1)


def silence_output() -> None:
    """Library warnings and prints from a worker would break the batch's one-line-per-failure output."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def usable_cores() -> int:
    """The cores this process may run on (its affinity, which containers set), not the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1
