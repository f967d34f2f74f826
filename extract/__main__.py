"""`python -m extract` works like the `extract` command."""

from .cli import main

main()
