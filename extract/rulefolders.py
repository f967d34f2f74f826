"""Which rule folders a run uses: the rules shipped inside the package, a user's folder layered
on top. Kept apart from rules.py (which compiles them) and light to import, so the command line
can name them, and start the workers compiling them, before it loads anything heavy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

RulesArg = str | Path | Sequence[str | Path]


def default_rules_dir() -> Path:
    """The rules shipped inside the package (a ./rules folder is never picked up by surprise:
    pass --rules DIR to add another)."""
    return Path(__file__).resolve().parent / "rules"


def rule_layers(directories: RulesArg) -> list[Path]:
    """The rule folders to load, in order, each once (a later folder adds to the earlier ones)."""
    folders = [directories] if isinstance(directories, (str, Path)) else list(directories)
    return list(dict.fromkeys(Path(d) for d in folders))


def layers(rules: RulesArg) -> tuple[str, ...]:
    """Rule folders as a hashable, picklable key: what workers are told and what the cache keys on."""
    return tuple(str(p) for p in rule_layers(rules))


def user_rules(extra: str | Path | None) -> tuple[str, ...]:
    """The shipped rules, with a user's folder layered on top of them."""
    return layers([default_rules_dir(), *([extra] if extra else [])])
