"""The `extract` command and `python -m extract`: Ctrl-C is quiet from the first instant, and the
workers' set-up starts before the command line is even loaded.

The command line module imports a good deal (the PDF readers, pandas); until it is loaded and
ready to handle Ctrl-C itself (cli.handle_interrupts), an interrupt ends the program with one
line instead of a traceback. A run that will read documents starts the workers' fork server
first (its set-up, ~0.6 s, is every run's longest wait), from a glance at the arguments; the
command line starts it in any case once it has parsed them (workers.prestart: once per process).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
from pathlib import Path


def main() -> None:
    signal.signal(signal.SIGINT, interrupted_while_starting)  # the command hands Ctrl-C on once it can clean up
    folders = rules_if_reading(sys.argv[1:])
    if folders is not None:
        from .workers import prestart

        prestart(folders)
    from .cli import main as run_command

    run_command()


def rules_if_reading(args: list[str]) -> tuple[str, ...] | None:
    """The rule folders of a run that will read documents (cli.run's own test: no cache to serve
    them, or --no-cache); None for anything else (a subcommand, help, a cached output folder).
    A glance, not the parse: a wrong guess only starts the set-up early, or not early."""
    from .outdir import CACHE_NAME
    from .rulefolders import user_rules

    if args[:1] == ["run"]:
        args = args[1:]
    if not args or args[0] in ("rules", "inspect") or {"-h", "--help", "--version"} & set(args):
        return None
    given: dict[str, str] = {}
    for flag, value in itertools.pairwise([*args, ""]):
        name, equals, inline = flag.partition("=")
        if name in ("--rules", "-o", "--output"):
            given["-o" if name == "--output" else name] = inline if equals else value
    rules, output = given.get("--rules"), given.get("-o")
    if "--no-cache" not in args and (Path(output or "output") / CACHE_NAME).is_dir():
        return None
    return user_rules(rules)


def interrupted_while_starting(_signum: int, _frame: object) -> None:
    """One line and exit 130, at once: nothing has been written yet. Not sys.exit: a SystemExit
    raised inside an object's __del__ is only printed, and one raised while a class is being
    defined becomes a RuntimeError (both seen when Ctrl-C came during the imports)."""
    with contextlib.suppress(Exception):
        sys.stderr.write("extract: interrupted (nothing was read or written)\n")
        sys.stderr.flush()
    os._exit(130)


interrupted_while_starting.hands_over = True  # type: ignore[attr-defined]  # cli.handle_interrupts replaces only this one


if __name__ == "__main__":
    main()
