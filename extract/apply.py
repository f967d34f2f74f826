"""Apply stage: a Document and the rule set into tidy records.

Owns: choosing the formats whose match patterns fit the document; prose metrics from format
patterns first, then generic ones (every number with a unit, labelled by the phrase in front of
it, trimmed with jieba's part-of-speech tags and mapped to the shared vocabulary, with the entity
a clause names and the 截至 date it is stated for); attachment tables into (entity, metric,
value, unit) rows, with sum and ratio checks recorded, never fixed; deadlines from the prose and
from task tables, a cell with several owners and dates split into one record each.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from .arithmetic import column_figures, sides_agree, table_checks
from .confidence import scored_metrics
from .dates import DEADLINE, as_of_date, deadline_from_match, is_deadline_phrase, report_period
from .model import Check, DeadlineRecord, Document, Metric, Paragraph, Records, Table
from .quantities import Quantity, as_number, find_quantities, header_unit_factor, parse_cell, parse_quantity
from .rules import FormatRules, MetricRule, RuleSet, TableRule, finditer, search
from .settings import LIMITS, TABLES, TableSettings
from .tablerecords import (
    column_index,
    column_indexes,
    column_records,
    entity_column,
    label_columns,
    row_path,
    value_columns,
)
from .wordseg import tagger

T = TypeVar("T")

SPACES = re.compile(r"\s+(?!/ )(?<! /\s)")  # spaces, but not those around a row path's " / "
SUBJECT_BREAK = re.compile(r"[，。；：、（）()《》,;:！？]")
CLAUSE_BREAK = re.compile(r"[，。；：、（）()“”《》,;:！？\s]")
SENTENCE_BREAK = re.compile(r"[。；;！？]")
CLASSIFIERS = set("个条张项家套类本期场名台路户所座辆篇份批轮起宗笔种处栋间只册部位支颗次人") | {"人次"}


@dataclass
class Context:
    doc: Document
    rules: RuleSet
    base: dt.date | None
    records: Records


def apply_rules(doc: Document, rules: RuleSet) -> Records:
    records = Records()
    ctx = Context(doc, rules, base_date(doc), records)
    formats = matching_formats(ctx)
    records.formats = [f.format for f in formats]
    claimed: dict[int, list[tuple[int, int]]] = {}
    for fmt in formats:
        for index, rule in enumerate(fmt.metrics):
            guarded(ctx, rule.source, partial(rule_metrics, ctx, fmt, index, rule, claimed))
    if rules.common.generic_metrics:
        generic_metrics(ctx, claimed)
    for table in doc.tables:
        spec = table_rule_for(formats, table, doc.tables)
        if spec is not None:
            fmt, index, table_rule = spec
            guarded(ctx, table_rule.source, partial(rule_table, ctx, fmt, index, table_rule, table))
        elif rules.common.generic_tables:
            generic_table(ctx, table)
        records.checks.extend(table_checks(table, doc.doc_id))
    for fmt in formats:
        for source, left, right in fmt.same_figures:
            guarded(ctx, source, partial(same_figures_checks, ctx, source, left, right))
    prose = all(f.prose_deadlines for f in formats) if formats else rules.common.generic_deadlines
    if prose:
        rule_name = next((f"{f.format}:deadlines" for f in formats), "generic")
        prose_deadlines(ctx, rule_name, next((f.deadline_sections for f in formats if f.deadline_sections), None))
    return in_panel(records, doc)


def matching_formats(ctx: Context) -> list[FormatRules]:
    """The report formats whose match: fits the document, the highest priority only."""
    doc = ctx.doc
    formats = [f for f in ctx.rules.formats if guarded(ctx, f.match_source, partial(format_matches, f, doc))]
    return [f for f in formats if f.priority == max(g.priority for g in formats)]


def table_settings_for(doc: Document, rules: RuleSet) -> TableSettings:
    """settings.TableSettings with the overrides (table_settings:) of the formats that fit the document."""
    if not any(fmt.table_settings for fmt in rules.formats):
        return TABLES  # the usual case: no format sets any, nothing to match twice
    overrides: dict[str, float] = {}
    for fmt in matching_formats(Context(doc, rules, base_date(doc), Records())):
        overrides.update(fmt.table_settings)
    return replace(TABLES, **overrides) if overrides else TABLES


def in_panel(records: Records, doc: Document) -> Records:
    """Every record names the period its document covers and the body that issued it, so records
    of two districts or two years line up in one query."""
    period = report_period(doc.meta.title, doc.meta.date)
    issuer = doc.meta.issuer or ""
    records.metrics = scored_metrics([replace(m, period=period, issuer=issuer) for m in records.metrics], doc)
    records.deadlines = [replace(d, period=period, issuer=issuer) for d in records.deadlines]
    return records


def guarded(ctx: Context, source: str, action: Callable[[], T]) -> T | None:
    """A rule that times out is reported against its file and line; the document goes on."""
    try:
        return action()
    except TimeoutError:
        ctx.records.errors.append(
            f"{source}: pattern timed out on {ctx.doc.doc_id} (over {LIMITS.regex_timeout_s:g} s); "
            "simplify the pattern (nested repeats like (a+)+ backtrack)"
        )
        return None


def base_date(doc: Document) -> dt.date | None:
    for value in (doc.meta.date, doc.meta.printed_date):
        if value:
            return dt.date.fromisoformat(value)
    year = re.search(r"(20\d\d)\s*年", (doc.meta.title or "") + " ".join(p.text for p in doc.paragraphs[:5]))
    return dt.date(int(year.group(1)), 12, 31) if year else None


def format_matches(fmt: FormatRules, doc: Document) -> bool:
    fields = {
        "title": doc.meta.title or "",
        "issuer": doc.meta.issuer or "",
        "doc_number": doc.meta.doc_number or "",
        "text": "\n".join(p.text for p in doc.paragraphs[:40]),
    }
    return all(search(pattern, fields[key]) for key, pattern in fmt.match.items()) and not any(
        search(pattern, fields[key]) for key, pattern in fmt.exclude.items()
    )


def table_rule_for(
    formats: list[FormatRules], table: Table, tables: list[Table]
) -> tuple[FormatRules, int, TableRule] | None:
    """The table rule for a table: the first whose title pattern fits the table's own title (and
    its header and place among the tables of that title, when the rule says), else, for a table
    with no caption of its own (the second table of an attachment), its attachment's."""
    names = [table.title] + ([table.attachment_title] if table.title_source != "caption" else [])
    for name in names:
        if not name:
            continue
        for fmt in formats:
            for index, rule in enumerate(fmt.tables):
                if fits(rule.title, name) and picks(rule, table, tables):
                    return fmt, index, rule
    return None


def fits(pattern: Any, text: str) -> bool:
    """A title or row pattern fits the text as printed or with its spaces taken out: producers
    space out headings (第二十条  第(五)项) and stack label characters (三、本\n年\n度)."""
    return bool(search(pattern, text) or search(pattern, SPACES.sub("", text)))


def picks(rule: TableRule, table: Table, tables: list[Table]) -> bool:
    """Does a rule's header pattern and occurrence pick this table among those its title fits?"""
    if rule.header is not None and not search(rule.header, " | ".join(table.header)):
        return False
    if rule.occurrence is not None:
        fitting = [t for t in tables if t.title and fits(rule.title, t.title)]
        return len(fitting) >= rule.occurrence and fitting[rule.occurrence - 1] is table
    return True


# --------------------------------------------------------------------------- prose metrics
def body_paragraphs(doc: Document) -> Iterator[tuple[int, Paragraph]]:
    for index, para in enumerate(doc.paragraphs):
        if para.kind in ("body", "heading") and para.text:
            yield index, para


def section_heading(doc: Document, section_id: str | None) -> str:
    """The headings on the path to a section, joined, for section filters."""
    if not section_id:
        return ""
    parts = section_id.split(".")
    headings = []
    for i in range(1, len(parts) + 1):
        section = doc.section(".".join(parts[:i]))
        if section and section.heading:
            headings.append(section.heading)
    return " / ".join(headings)


def rule_metrics(
    ctx: Context, fmt: FormatRules, index: int, rule: MetricRule, claimed: dict[int, list[tuple[int, int]]]
) -> None:
    for p_index, para in body_paragraphs(ctx.doc):
        if rule.section is not None and not search(rule.section, section_heading(ctx.doc, para.section_id)):
            continue
        for m in finditer(rule.pattern, para.text):
            values = m.groupdict()
            group = "quantity" if values.get("quantity") else "number"
            text = values.get(group)
            if not text:  # the value is optional in the pattern and absent here
                continue
            q = parse_quantity(text)
            if q is None:
                continue
            vocab = ctx.rules.vocabulary.get(rule.metric)
            unit = q.unit or rule.unit
            captured = m.groupdict().get("label")
            label = (
                rule.label
                or captured
                or m.group(0)[: m.start(group) - m.start()].strip()
                or (vocab.aliases[0] if vocab else rule.metric)
            )
            label = clean_label(ctx, label)
            if rule.change_of_previous:  # 财政拨款收入 + 比2024年预算增加
                label = clean_label(ctx, subject_before(para.text, m.start())) + label
            ctx.records.metrics.append(
                metric_record(
                    ctx,
                    para,
                    q,
                    rule.metric,
                    label,
                    entity_at(ctx, para.text, m.start(group)) if rule.entity is None else rule.entity,
                    unit,
                    f"{fmt.format}:metrics[{index}]",
                    position=m.start(group),
                )
            )
            claimed.setdefault(p_index, []).append((m.start(group), m.end(group)))


def subject_before(text: str, position: int) -> str:
    """What the last figure before this point in the sentence measures (财政拨款收入18,976.76万元，
    比上年增加… → 财政拨款收入), or "" when the sentence has none."""
    start = max(text.rfind(mark, 0, position) for mark in "。；;！？") + 1
    before = find_quantities(text[start:position])
    if not before:
        return ""
    end = start + before[-1].start
    begin = end
    while begin > start and not SUBJECT_BREAK.match(text[begin - 1]):  # quotes stay: “三公”经费
        begin -= 1
    return re.sub(r"^\d{4}\s*年度?", "", re.sub(r"\s+", "", text[begin:end]))


def generic_metrics(ctx: Context, claimed: dict[int, list[tuple[int, int]]]) -> None:
    for p_index, para in body_paragraphs(ctx.doc):
        taken = claimed.get(p_index, [])
        previous_left = ""
        for q in find_quantities(para.text):
            if any(a < q.end and q.start < b for a, b in taken):
                continue
            left, delimiter = left_context(para.text, q.start)
            if not left and delimiter in "、，,":
                left = previous_left  # 归集59个部门、4,274张表: the verb carries over the list
            previous_left = left
            noun = right_noun(para.text, q) if q.unit in CLASSIFIERS or q.unit == "%" else ""
            label = clean_label(ctx, left + noun)
            if len(label) <= 2:  # 信用信息，累计近23亿条: the thing counted is named in the clause before
                label = clean_label(ctx, previous_noun_phrase(para.text, q.start) + label)
            if not label:
                continue
            metric = vocabulary_id(ctx, label, q.unit)
            ctx.records.metrics.append(
                metric_record(ctx, para, q, metric, label, entity_at(ctx, para.text, q.start), q.unit, "generic")
            )


def metric_record(
    ctx: Context,
    para: Paragraph,
    q: Quantity,
    metric: str,
    label: str,
    entity: str,
    unit: str | None,
    rule: str,
    position: int | None = None,
) -> Metric:
    base = ctx.base
    if position is None:  # q's offsets are in the paragraph's text, else in the text from position on
        position, start, end = q.start, q.start, q.end
    else:
        start, end = position + q.start, position + q.end
    page, bbox = para.span_box(start, end) if end > start else para.locate(position)
    return Metric(
        doc_id=ctx.doc.doc_id,
        date=ctx.doc.meta.date,
        as_of=as_of_before(para.text, position, base) if base else None,
        section_id=para.section_id,
        metric=metric,
        label=label,
        entity=entity,
        value=q.value,
        unit=unit or "",
        raw=q.raw,
        approx=q.approx,
        page=page,
        bbox=bbox,
        source="text",
        rule=rule,
    )


def as_of_before(text: str, position: int, base: dt.date) -> str | None:
    """The last 截至/截止 date stated before the number in its paragraph."""
    head = text[:position]
    starts = [m.start() for m in re.finditer(r"截止|截至", head)]
    return as_of_date(head[starts[-1] :], base) if starts else None


def left_context(text: str, position: int) -> tuple[str, str]:
    """The phrase in front of a number, back to the previous clause break, and that break. A short
    qualifier in brackets right before the number (社会保障和就业支出（类）326.72万元) is passed over."""
    qualifier = re.search(r"[（(][^（）()]{1,6}[）)]\s*$", text[:position])
    end = qualifier.start() if qualifier else position
    start = end
    while start > 0 and not CLAUSE_BREAK.match(text[start - 1]):
        start -= 1
    return text[start:end], text[start - 1] if start > 0 else ""


def right_noun(text: str, q: Quantity) -> str:
    """What a number counts, when it follows: 59个部门 → 部门, 50%的民生事项实现“一证通办” → 民生事项…"""
    rest = text[q.end :]
    if q.unit == "%":
        m = re.match(r"的?((?:[\u4e00-\u9fff]|“[^”]{1,10}”){2,16})", rest)
        return m.group(1) if m else ""
    m = re.match(r"(?:[\u4e00-\u9fff]|“[^”]{1,10}”){1,10}", rest)
    if not m:
        return ""
    return re.split(r"[的和与及等]", m.group(0))[0]


def previous_noun_phrase(text: str, position: int) -> str:
    """The noun phrase ending the clause before this one, in the same sentence."""
    start = position
    while start > 0 and not CLAUSE_BREAK.match(text[start - 1]):
        start -= 1
    end = start - 1
    if end <= 0 or SENTENCE_BREAK.match(text[end]):
        return ""
    clause_start = end
    while clause_start > 0 and not CLAUSE_BREAK.match(text[clause_start - 1]):
        clause_start -= 1
    clause = text[clause_start:end]
    return re.split(r"[的了]", clause)[-1][-8:]


def clean_label(ctx: Context, label: str) -> str:
    """Trim a label to the noun phrase it names: no leading function words, no trailing copula."""
    label = re.sub(r"\s+", "", label)
    label = re.sub(r"^[\d.,%]+", "", label)
    common = ctx.rules.common
    changed = True
    while changed and label:
        changed = False
        for word in common.label_trim_start:
            if label.startswith(word) and len(label) > len(word):
                label, changed = label[len(word) :], True
        for word in common.label_trim_end:
            if label.endswith(word) and len(label) > len(word):
                label, changed = label[: -len(word)], True
    if len(label) > 12:
        # keep the trailing words, after the last preposition, conjunction or particle, up to 12 characters
        words = list(tagger().cut(label))
        kept: list[str] = []
        for word in reversed(words):
            if word.flag[:1] in ("p", "c", "u") or sum(map(len, kept)) + len(word.word) > 12:
                break
            kept.insert(0, word.word)
        label = "".join(kept) or label[-12:]
    return label


def vocabulary_id(ctx: Context, label: str, unit: str | None) -> str:
    best = ""
    best_len = 0
    for metric_id, spec in ctx.rules.vocabulary.items():
        if spec.unit and unit and spec.unit != unit:
            continue
        for alias in spec.aliases:
            if alias in label and len(alias) > best_len:
                best, best_len = metric_id, len(alias)
    return best


def entity_at(ctx: Context, text: str, position: int) -> str:
    """The department or district named in the number's clause or the clause before it, nearest first."""
    sentence_start = max((m.end() for m in SENTENCE_BREAK.finditer(text, 0, position)), default=0)
    breaks = [m.end() for m in re.finditer(r"[，,；;]", text[sentence_start:position])]
    start = sentence_start + (breaks[-2] if len(breaks) >= 2 else 0)
    sentence = text[start:position]
    found: tuple[int, str] | None = None
    for i, pattern in enumerate(ctx.rules.common.entities):
        matches = guarded(ctx, ctx.rules.common.entity_sources[i], partial(finditer, pattern, sentence)) or []
        for m in matches:
            if found is None or m.end() > found[0]:
                found = (m.end(), m.group(0))
    return found[1] if found else ""


# --------------------------------------------------------------------------- tables
def rule_table(ctx: Context, fmt: FormatRules, index: int, rule: TableRule, table: Table) -> None:
    rule_name = f"{fmt.format}:tables[{index}]"
    entity_col = entity_column(table, rule.entity)
    named: dict[int, str] = {}
    for name, metric in rule.columns.items():
        cols = [c for c in column_indexes(table, name) if c not in named]
        if not cols and not rule.optional:
            rule_error(ctx, table, f"{rule.source}: column '{name}' not in table ({'/'.join(table.header)})")
        named |= dict.fromkeys(cols, metric)
    units = {c: unit for name, unit in rule.units.items() for c in column_indexes(table, name)}
    for col in sorted(set(named) | set(value_columns(table))):
        generic = vocabulary_id(ctx, table.header[col], None)
        unit = units.get(col, rule.unit)
        for record in column_records(table, col, entity_col, "", rule_name, ctx.doc.doc_id, ctx.doc.meta.date):
            metric = named.get(col) or row_metric(ctx, rule, record.row)
            if metric and unit and not record.unit:
                record = in_rule_unit(record, unit)
            # a figure no rule names is still data, under the generic rule
            ctx.records.metrics.append(
                replace(record, metric=metric or generic, rule=rule_name if metric else "generic")
            )
    for check in rule.checks:
        if check["kind"] == "sum":  # the 合计 rows of every column are checked for every table (arithmetic.py)
            for name in check["columns"]:
                if column_index(table, name) is None:
                    rule_error(
                        ctx, table, f"{rule.source}: sum column '{name}' not in table ({'/'.join(table.header)})"
                    )
        elif check["kind"] == "rows_equal":
            guarded(ctx, rule.source, partial(rows_equal_checks, ctx, table, check, rule))
        else:
            ratio_checks(ctx, table, check, rule)
    if rule.deadlines:
        table_deadlines(ctx, table, rule.deadlines, rule_name)


def in_rule_unit(record: Metric, unit: str) -> Metric:
    """A bare figure in the unit its table rule gives (件; 万元 multiplied out to 元)."""
    factor, base = header_unit_factor(unit)
    return replace(record, value=as_number(Decimal(str(record.value)) * factor), unit=base or unit)


def row_metric(ctx: Context, rule: TableRule, row: str) -> str:
    """The metric a rows: rule gives a row (the first pattern its label path fits), or ""."""
    for pattern, metric in rule.rows.items():
        if guarded(ctx, rule.source, partial(fits, pattern, row)):
            return metric
    return ""


def generic_table(ctx: Context, table: Table) -> None:
    entity_col = entity_column(table, [])
    for col in value_columns(table):
        table_column_records(ctx, table, col, entity_col, vocabulary_id(ctx, table.header[col], None), "generic")


def table_column_records(ctx: Context, table: Table, col: int, entity_col: int | None, metric: str, rule: str) -> None:
    ctx.records.metrics.extend(column_records(table, col, entity_col, metric, rule, ctx.doc.doc_id, ctx.doc.meta.date))


def ratio_checks(ctx: Context, table: Table, check: dict, rule: TableRule) -> None:
    """A rate column must equal numerator / denominator, as the table defines it."""
    cols = [column_index(table, check[k]) for k in ("column", "numerator", "denominator")]
    if None in cols:
        return
    rate_col, num_col, den_col = cols
    for r, row in enumerate(table.rows):
        rate, num, den = (parse_cell(row[c].text) for c in (rate_col, num_col, den_col))  # type: ignore[index]
        if rate is None or num is None or den is None or den.value == 0:
            continue
        expected = num.value / den.value * 100
        passed = abs(expected - rate.value) <= check["tolerance"] + 1e-9
        entity = row[0].text if row[0].text else str(r)
        detail = f"row {r} ({entity}): {table.header[rate_col]} {rate.raw} vs {table.header[num_col]}/{table.header[den_col]} = {fmt_number(num.value)}/{fmt_number(den.value)} = {expected:.2f}%"  # type: ignore[index]
        cell = row[rate_col]  # type: ignore[index]
        ctx.records.checks.append(
            Check(
                ctx.doc.doc_id,
                table.table_id,
                "ratio",
                round(expected, 4),
                rate.value,
                detail,
                passed,
                cell.page,
                cell.ink or cell.bbox,
            )
        )


def rows_equal_checks(ctx: Context, table: Table, check: dict, rule: TableRule) -> None:
    """The rows on the left add up to the rows on the right, in every value column."""
    paths = [row_path(table, row, label_columns(table, value_columns(table)[0])) for row in table.rows]
    sides: dict[str, list[int]] = {}
    for side in ("left", "right"):
        sides[side] = []
        for pattern in check[side]:
            found = next((r for r, path in enumerate(paths) if fits(pattern, path)), None)
            if found is None:
                rule_error(ctx, table, f"{rule.source}: rows_equal: no row matches '{pattern.pattern}'")
                return
            sides[side].append(found)
    for col in value_columns(table):
        figures = column_figures(table, col)
        left = [figures[r] for r in sides["left"]]
        right = [figures[r] for r in sides["right"]]
        if any(f is None for f in left + right):
            continue  # a blank cell: nothing to compare
        names = [" + ".join(paths[r].split(" / ")[-1] for r in sides[s]) for s in ("left", "right")]
        detail = f"{table.header[col]}: {names[0]} = {names[1]}"
        ctx.records.checks.append(sides_agree(table, ctx.doc.doc_id, left, right, detail))  # type: ignore[arg-type]


def same_figures_checks(ctx: Context, source: str, left: tuple[Any, str], right: tuple[Any, str]) -> None:
    """Two tables print the same figure on every row they share (rows paired by label path); a
    row with a figure in one table only fails too. Nothing to check when a table is absent (a
    producer may leave it out); tables that share no row at all are a rule error."""
    found = [side_figures(ctx, *side) for side in (left, right)]
    if found[0] is None or found[1] is None:
        return
    (left_table, left_name, left_figures), (right_table, right_name, right_figures) = found
    shared = [row for row in left_figures if row in right_figures]
    if not shared:
        rule_error(ctx, right_table, f"{source}: same_figures: {left_table.title} and {right_table.title} share no row")
        return
    for row in dict.fromkeys([*left_figures, *right_figures]):
        detail = f"{row}: {left_table.title} {left_name} = {right_table.title} {right_name}"
        if row in left_figures and row in right_figures:
            check = sides_agree(
                right_table, ctx.doc.doc_id, [left_figures[row]], [right_figures[row]], detail, "same_figures"
            )
            ctx.records.checks.append(check)
            continue
        figure = left_figures.get(row) or right_figures[row]
        if figure.value == 0:
            continue  # a 0.00 row one table prints and the other leaves out
        where = left_table if row in left_figures else right_table
        ctx.records.checks.append(
            Check(
                ctx.doc.doc_id,
                where.table_id,
                "same_figures",
                None,
                figure.value,
                f"{detail}: only in {where.title}",
                False,
                figure.page,
                figure.bbox,
            )
        )


def side_figures(ctx: Context, title: Any, name: str) -> tuple[Table, str, dict] | None:
    """The first table whose title fits, and its column's figures by row label path."""
    table = next((t for t in ctx.doc.tables if t.title and fits(title, t.title)), None)
    if table is None:
        return None
    col = column_index(table, name)
    if col is None:
        rule_error(ctx, table, f"same_figures: column '{name}' not in {table.title} ({'/'.join(table.header)})")
        return None
    labels = label_columns(table, col)
    figures = column_figures(table, col)
    by_row = {row_path(table, table.rows[r], labels): f for r, f in enumerate(figures) if f is not None}
    return table, name, by_row


def fmt_number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}".rstrip("0")


# --------------------------------------------------------------------------- deadlines
def prose_deadlines(ctx: Context, rule_name: str, sections) -> None:
    if ctx.base is None:
        return
    for _, para in body_paragraphs(ctx.doc):
        if sections is not None and not search(sections, section_heading(ctx.doc, para.section_id)):
            continue
        text = para.text
        matches = [m for m in DEADLINE.finditer(text) if is_deadline_phrase(m, text)]
        for i, m in enumerate(matches):
            deadline = deadline_from_match(m, ctx.base)
            if deadline is None:
                continue
            stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            task, owner = task_after(ctx, text, m.start(), m.end(), stop)
            page, bbox = para.span_box(m.start(), m.end())
            ctx.records.deadlines.append(
                DeadlineRecord(
                    ctx.doc.doc_id,
                    task,
                    owner,
                    deadline.text,
                    deadline.due,
                    page,
                    para.section_id,
                    rule_name,
                    deadline.kind,
                    "text",
                    bbox=bbox,
                )
            )


def task_after(ctx: Context, text: str, start: int, end: int, stop: int) -> tuple[str, str]:
    """The task a deadline governs (the rest of its sentence) and who must do it."""
    sentence_end = SENTENCE_BREAK.search(text, end)
    limit = min(stop, sentence_end.start() if sentence_end else len(text))
    task = text[end:limit].strip(" ，,：:")
    sentence_start = max((m.end() for m in SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    before = text[sentence_start:start]
    owner = find_owner(ctx, task[:20]) or find_owner(ctx, before)
    if owner and task.startswith(owner):
        task = task[len(owner) :].lstrip("要将应于在，,")
    if not task:
        task = before.strip(" ，,")
    return task, owner


def find_owner(ctx: Context, text: str) -> str:
    best = ""
    for i, pattern in enumerate(ctx.rules.common.owners):
        m = guarded(ctx, ctx.rules.common.owner_sources[i], partial(search, pattern, text))
        if m and len(m.group(0)) > len(best):
            best = m.group(0)
    return best


def table_deadlines(ctx: Context, table: Table, columns: dict[str, str], rule_name: str) -> None:
    task_col = column_index(table, columns["task"])
    due_col = column_index(table, columns["due"])
    owner_col = column_index(table, columns["owner"]) if "owner" in columns else None
    if task_col is None or due_col is None:
        rule_error(ctx, table, f"{rule_name}: deadline columns {columns} not in table ({'/'.join(table.header)})")
        return
    for row in table.rows:
        cell = row[due_col]
        owner_cell = row[owner_col].text if owner_col is not None else ""
        for owner, qualifier, deadline_text in split_due_cell(cell.text):
            m = DEADLINE.search(deadline_text)
            base = ctx.base or explicit_year(m)
            deadline = deadline_from_match(m, base) if m and base else None
            task = row[task_col].text + (f"（{qualifier}）" if qualifier else "")
            ctx.records.deadlines.append(
                DeadlineRecord(
                    ctx.doc.doc_id,
                    task,
                    owner or owner_cell,
                    deadline.text if deadline else deadline_text,
                    deadline.due if deadline else None,
                    cell.page,
                    None,
                    rule_name,
                    deadline.kind if deadline else "undetermined",
                    f"table:{table.table_id}",
                    bbox=cell.ink or cell.bbox,
                )
            )


def rule_error(ctx: Context, table: Table, message: str) -> None:
    """A table rule that does not fit the table it matched: recorded as a check, not raised."""
    ctx.records.checks.append(Check(ctx.doc.doc_id, table.table_id, "rule_error", None, None, message))


def explicit_year(m: re.Match[str] | None) -> dt.date | None:
    """Without a document date only a deadline that states its year can be dated."""
    year = re.match(r"\d{4}", m.group(0)) if m else None
    return dt.date(int(year.group(0)), 1, 1) if year else None


def split_due_cell(text: str) -> list[tuple[str, str, str]]:
    """省级单位2018年9月底前；各市、县(市、区)2018年11月底前 → one (owner, qualifier, deadline) each."""
    parts = [p.strip() for p in re.split(r"[；;]|[，,](?=[^，,]*?(?:\d{4}年|\d{1,2}月))", text) if p.strip()]
    out = []
    for part in parts or [text]:
        m = DEADLINE.search(part)
        if not m:
            out.append(("", "", part))
            continue
        owner = part[: m.start()].strip()
        qualifier = part[m.end() :].strip(" ，,")
        out.append((owner, qualifier, m.group(0).strip()))
    return out
