"""Rule files: load ``rules/*.yaml``, validate them, compile their patterns.

Three kinds of file: ``metrics.yaml`` (the shared metric vocabulary: canonical ids, Chinese
aliases, units), ``common.yaml`` (generic extraction switches, entity and owner patterns) and
one file per report format (how to recognise it, prose metric patterns, attachment tables →
tidy rows and checks, deadline settings). Every problem is reported as ``file:line: what; fix``
and a broken file is skipped, never fatal. Placeholders {quantity}, {number}, {date} and
{entity} expand to the shared grammar, so rule authors never write number regexes. Patterns
run through the ``regex`` module with a timeout, so a catastrophic pattern cannot hang a batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import regex
from pydantic import BaseModel, ValidationError

from . import __version__
from .grammar import GRAMMAR_FILE, GrammarFile
from .rulefolders import RulesArg, rule_layers
from .ruleschema import CommonFile, FormatFile, VocabularyFile, describe_error, expand_placeholders, location_text
from .settings import LIMITS
from .yamlfile import YamlFile, YamlFileError, read_yaml_file

M = TypeVar("M", bound=BaseModel)


# --------------------------------------------------------------------------- the rule model
@dataclass
class MetricDef:
    metric_id: str
    aliases: list[str]
    unit: str | None
    name: str = ""


@dataclass
class MetricRule:
    metric: str
    pattern: Any  # regex.Pattern
    source: str  # file:line, for messages
    section: Any | None = None
    entity: str | None = None
    label: str | None = None
    unit: str | None = None
    change_of_previous: bool = False  # the label names the figure the change is of


@dataclass
class TableRule:
    title: Any
    columns: dict[str, str]
    source: str
    entity: list[str] = field(default_factory=list)
    total_row: Any | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    deadlines: dict[str, str] | None = None
    rows: dict[Any, str] = field(default_factory=dict)  # compiled row-path pattern → metric id
    unit: str | None = None  # the figures' unit where the table prints none
    optional: bool = False  # columns the table lacks are passed over, not rule errors
    units: dict[str, str] = field(default_factory=dict)  # column name → unit where none is printed
    header: Any | None = None  # compiled pattern the table's header must fit
    occurrence: int | None = None  # the Nth table whose title fits (from 1)


@dataclass
class FormatRules:
    format: str
    describe: str
    path: str
    match: dict[str, Any]
    match_source: str  # file:line of match:, for messages
    metrics: list[MetricRule] = field(default_factory=list)
    tables: list[TableRule] = field(default_factory=list)
    exclude: dict[str, Any] = field(default_factory=dict)  # field → pattern: any match keeps the format off
    priority: int = 0
    prose_deadlines: bool = True
    deadline_sections: Any | None = None
    # across tables: (file:line, (left title pattern, column), (right title pattern, column))
    same_figures: list[tuple[str, tuple[Any, str], tuple[Any, str]]] = field(default_factory=list)
    table_settings: dict[str, float] = field(default_factory=dict)  # overrides of settings.TableSettings


@dataclass
class CommonRules:
    generic_metrics: bool = True
    generic_tables: bool = True
    generic_deadlines: bool = True
    entities: list[Any] = field(default_factory=list)
    owners: list[Any] = field(default_factory=list)
    label_trim_start: list[str] = field(default_factory=list)
    label_trim_end: list[str] = field(default_factory=list)
    entity_sources: list[str] = field(default_factory=list)  # file:line of each pattern, for messages
    owner_sources: list[str] = field(default_factory=list)


@dataclass
class RuleSet:
    formats: list[FormatRules]
    common: CommonRules
    vocabulary: dict[str, MetricDef]
    errors: list[str]
    digest: str
    files: list[str]


# --------------------------------------------------------------------------- loading
def rule_files(directory: Path) -> list[Path]:
    """Every *.yaml / *.yml entry, files or not: a directory or broken link named x.yaml is reported."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return []
    files = [p for p in entries if p.suffix in (".yaml", ".yml")]
    return sorted(files, key=lambda p: (p.suffix != ".yaml", p.name))


def load_rules(directories: RulesArg, stress: bool = True) -> RuleSet:
    """Every rule file in the folders, validated; a broken file is reported (file:line) and skipped.
    Folders are layers: a later folder's formats are added to the earlier ones' (a format with the
    same id replaces the earlier one), its metrics.yaml adds or redefines metric ids, and its
    common.yaml replaces the earlier common settings. ``stress=False`` skips trying patterns on
    the stress texts (quicker, for tools that only look)."""
    errors: list[str] = []
    digest = hashlib.sha256(__version__.encode())
    loaded: dict[Path, tuple[int, YamlFile]] = {}
    files: list[Path] = []
    for layer, directory in enumerate(rule_layers(directories)):
        if not directory.is_dir():
            errors.append(f"{directory}:0: rules folder not found; pass --rules DIR or create it")
            continue
        for path in rule_files(directory):
            files.append(path)
            try:
                loaded[path] = (layer, read_yaml_file(path))
                digest.update(f"{layer}\0{path.name}\0".encode() + loaded[path][1].text.encode())
            except YamlFileError as exc:
                errors.append(str(exc))
                digest.update(f"{layer}\0{path.name}\0".encode() + str(exc).encode())
    kinds = {"grammar": 0, "metrics": 0, "common": 1}
    ordered = sorted(loaded, key=lambda p: (kinds.get(p.stem, 2), loaded[p][0], p.name))
    vocabulary: dict[str, MetricDef] = {}
    common = CommonRules()
    formats: dict[str, FormatRules] = {}
    defined_in: dict[tuple[int, str], str] = {}  # (layer, format id) → file, to refuse a twin in one layer
    for path in ordered:
        layer, source = loaded[path]
        if path.stem == "metrics":
            model, problems = validate(VocabularyFile, source, {"stress": stress})
            if model is not None:
                vocabulary |= {
                    metric_id: MetricDef(metric_id, list(entry.aliases), entry.unit, entry.name)
                    for metric_id, entry in model.metrics.items()
                }
        elif path.stem == "grammar":
            model, problems = validate(GrammarFile, source, {})
            if model is not None and source.text != GRAMMAR_FILE.read_text(encoding="utf-8"):
                problems.append(
                    f"{path}:1: a grammar file of your own is not applied yet: the grammar is read from "
                    f"{GRAMMAR_FILE} only; add the words there"
                )
        elif path.stem == "common":
            model, problems = validate(CommonFile, source, {"stress": stress})
            if model is not None:
                common = to_common(model, source)
        else:
            model, problems = validate(FormatFile, source, {"vocabulary": vocabulary, "stress": stress})
            if model is not None and (layer, model.format) in defined_in:
                problems.append(
                    f"{path}:{source.line_of(['format'])}: format '{model.format}' is already defined in "
                    f"{defined_in[(layer, model.format)]}; give each format its own id"
                )
            elif model is not None:
                defined_in[(layer, model.format)] = str(path)
                formats[model.format] = to_format(model, source)  # a later layer's replaces it, in place
        errors.extend(problems)
    return RuleSet(list(formats.values()), common, vocabulary, errors, digest.hexdigest()[:16], [str(p) for p in files])


def validate(model: type[M], source: YamlFile, context: dict[str, Any]) -> tuple[M | None, list[str]]:
    """The file's data as the model, or the problems as file:line: where: what; fix."""
    if not isinstance(source.data, dict):
        kind = "an empty file" if source.data is None else type(source.data).__name__
        return None, [f"{source.path}:1: a rule file is a mapping of keys (format:, match:, …), not {kind}"]
    try:
        return model.model_validate(source.data, context=context), []
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = location_text(loc[:-1] if error["type"] == "extra_forbidden" else loc) or "file"
            line = source.line_of([s for s in loc if s != "[key]"])
            found.append((line, f"{source.path}:{line}: {where}: {describe_error(error, model)}"))
        return None, [problem for _, problem in sorted(found, key=lambda item: item[0])]


def short_name(path: Path) -> str:
    """rules/x.yaml: the same in every checkout, for outputs."""
    return f"{path.parent.name}/{path.name}"


def to_common(model: CommonFile, source: YamlFile) -> CommonRules:
    short = short_name(source.path)
    return CommonRules(
        generic_metrics=model.generic.metrics,
        generic_tables=model.generic.tables,
        generic_deadlines=model.generic.deadlines,
        entities=[regex.compile(p) for p in model.entities],
        owners=[regex.compile(p) for p in model.owners],
        label_trim_start=list(model.label_trim_start),
        label_trim_end=list(model.label_trim_end),
        entity_sources=[f"{short}:{source.line_of(['entities', i])}" for i in range(len(model.entities))],
        owner_sources=[f"{short}:{source.line_of(['owners', i])}" for i in range(len(model.owners))],
    )


def to_format(model: FormatFile, source: YamlFile) -> FormatRules:
    short = short_name(source.path)
    match = {key: regex.compile(value) for key, value in model.match.model_dump(exclude_none=True).items()}
    fmt = FormatRules(model.format, model.describe, str(source.path), match, f"{short}:{source.line_of(['match'])}")
    if model.exclude is not None:
        fmt.exclude = {key: regex.compile(value) for key, value in model.exclude.model_dump(exclude_none=True).items()}
    fmt.priority = model.priority
    if model.table_settings is not None:
        fmt.table_settings = model.table_settings.model_dump(exclude_none=True)
    fmt.prose_deadlines = model.deadlines.prose
    fmt.deadline_sections = regex.compile(model.deadlines.sections) if model.deadlines.sections else None
    for i, check in enumerate(model.checks):
        sides = [
            (regex.compile(side.table), side.column) for side in (check.same_figures.left, check.same_figures.right)
        ]
        fmt.same_figures.append((f"{short}:{source.line_of(['checks', i])}", sides[0], sides[1]))
    for i, spec in enumerate(model.metrics):
        fmt.metrics.append(
            MetricRule(
                spec.metric,
                regex.compile(expand_placeholders(spec.pattern)),
                f"{short}:{source.line_of(['metrics', i])}",
                regex.compile(spec.section) if spec.section else None,
                spec.entity,
                spec.label,
                spec.unit,
                spec.change_of_previous,
            )
        )
    for i, table in enumerate(model.tables):
        checks: list[dict[str, Any]] = []
        for check in table.checks:
            if check.sum is not None:
                checks.append({"kind": "sum", "columns": list(check.sum)})
            elif check.ratio is not None:
                checks.append({"kind": "ratio", **check.ratio.model_dump()})
            elif check.rows_equal is not None:
                sides = {
                    side: [regex.compile(p) for p in getattr(check.rows_equal, side)] for side in ("left", "right")
                }
                checks.append({"kind": "rows_equal", **sides})
        fmt.tables.append(
            TableRule(
                regex.compile(table.title),
                dict(table.columns),
                f"{short}:{source.line_of(['tables', i])}",
                list(table.entity),
                regex.compile(table.total_row) if table.total_row else None,
                checks,
                table.deadlines.model_dump(exclude_none=True) if table.deadlines else None,
                {regex.compile(pattern): metric for pattern, metric in table.rows.items()},
                table.unit,
                table.optional,
                dict(table.units),
                regex.compile(table.header) if table.header else None,
                table.occurrence,
            )
        )
    return fmt


def search(pattern: Any, text: str) -> Any:
    """A rule pattern's search with the timeout (TimeoutError propagates to the caller)."""
    return pattern.search(text, timeout=LIMITS.regex_timeout_s)


def finditer(pattern: Any, text: str) -> list[Any]:
    return list(pattern.finditer(text, timeout=LIMITS.regex_timeout_s))
