"""The `extract` command and `python -m extract`: Ctrl-C is quiet from the first instant.

The command line module imports a good deal (the PDF readers, pandas); until it is loaded and
handles Ctrl-C itself, an interrupt ends the program with one line instead of a traceback.
"""

from __future__ import annotations

import contextlib
import signal
import sys


def main() -> None:
    signal.signal(signal.SIGINT, interrupted_while_starting)
    from .cli import main as run_command

    signal.signal(signal.SIGINT, signal.default_int_handler)
    run_command()


def interrupted_while_starting(_signum: int, _frame: object) -> None:
    with contextlib.suppress(Exception):
        sys.stderr.write("extract: interrupted (nothing was read or written)\n")
    sys.exit(130)


if __name__ == "__main__":
    main()
