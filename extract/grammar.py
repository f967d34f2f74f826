"""The grammar of Chinese government text as data: units, multipliers, currency units, approximation
and duration words, total-row words, deadline phrases and section numbering labels, read from the
shipped ``rules/grammar.yaml`` and validated.

Owns: the schema of that file and loading it once per process. quantities.py builds its patterns
from it, arithmetic.py its total-row ranks, dates.py its deadline pattern, structure.py its
numbering labels; ``extract rules check`` validates the file with the other rule files (file:line
for every problem).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

import regex
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .yamlfile import YamlFileError, read_yaml_file

GRAMMAR_FILE = Path(__file__).resolve().parent / "rules" / "grammar.yaml"

Word = Annotated[str, Field(min_length=1, max_length=12)]


class Multiplier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    power: int = Field(ge=1, le=16)
    not_before: str = ""  # characters after which the word belongs to a unit (万元, 千米, 兆瓦)


def longest_first(words: list[str] | tuple[str, ...]) -> str:
    """An alternation in which a longer word is tried before a word it starts with (超过 before 超);
    no words give a pattern that never matches (an empty alternation would match everywhere)."""
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"


NUMBER_SLOT = "{n}"  # in a numbering label: a number in Chinese or Arabic digits
CHAPTER_NUMBER = r"[一二三四五六七八九十百零〇\d]{1,5}"


def label_pattern(label: str) -> str:
    """A numbering label of grammar.yaml as a regular expression ({n} → a number)."""
    return label.replace(NUMBER_SLOT, CHAPTER_NUMBER)


def compiles(label: str) -> str:
    try:
        compiled = regex.compile(label_pattern(label))
    except regex.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from exc
    if compiled.match(""):
        raise ValueError("matches an empty line: every paragraph would be a heading")
    return label


Day = Annotated[int, Field(ge=1, le=31)]
Month = Annotated[int, Field(ge=1, le=12)]


class Deadlines(BaseModel):
    """The words of deadline phrases: 10月底前, 9月上旬, 下半年, 全年工作, 截至8月3日."""

    model_config = ConfigDict(extra="forbid")
    before: list[Word] = Field(min_length=1)  # after a date: a limit to meet
    month_end: list[Word] = []  # the month's last day, a limit even without a before-word
    month_whole: list[Word] = []  # the month's last day, a limit only with a before-word
    month_parts: dict[Word, Day] = {}  # the day each part of a month ends (31: its last day)
    year_end: list[Word] = []
    halves: dict[Word, Month] = {}  # the month each half year ends
    ongoing: list[Word] = []
    undetermined: list[Word] = []
    as_of: list[Word] = []
    span_start: list[Word] = []


class GrammarFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    describe: str = ""
    multipliers: dict[Word, Multiplier] = Field(min_length=1)
    compound_steps: Word
    currency: dict[Word, Annotated[int, Field(ge=0, le=16)]] = Field(min_length=1)
    units: list[Word] = Field(min_length=1)
    approx_before: list[Word] = []
    approx_after: list[Word] = []
    duration_lead: list[Word] = []
    total_words: dict[Word, Annotated[int, Field(ge=1, le=9)]] = Field(min_length=1)
    deadlines: Deadlines
    numbering: list[Annotated[str, Field(min_length=1, max_length=120), AfterValidator(compiles)]] = Field(min_length=1)


class GrammarError(Exception):
    """The shipped grammar file is broken: a packaging error, named by file and line."""


@cache
def grammar() -> GrammarFile:
    """The shipped grammar, validated; a broken file stops with file:line (every document would
    be read wrongly without it)."""
    try:
        source = read_yaml_file(GRAMMAR_FILE)
        return GrammarFile.model_validate(source.data)
    except YamlFileError as exc:
        raise GrammarError(str(exc)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = [step for step in first["loc"] if step != "[key]"]
        line = source.line_of(where)
        raise GrammarError(f"{GRAMMAR_FILE}:{line}: {'.'.join(map(str, where))}: {first['msg']}") from exc
