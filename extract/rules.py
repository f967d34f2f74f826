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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml

from . import __version__
from .dates import DATE
from .quantities import NUMBER, QUANTITY

REGEX_TIMEOUT = 1.0  # seconds per pattern and paragraph
FORMAT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")  # letters only: {2,6} and {20} stay quantifiers


def without_groups(pattern: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


PLACEHOLDERS = {
    "quantity": f"(?P<quantity>{without_groups(QUANTITY.pattern)})",
    "number": f"(?P<number>{NUMBER})",
    "date": f"(?P<date>{without_groups(DATE.pattern)})",
}


class RuleFileError(Exception):
    """A rule file problem, already formatted as file:line: message."""


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


@dataclass
class TableRule:
    title: Any
    columns: dict[str, str]
    source: str
    entity: list[str] = field(default_factory=list)
    total_row: Any | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    deadlines: dict[str, str] | None = None


@dataclass
class FormatRules:
    format: str
    describe: str
    path: str
    match: dict[str, Any]
    metrics: list[MetricRule] = field(default_factory=list)
    tables: list[TableRule] = field(default_factory=list)
    prose_deadlines: bool = True
    deadline_sections: Any | None = None


@dataclass
class CommonRules:
    generic_metrics: bool = True
    generic_tables: bool = True
    generic_deadlines: bool = True
    entities: list[Any] = field(default_factory=list)
    owners: list[Any] = field(default_factory=list)
    label_trim_start: list[str] = field(default_factory=list)
    label_trim_end: list[str] = field(default_factory=list)


@dataclass
class RuleSet:
    formats: list[FormatRules]
    common: CommonRules
    vocabulary: dict[str, MetricDef]
    errors: list[str]
    digest: str
    files: list[str]


# --------------------------------------------------------------------------- YAML with line numbers
class LineLoader(yaml.SafeLoader):
    """Mappings remember the line of each key (``__lines__``) and their own (``__line__``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=True)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = {self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value}
        return mapping


def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the broken structure starts, when known
        line = mark.line + 1 if mark else 0
        context = f" ({exc.context})" if exc.context else ""
        raise RuleFileError(
            f"{path}:{line}: YAML syntax error: {exc.problem}{context}; check indentation and quoting there"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path}:0: cannot read the file ({exc})") from exc


class Checker:
    """Collects file:line problems while a rule file is turned into rule objects."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.short = f"{path.parent.name}/{path.name}"  # rules/x.yaml: the same in every checkout, for outputs
        self.problems: list[str] = []

    def error(self, node: Any, key: str | None, message: str) -> None:
        line = 0
        if isinstance(node, dict):
            line = node.get("__lines__", {}).get(key, node.get("__line__", 0)) if key else node.get("__line__", 0)
        self.problems.append(f"{self.path}:{line}: {message}")

    def keys(self, node: dict, allowed: set[str], where: str) -> None:
        for key in node:
            if key in ("__line__", "__lines__"):
                continue
            if key not in allowed:
                hint = closest(str(key), allowed)
                self.error(
                    node,
                    key,
                    f"{where}: unknown key '{key}'"
                    + (f"; did you mean '{hint}'?" if hint else f"; allowed: {', '.join(sorted(allowed))}"),
                )

    def compile(self, node: dict, key: str, pattern: Any, where: str, placeholders: bool = True) -> Any | None:
        if not isinstance(pattern, str) or not pattern:
            self.error(node, key, f"{where}: must be a non-empty text pattern")
            return None
        expanded = pattern
        if placeholders:
            for name in PLACEHOLDER.findall(pattern):
                if name not in PLACEHOLDERS and name != "entity":
                    self.error(
                        node,
                        key,
                        f"{where}: unknown placeholder {{{name}}}; use {{quantity}}, {{number}}, {{date}} or {{entity}}",
                    )
                    return None
            expanded = PLACEHOLDER.sub(
                lambda m: PLACEHOLDERS.get(m.group(1), "(?P<entity>[\\u4e00-\\u9fff（）()]{2,20})"), pattern
            )
        try:
            return regex.compile(expanded)
        except regex.error as exc:
            self.error(node, key, f"{where}: bad regular expression ({exc}); escape literal brackets like \\( or （")
            return None


def closest(word: str, options: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return found[0] if found else None


# --------------------------------------------------------------------------- loading
def load_rules(directory: str | Path) -> RuleSet:
    directory = Path(directory)
    errors: list[str] = []
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    digest = hashlib.sha256(__version__.encode())
    vocabulary: dict[str, MetricDef] = {}
    common = CommonRules()
    formats: list[FormatRules] = []
    if not directory.is_dir():
        errors.append(f"{directory}:0: rules folder not found; pass --rules DIR or create it")
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    ordered = sorted(files, key=lambda p: (p.stem != "metrics", p.stem != "common", p.name))
    seen_formats: dict[str, str] = {}
    for path in ordered:
        try:
            data = read_yaml(path)
        except RuleFileError as exc:
            errors.append(str(exc))
            continue
        checker = Checker(path)
        if not isinstance(data, dict):
            errors.append(f"{path}:1: a rule file is a mapping of keys (format:, match:, …), not {type(data).__name__}")
            continue
        if path.stem == "metrics":
            vocabulary = parse_vocabulary(data, checker)
        elif path.stem == "common":
            common = parse_common(data, checker)
        else:
            fmt = parse_format(data, checker, vocabulary)
            if fmt is not None and fmt.format in seen_formats:
                checker.error(
                    data,
                    "format",
                    f"format '{fmt.format}' is already defined in {seen_formats[fmt.format]}; give each format its own id",
                )
            elif fmt is not None and not checker.problems:
                seen_formats[fmt.format] = str(path)
                formats.append(fmt)
        errors.extend(checker.problems)
    return RuleSet(formats, common, vocabulary, errors, digest.hexdigest()[:16], [str(p) for p in files])


def parse_vocabulary(data: dict, checker: Checker) -> dict[str, MetricDef]:
    checker.keys(data, {"metrics", "describe"}, "metrics.yaml")
    out: dict[str, MetricDef] = {}
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        checker.error(data, "metrics", "metrics: must map metric ids to {aliases, unit}")
        return out
    for metric_id, spec in metrics.items():
        if metric_id in ("__line__", "__lines__"):
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(metric_id)):
            checker.error(
                metrics, metric_id, f"metric id '{metric_id}': use English snake_case, e.g. records_collected_total"
            )
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("aliases"), list) or not spec["aliases"]:
            checker.error(metrics, metric_id, f"metric '{metric_id}': needs aliases: [中文名, …]")
            continue
        checker.keys(spec, {"aliases", "unit", "name"}, f"metric '{metric_id}'")
        out[metric_id] = MetricDef(
            metric_id, [str(a) for a in spec["aliases"]], spec.get("unit"), str(spec.get("name", ""))
        )
    return out


def parse_common(data: dict, checker: Checker) -> CommonRules:
    checker.keys(
        data, {"format", "describe", "generic", "entities", "owners", "label_trim_start", "label_trim_end"}, "common"
    )
    common = CommonRules()
    generic = data.get("generic", {}) or {}
    if isinstance(generic, dict):
        checker.keys(generic, {"metrics", "tables", "deadlines"}, "generic")
        common.generic_metrics = bool(generic.get("metrics", True))
        common.generic_tables = bool(generic.get("tables", True))
        common.generic_deadlines = bool(generic.get("deadlines", True))
    for key, target in (("entities", common.entities), ("owners", common.owners)):
        values = data.get(key, []) or []
        if not isinstance(values, list):
            checker.error(data, key, f"{key}: must be a list of patterns")
            continue
        for i, pattern in enumerate(values):
            compiled = checker.compile(data, key, pattern, f"{key}[{i}]", placeholders=False)
            if compiled is not None:
                target.append(compiled)
    common.label_trim_start = [str(w) for w in data.get("label_trim_start", []) or []]
    common.label_trim_end = [str(w) for w in data.get("label_trim_end", []) or []]
    return common


def parse_format(data: dict, checker: Checker, vocabulary: dict[str, MetricDef]) -> FormatRules | None:
    checker.keys(data, {"format", "describe", "match", "metrics", "tables", "deadlines"}, "format file")
    fmt_id = data.get("format")
    if not isinstance(fmt_id, str) or not FORMAT_ID.match(fmt_id):
        checker.error(
            data,
            "format" if "format" in data else None,
            "format: needs an id like weekly-data-bulletin (lower case, digits, dashes)",
        )
        return None
    match = data.get("match")
    compiled_match: dict[str, Any] = {}
    if not isinstance(match, dict) or not [k for k in match if not str(k).startswith("__")]:
        checker.error(
            data,
            "match" if "match" in data else "format",
            "match: needs at least one of title, issuer, doc_number, text (patterns)",
        )
    else:
        checker.keys(match, {"title", "issuer", "doc_number", "text"}, "match")
        for key in ("title", "issuer", "doc_number", "text"):
            if key in match:
                compiled = checker.compile(match, key, match[key], f"match.{key}", placeholders=False)
                if compiled is not None:
                    compiled_match[key] = compiled
    fmt = FormatRules(fmt_id, str(data.get("describe", "")), str(checker.path), compiled_match)
    for i, spec in enumerate(list_of(data, "metrics", checker)):
        rule = parse_metric_rule(spec, i, checker, vocabulary)
        if rule:
            fmt.metrics.append(rule)
    for i, spec in enumerate(list_of(data, "tables", checker)):
        table = parse_table_rule(spec, i, checker, vocabulary)
        if table:
            fmt.tables.append(table)
    deadlines = data.get("deadlines")
    if isinstance(deadlines, dict):
        checker.keys(deadlines, {"prose", "sections"}, "deadlines")
        fmt.prose_deadlines = bool(deadlines.get("prose", True))
        if "sections" in deadlines:
            fmt.deadline_sections = checker.compile(
                deadlines, "sections", deadlines["sections"], "deadlines.sections", placeholders=False
            )
    elif deadlines is not None:
        checker.error(data, "deadlines", "deadlines: must be a mapping like {prose: true}")
    return fmt


def list_of(data: dict, key: str, checker: Checker) -> list[dict]:
    value = data.get(key, []) or []
    if not isinstance(value, list):
        checker.error(data, key, f"{key}: must be a list (each item starts with '- ')")
        return []
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            checker.error(data, key, f"{key}[{i}]: must be a mapping of keys")
        else:
            items.append(item)
    return items


def check_metric_id(
    node: dict, key: str, metric: Any, checker: Checker, vocabulary: dict[str, MetricDef], where: str
) -> bool:
    if not isinstance(metric, str) or metric not in vocabulary:
        hint = closest(str(metric), set(vocabulary))
        checker.error(
            node,
            key,
            f"{where}: metric '{metric}' is not in rules/metrics.yaml"
            + (f"; did you mean '{hint}'?" if hint else "; add it there first"),
        )
        return False
    return True


def parse_metric_rule(spec: dict, i: int, checker: Checker, vocabulary: dict[str, MetricDef]) -> MetricRule | None:
    where = f"metrics[{i}]"
    checker.keys(spec, {"metric", "pattern", "section", "entity", "label", "unit"}, where)
    if not check_metric_id(spec, "metric", spec.get("metric"), checker, vocabulary, where):
        return None
    pattern = spec.get("pattern")
    compiled = checker.compile(spec, "pattern", pattern, f"{where}.pattern")
    if compiled is None:
        return None
    if "{quantity}" not in pattern and "{number}" not in pattern:
        checker.error(
            spec, "pattern", f"{where}.pattern: must contain {{quantity}} or {{number}} where the value stands"
        )
        return None
    section = (
        checker.compile(spec, "section", spec["section"], f"{where}.section", placeholders=False)
        if "section" in spec
        else None
    )
    line = spec.get("__line__", 0)
    return MetricRule(
        spec["metric"],
        compiled,
        f"{checker.short}:{line}",
        section,
        spec.get("entity"),
        spec.get("label"),
        spec.get("unit"),
    )


def parse_table_rule(spec: dict, i: int, checker: Checker, vocabulary: dict[str, MetricDef]) -> TableRule | None:
    where = f"tables[{i}]"
    checker.keys(spec, {"title", "entity", "columns", "total_row", "checks", "deadlines"}, where)
    title = checker.compile(spec, "title", spec.get("title"), f"{where}.title", placeholders=False)
    columns = spec.get("columns", {}) or {}
    if not isinstance(columns, dict):
        checker.error(
            spec, "columns", f"{where}.columns: map column headers to metric ids, e.g. {{注册数: dingtalk_registered}}"
        )
        return None
    mapped = {}
    for header, metric in columns.items():
        if header in ("__line__", "__lines__"):
            continue
        if check_metric_id(columns, header, metric, checker, vocabulary, f"{where}.columns.{header}"):
            mapped[str(header)] = metric
    entity = spec.get("entity", [])
    entity = [entity] if isinstance(entity, str) else [str(e) for e in entity or []]
    total = (
        checker.compile(spec, "total_row", spec["total_row"], f"{where}.total_row", placeholders=False)
        if "total_row" in spec
        else None
    )
    checks = []
    for j, check in enumerate(spec.get("checks", []) or []):
        if isinstance(check, dict) and "sum" in check and isinstance(check["sum"], list):
            checks.append({"kind": "sum", "columns": [str(c) for c in check["sum"]]})
        elif (
            isinstance(check, dict)
            and isinstance(check.get("ratio"), dict)
            and {"column", "numerator", "denominator"} <= set(check["ratio"])
        ):
            ratio = check["ratio"]
            checks.append(
                {
                    "kind": "ratio",
                    "column": str(ratio["column"]),
                    "numerator": str(ratio["numerator"]),
                    "denominator": str(ratio["denominator"]),
                    "tolerance": float(ratio.get("tolerance", 1)),
                }
            )
        else:
            checker.error(
                spec,
                "checks",
                f"{where}.checks[{j}]: use {{sum: [列, …]}} or {{ratio: {{column: 率, numerator: 分子列, denominator: 分母列}}}}",
            )
    deadlines = spec.get("deadlines")
    if deadlines is not None and (not isinstance(deadlines, dict) or not {"task", "due"} <= set(deadlines)):
        checker.error(spec, "deadlines", f"{where}.deadlines: needs task and due columns (owner optional)")
        deadlines = None
    if title is None or checker.problems:
        return None
    clean_deadlines = {k: str(v) for k, v in deadlines.items() if not str(k).startswith("__")} if deadlines else None
    return TableRule(
        title, mapped, f"{checker.short}:{spec.get('__line__', 0)}", entity, total, checks, clean_deadlines
    )


def search(pattern: Any, text: str) -> Any:
    """A rule pattern's search with the timeout (TimeoutError propagates to the caller)."""
    return pattern.search(text, timeout=REGEX_TIMEOUT)


def finditer(pattern: Any, text: str) -> list[Any]:
    return list(pattern.finditer(text, timeout=REGEX_TIMEOUT))
