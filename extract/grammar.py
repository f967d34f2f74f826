"""The grammar of figures as data: units, multipliers, currency units, approximation words, duration
words and total-row words, read from the shipped ``rules/grammar.yaml`` and validated.

Owns: the schema of that file and loading it once per process. quantities.py builds its patterns
from it, arithmetic.py its total-row ranks; ``extract rules check`` validates the file with the
other rule files (file:line for every problem).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .yamlfile import YamlFileError, read_yaml_file

GRAMMAR_FILE = Path(__file__).resolve().parent / "rules" / "grammar.yaml"

Word = Annotated[str, Field(min_length=1, max_length=12)]


class Multiplier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    power: int = Field(ge=1, le=16)
    not_before: str = ""  # characters after which the word belongs to a unit (万元, 千米, 兆瓦)


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
