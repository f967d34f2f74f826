"""The schema of the rule files: what each key may hold, checked before any rule is used.

Owns: one pydantic model per kind of mapping in ``metrics.yaml``, ``common.yaml`` and the format
files (unknown keys refused, types strict: ``tolerance: abc`` or ``entity: 5`` is an error, not a
crash later), and the checks that need more than a type: metric ids that exist in the
vocabulary, regular expressions that compile and do not backtrack catastrophically, placeholders
that exist. A file that passes here cannot fail a document at run time because of its shape.
rules.py turns the validated models into the rule objects apply.py uses.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any, get_args, get_origin

import regex
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    model_validator,
)

from .dates import DATE
from .quantities import NUMBER, QUANTITY

FORMAT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")  # letters only: {2,6} and {20} stay quantifiers
ENTITY_PATTERN = "(?P<entity>[\\u4e00-\\u9fff（）()]{2,20})"
# Texts a pattern is tried on when it is checked: a pattern that cannot finish on them within
# the timeout backtracks catastrophically, and would time out on real paragraphs too. They hold
# runs of one kind of character each (hanzi of many kinds, digits, Latin letters, punctuation,
# spaces) and mixtures, since a runaway repeat is one whose class matches a long run.
COMMON_HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"
STRESS_TEXTS = (
    COMMON_HANZI * 3,
    "数据归集" * 400,
    "1234567890" * 160,
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" * 30,
    "，。、；：（）“”《》！？,.;:()%-+/" * 60,
    "部门 12, 数据 3.5%；" * 120,
    " \t" * 800,
)
STRESS_TIMEOUT_S = 0.25  # normal patterns finish these in well under a millisecond
# Counted repeats are unrolled when a pattern is compiled: (((a{100}){100}){100}) asks for a
# million copies and takes 300 MB; a{1000000} 280 MB. Real rule patterns ask for a few dozen.
MAX_REPEAT_COPIES = 10_000
REPEAT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def without_groups(pattern: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


PLACEHOLDERS = {
    "quantity": f"(?P<quantity>{without_groups(QUANTITY.pattern)})",
    "number": f"(?P<number>{NUMBER})",
    "date": f"(?P<date>{without_groups(DATE.pattern)})",
    "entity": ENTITY_PATTERN,
}


def expand_placeholders(pattern: str) -> str:
    return PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)], pattern)


def compile_pattern(pattern: str, stress: bool = True) -> Any:
    """A regex-module pattern, or ValueError saying what is wrong with it. ``stress``: also try it
    on the stress texts (the main process does; workers load files the main process checked)."""
    copies = repeat_copies(pattern)
    if copies > MAX_REPEAT_COPIES:
        raise ValueError(
            f"counted repeats ask for {copies:,} copies (over {MAX_REPEAT_COPIES:,}); use + or * for long runs"
        )
    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        raise ValueError(f"bad regular expression ({exc}); escape literal brackets like \\( or （") from None
    if not stress:
        return compiled
    for text in STRESS_TEXTS:
        try:
            compiled.search(text, timeout=STRESS_TIMEOUT_S)
        except TimeoutError:
            raise ValueError(
                "pattern backtracks catastrophically (it did not finish on a test text); "
                "avoid nested repeats like (a+)+ or (\\S+\\S+)+"
            ) from None
    return compiled


def repeat_copies(pattern: str) -> int:
    """How many copies the counted repeats of a pattern ask for, nested ones multiplied:
    ((a{100}){100}) → 10,000. Escapes and character classes are skipped."""
    stack = [1]  # the largest count inside each open group
    last = 1  # the count carried by the atom just read (a group's inside, or 1)
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i, last = i + 2, 1
            continue
        if in_class:
            in_class = char != "]"
            i += 1
            continue
        repeat = REPEAT.match(pattern, i)
        if char == "[":
            in_class, last = True, 1
            i += 2 if pattern[i + 1 : i + 2] == "]" else 1  # a ] right after [ is literal
        elif char == "(":
            stack.append(1)
            i += 1
        elif char == ")":
            inner = stack.pop() if len(stack) > 1 else 1
            stack[-1] = max(stack[-1], inner)
            last = inner
            i += 1
        elif repeat and (repeat.group(1) or repeat.group(2)):
            count = int(repeat.group(2) or repeat.group(1))
            stack[-1] = max(stack[-1], last * max(count, 1))
            i = repeat.end()
        else:
            last = 1
            i += 1
    return max(stack)


def stress_wanted(info: ValidationInfo) -> bool:
    return bool((info.context or {}).get("stress", True))


def plain_pattern(value: str, info: ValidationInfo) -> str:
    if not value:
        raise ValueError("must be a non-empty pattern")
    compile_pattern(value, stress_wanted(info))
    return value


def metric_pattern(value: str, info: ValidationInfo) -> str:
    if not value:
        raise ValueError("must be a non-empty pattern")
    for name in PLACEHOLDER.findall(value):
        if name not in PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{name}}}; use {{quantity}}, {{number}}, {{date}} or {{entity}}")
    if "{quantity}" not in value and "{number}" not in value:
        raise ValueError("must contain {quantity} or {number} where the value stands")
    compile_pattern(expand_placeholders(value), stress_wanted(info))
    return value


def known_metric(value: str, info: ValidationInfo) -> str:
    vocabulary = (info.context or {}).get("vocabulary")
    if vocabulary and value not in vocabulary:
        import difflib

        hint = difflib.get_close_matches(value, list(vocabulary), n=1, cutoff=0.6)
        raise ValueError(
            f"metric '{value}' is not in the vocabulary (a metrics.yaml, shipped or yours)"
            + (f"; did you mean '{hint[0]}'?" if hint else "; add it to a metrics.yaml first")
        )
    return value


def snake_case(value: str) -> str:
    if not METRIC_ID.match(value):
        raise ValueError(f"metric id '{value}': use English snake_case, e.g. records_collected_total")
    return value


def format_id(value: str) -> str:
    if not FORMAT_ID.match(value):
        raise ValueError("needs an id like weekly-data-bulletin (lower case, digits, dashes)")
    return value


def one_or_many(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"must be a column name or a list of names, not {value!r}")
    return value


Text = Annotated[str, Field(min_length=1)]  # an empty name or word would match everywhere
Pattern = Annotated[str, AfterValidator(plain_pattern)]
MetricPattern = Annotated[str, AfterValidator(metric_pattern)]
MetricRef = Annotated[str, AfterValidator(known_metric)]
Names = Annotated[list[Text], BeforeValidator(one_or_many)]


class Strict(BaseModel):
    """Unknown keys are errors and values are not coerced: '5' is not a list, 'abc' not a number."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --------------------------------------------------------------------------- metrics.yaml
class MetricEntry(Strict):
    name: str = ""
    aliases: list[Text] = Field(min_length=1)
    unit: Text | None = None


class VocabularyFile(Strict):
    describe: str = ""
    metrics: dict[Annotated[str, AfterValidator(snake_case)], MetricEntry]


# --------------------------------------------------------------------------- common.yaml
class GenericSwitches(Strict):
    metrics: bool = True
    tables: bool = True
    deadlines: bool = True


class CommonFile(Strict):
    format: str = "common"
    describe: str = ""
    generic: GenericSwitches = GenericSwitches()
    entities: list[Pattern] = []
    owners: list[Pattern] = []
    label_trim_start: list[Text] = []
    label_trim_end: list[Text] = []


# --------------------------------------------------------------------------- format files
class Match(Strict):
    title: Pattern | None = None
    issuer: Pattern | None = None
    doc_number: Pattern | None = None
    text: Pattern | None = None

    @model_validator(mode="after")
    def at_least_one(self) -> Match:
        if not any((self.title, self.issuer, self.doc_number, self.text)):
            raise ValueError("needs at least one of title, issuer, doc_number, text (patterns)")
        return self


class Exclude(Strict):
    """Patterns that keep a format off a document its match patterns fit (an annual-report
    format that must not claim a 政府信息公开工作年度报告): any one that matches excludes."""

    title: Pattern | None = None
    issuer: Pattern | None = None
    doc_number: Pattern | None = None
    text: Pattern | None = None

    @model_validator(mode="after")
    def at_least_one(self) -> Exclude:
        if not any((self.title, self.issuer, self.doc_number, self.text)):
            raise ValueError("needs at least one of title, issuer, doc_number, text (patterns)")
        return self


class MetricSpec(Strict):
    metric: MetricRef
    pattern: MetricPattern
    section: Pattern | None = None
    entity: Text | None = None
    label: Text | None = None
    unit: Text | None = None
    # the label starts with what the figure before it in the sentence measures (财政拨款收入…，比上年增加…)
    change_of_previous: bool = False


class Ratio(Strict):
    column: Text
    numerator: Text
    denominator: Text
    tolerance: float = Field(1.0, ge=0)


class RowsEqual(Strict):
    """Rows that add up to the same as other rows, in every value column (表3: 第一项 + 第二项 =
    第三项 + 第四项); each pattern names one row by its label path."""

    left: list[Pattern] = Field(min_length=1)
    right: list[Pattern] = Field(min_length=1)


class CheckSpec(Strict):
    """One check, named by its key: {sum: [列, …]}, {ratio: {column, numerator, denominator}} or
    {rows_equal: {left: [行, …], right: [行, …]}}."""

    sum: list[Text] | None = Field(None, min_length=1)
    ratio: Ratio | None = None
    rows_equal: RowsEqual | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> CheckSpec:
        if sum(x is not None for x in (self.sum, self.ratio, self.rows_equal)) != 1:
            raise ValueError(
                "use one of {sum: [列, …]}, {ratio: {column: 率, numerator: 分子列, denominator: 分母列}}, "
                "{rows_equal: {left: [行, …], right: [行, …]}}"
            )
        return self


class DeadlineColumns(Strict):
    task: Text
    due: Text
    owner: Text | None = None


class TableSpec(Strict):
    title: Pattern
    entity: Names = []
    columns: dict[Text, MetricRef] = {}
    # tables whose rows are the measures (政府信息公开 表3): a pattern on a row's label path
    # (its label columns joined by " / ") → the metric of every figure in that row
    rows: dict[Pattern, MetricRef] = {}
    # the unit of the table's figures where it prints none (政府信息公开 tables count 件 unsaid);
    # a printed unit (单位：万元, 金额（万元）) always wins
    unit: Text | None = None
    # national layouts vary by producer (a 收入预算总表 with or without 事业单位经营收入): columns the
    # table lacks are passed over instead of reported as a rule error
    optional: bool = False
    # the unit of one column's figures where the table prints none (采购项目数量: 项 beside 采购总金额)
    units: dict[Text, Text] = {}
    # among tables with the same title: the one whose header (columns joined by " | ") fits this
    # pattern, and/or the Nth (from 1) table of the document whose title fits
    header: Pattern | None = None
    occurrence: Annotated[int, Field(ge=1)] | None = None
    total_row: Pattern | None = None
    checks: list[CheckSpec] = []
    deadlines: DeadlineColumns | None = None


class DeadlineSettings(Strict):
    prose: bool = True
    sections: Pattern | None = None


class TableColumn(Strict):
    """One column of one table of the document: the first table whose title fits, the column found
    as in columns: (header start or header-path end)."""

    table: Pattern
    column: Text


class SameFigures(Strict):
    """Two tables print the same figures row by row (rows paired by their label path: 科目编码 and
    名称), e.g. a budget's 收入预算总表 合计 and 支出预算总表 合计."""

    left: TableColumn
    right: TableColumn


class FormatCheck(Strict):
    """A check across the tables of a document: {same_figures: {left: {table, column}, right: …}}."""

    same_figures: SameFigures


def table_settings_model() -> type[BaseModel]:
    """``table_settings:`` of a rule file: any of settings.TableSettings' fields, each a number
    not below zero of its own type (whole numbers for counts)."""
    from .settings import TableSettings

    fields: dict[str, Any] = {}
    for spec in dataclasses.fields(TableSettings):
        kind = int if spec.type in (int, "int") else float
        fields[spec.name] = (Annotated[kind, Field(ge=0)] | None, None)
    return create_model("TableSettingsSpec", __base__=Strict, **fields)


TableSettingsSpec = table_settings_model()


class FormatFile(Strict):
    format: Annotated[str, AfterValidator(format_id)]
    describe: str = ""
    match: Match
    exclude: Exclude | None = None
    # of the formats that claim a document, only those of the highest priority apply (default 0:
    # all apply together); a national format outranks a generic one that also fits its title
    priority: int = 0
    metrics: list[MetricSpec] = []
    tables: list[TableSpec] = []
    checks: list[FormatCheck] = []  # across tables
    deadlines: DeadlineSettings = DeadlineSettings()
    # tolerances of table finding for this format's documents (settings.TableSettings), when its
    # producer lays tables out unlike the defaults' measurements
    table_settings: TableSettingsSpec | None = None  # type: ignore[valid-type]


# --------------------------------------------------------------------------- messages
MESSAGES = {
    "string_type": "must be text",
    "list_type": "must be a list (items start with '- ' or go in [ ])",
    "dict_type": "must be a mapping of keys",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "greater_than_equal": "must not be negative",
    "string_too_short": "must not be empty",
}


def describe_error(error: dict[str, Any], root: type[BaseModel]) -> str:
    """One pydantic error as a sentence a rule author can act on."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "extra_forbidden":
        allowed = keys_at(root, loc[:-1])
        import difflib

        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        return f"unknown key '{loc[-1]}'" + (
            f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(sorted(allowed))}"
        )
    if kind == "missing":
        return f"'{loc[-1]}' is required"
    if kind == "too_short":
        return "needs at least one item"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    message = MESSAGES.get(kind, error["msg"])
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    if kind == "string_type" and isinstance(value, int | float | bool):
        return f"{message}; put quotes around it ('{value}')"
    return f"{message}, not {shown}"


def keys_at(root: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model at a location allows (for 'did you mean' suggestions)."""
    current: Any = root
    for step in loc:
        current = unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(step))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]  # list[T] → T, dict[K, V] → V
    current = unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def unwrap(annotation: Any) -> Any:
    """Annotated[T, …] → T and T | None → T."""
    while get_origin(annotation) is Annotated or (
        get_origin(annotation) is not None and type(None) in get_args(annotation)
    ):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def location_text(loc: tuple) -> str:
    """('tables', 0, 'checks', 1) → tables[0].checks[1]"""
    out = ""
    for step in loc:
        if step == "[key]":
            continue
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out
