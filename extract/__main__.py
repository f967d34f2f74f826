"""The `extract` command and `python -m extract`: Ctrl-C is quiet from the first instant.

The command line module imports a good deal (the PDF readers, pandas); until it is loaded and
ready to handle Ctrl-C itself (cli.handle_interrupts), an interrupt ends the program with one
line instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys


def main() -> None:
    signal.signal(signal.SIGINT, interrupted_while_starting)  # the command hands Ctrl-C on once it can clean up
    from .cli import main as run_command

    run_command()


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
