"""Rule files and what they pull out: validation with file:line, facts, deadlines, table rows, checks."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest
from conftest import CORPUS, DOC_IDS, ROOT, load_truth
from truthcheck import canon

from extract import extract_file
from extract.apply import apply_rules
from extract.model import Document, Records
from extract.rules import MetricRule, load_rules

RULES = ROOT / "extract" / "rules"


@cache
def run(doc_id: str) -> tuple[Document, Records]:
    doc = extract_file(CORPUS / f"{doc_id}.pdf")
    return doc, apply_rules(doc, load_rules(RULES))


def test_bundled_rules_are_valid() -> None:
    rules = load_rules(RULES)
    assert rules.errors == []
    assert {f.format for f in rules.formats} >= {
        "hangzhou-weekly-bulletin",
        "zhejiang-work-plan-notice",
        "annual-work-report",
    }


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_truth_facts_found_with_value_and_unit(doc_id: str) -> None:
    _, records = run(doc_id)
    facts = load_truth(doc_id)["facts"]
    missed = []
    for fact in facts:
        label = canon(fact["label"])
        hits = [
            m
            for m in records.metrics
            if m.source == "text"
            and m.value == pytest.approx(fact["value"], rel=1e-9)
            and (m.unit or None) == fact["unit"]
            and (label in canon(m.label) or canon(m.label) in label)
        ]
        if not hits:
            missed.append(fact)
    assert len(facts) - len(missed) >= 0.95 * len(facts), missed


def test_every_deadline_of_the_notice_with_its_date() -> None:
    _, records = run("zhejiang-notice-2018-30")
    truth = load_truth("zhejiang-notice-2018-30")["deadlines"]
    prose = [(d.section_id, d.deadline_text, d.due) for d in records.deadlines if d.source == "text"]
    want_prose = [(d["section"], d["deadline_text"], d["due"]) for d in truth if d["source"] == "prose"]
    assert prose == want_prose
    table = [(d.task, d.owner, d.deadline_text, d.due) for d in records.deadlines if d.source.startswith("table")]
    want_table = [(d["task"], d["owner"], d["deadline_text"], d["due"]) for d in truth if d["source"] == "table"]
    assert table == want_table


def test_bulletin_deadlines_and_owner_split() -> None:
    _, records = run("hangzhou-weekly-2018-08-03")
    assert [(d.deadline_text, d.due) for d in records.deadlines] == [
        (d["deadline_text"], d["due"]) for d in load_truth("hangzhou-weekly-2018-08-03")["deadlines"]
    ]
    _, notice = run("zhejiang-notice-2018-30")
    split = [d for d in notice.deadlines if d.task.startswith("全面完成全省高频事项系统对接")]
    assert [(d.owner, d.due) for d in split] == [("省级单位", "2018-09-30"), ("各市、县(市、区)", "2018-11-30")]


def test_no_table_value_lost_between_table_and_tidy_rows() -> None:
    doc, records = run("hangzhou-weekly-2018-08-03")
    table = doc.tables[1]  # 市本级单位政务钉钉活跃率排名表: 5 mapped columns × 79 rows
    rows = [m for m in records.metrics if m.source == f"table:{table.table_id}"]
    assert len(rows) == 5 * len(table.rows)
    by_key = {(m.entity, m.metric): m.value for m in rows}
    assert by_key[("市民政局", "dingtalk_registered_users")] == 622
    assert by_key[("市民政局", "dingtalk_daily_active_rate")] == 55
    assert [m.is_total for m in rows if m.entity == "合计"] == [True] * 5


def test_checks_record_inconsistencies_never_fix_them() -> None:
    doc, records = run("hangzhou-weekly-2018-08-03")
    failed = [c for c in records.checks if not c.passed]
    assert ("t03", "column_sum", 90071, 90011) in [(c.table_id, c.kind, c.expected, c.actual) for c in failed]
    assert doc.tables[2].rows[-1][2].text == "90011"  # the printed total stays as printed
    assert all(c.passed for c in records.checks if c.kind == "ratio" and c.table_id == "t02")


def test_the_same_metric_lines_up_across_weeks() -> None:
    panel = {}
    for doc_id in ("hangzhou-weekly-2018-07-20", "hangzhou-weekly-2018-08-03"):
        doc, records = run(doc_id)
        for m in records.metrics:
            if m.metric == "dingtalk_daily_active_rate" and m.entity == "市民政局":
                panel[doc.meta.date] = m.value
    assert panel == {"2018-07-20": 54, "2018-08-03": 55}


def write_rules(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_yaml_error_names_file_and_line(tmp_path: Path) -> None:
    folder = write_rules(tmp_path, "broken.yaml", "format: broken\nmatch:\n  title: [unclosed\n")
    rules = load_rules(folder)
    assert len(rules.errors) == 1 and "broken.yaml:" in rules.errors[0] and "YAML syntax error" in rules.errors[0]
    assert "broken" not in {f.format for f in rules.formats}
    assert len(rules.formats) == len(load_rules(RULES).formats)  # the good files still load


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("format: x\nmatch: {title: 通报}\nmetricz: []\n", 3, "unknown key 'metricz'; did you mean 'metrics'?"),
        (
            "format: x\nmatch: {title: 通报}\nmetrics:\n  - metric: no_such_metric\n    pattern: 共{quantity}\n",
            4,
            "not in the vocabulary (a metrics.yaml, shipped or yours)",
        ),
        (
            "format: x\nmatch: {title: 通报}\nmetrics:\n  - metric: storage_capacity\n    pattern: 容量{qty}\n",
            5,
            "unknown placeholder {qty}",
        ),
        ("format: x\nmatch: {title: '通报('}\n", 2, "bad regular expression"),
        ("format: X Y\nmatch: {title: 通报}\n", 1, "format: needs an id"),
    ],
)
def test_validation_points_to_the_line_and_the_fix(tmp_path: Path, body: str, line: int, message: str) -> None:
    rules = load_rules(write_rules(tmp_path, "bad.yaml", body))
    problems = [e for e in rules.errors if "bad.yaml" in e]
    assert problems and problems[0].startswith(f"{tmp_path / 'rules' / 'bad.yaml'}:{line}:"), problems
    assert message in problems[0]


CATASTROPHIC = "(?:\\S+\\S+\\S+)+\\d{20}"


def test_catastrophic_pattern_is_refused_when_checked(tmp_path: Path) -> None:
    body = f"format: slow\nmatch: {{title: 工作要点}}\nmetrics:\n  - metric: storage_capacity\n    pattern: {CATASTROPHIC}{{quantity}}\n"
    rules = load_rules(write_rules(tmp_path, "slow.yaml", body))
    assert (
        len(rules.errors) == 1
        and "slow.yaml:5: metrics[0].pattern: pattern backtracks catastrophically" in rules.errors[0]
    )
    assert "slow" not in {f.format for f in rules.formats}


def slow_pattern():
    import regex

    return regex.compile(CATASTROPHIC)


def test_a_pattern_timing_out_at_run_time_is_reported() -> None:
    """The timeout guards what the check cannot foresee: the record names the rule and the document."""
    rules = load_rules(RULES)
    notice = next(f for f in rules.formats if f.format == "zhejiang-work-plan-notice")
    notice.metrics.append(MetricRule("storage_capacity", slow_pattern(), "rules/zhejiang-work-plan-notice.yaml:99"))
    doc, _ = run("zhejiang-notice-2018-30")
    records = apply_rules(doc, rules)
    assert any(
        "zhejiang-work-plan-notice.yaml:99: pattern timed out on zhejiang-notice-2018-30" in e for e in records.errors
    )
    assert len(records.deadlines) == 85  # everything else still came out


def test_a_match_pattern_timing_out_is_reported_not_silent() -> None:
    rules = load_rules(RULES)
    notice = next(f for f in rules.formats if f.format == "zhejiang-work-plan-notice")
    notice.match["text"] = slow_pattern()
    doc, _ = run("zhejiang-notice-2018-30")
    records = apply_rules(doc, rules)
    assert "zhejiang-work-plan-notice" not in records.formats
    assert any(e.startswith("rules/zhejiang-work-plan-notice.yaml:5: pattern timed out") for e in records.errors)


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "format: x\nmatch: {title: 通报}\ntables:\n  - title: 表\n    entity: 5\n",
            5,
            "tables[0].entity: must be a column name",
        ),
        (
            "format: x\nmatch: {title: 通报}\ntables:\n  - title: 表\n    checks: 5\n",
            5,
            "tables[0].checks: must be a list",
        ),
        (
            "format: x\nmatch: {title: 通报}\ntables:\n  - title: 表\n    checks:\n      - ratio: {column: a, numerator: b, denominator: c, tolerance: abc}\n",
            6,
            "tables[0].checks[0].ratio.tolerance: must be a number, not 'abc'",
        ),
        (
            "format: x\nmatch: {title: 通报}\ntables:\n  - title: 表\n    checks: [{summ: [a]}]\n",
            5,
            "unknown key 'summ'; did you mean 'sum'?",
        ),
        ("format: x\nmatch: {title: 2018}\n", 2, "match.title: must be text; put quotes around it ('2018')"),
        ("format: x\nmatch: {}\n", 2, "match: needs at least one of title"),
        ("format: x\nmatch: {title: a}\ndeadlines: {prose: maybe}\n", 3, "deadlines.prose: must be true or false"),
        ("format: x\nmatch: {title: a}\nformat: y\n", 3, "key 'format' appears twice"),
        ("- a\n- b\n", 1, "a rule file is a mapping of keys"),
        ("", 1, "not an empty file"),
    ],
)
def test_wrong_types_are_file_line_errors_not_tracebacks(tmp_path: Path, body: str, line: int, message: str) -> None:
    rules = load_rules(write_rules(tmp_path, "bad.yaml", body))
    problems = [e for e in rules.errors if "bad.yaml" in e]
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'rules' / 'bad.yaml'}:{line}:"), problems
    assert message in problems[0]
    assert len(rules.formats) == len(load_rules(RULES).formats)  # the good files still load


def test_entries_that_are_not_rule_files(tmp_path: Path) -> None:
    folder = write_rules(tmp_path, "ok.yaml", "format: fine\nmatch: {title: a}\n")
    (folder / "x.yaml").mkdir()
    (folder / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (folder / "latin1.yaml").write_bytes("format: é\n".encode("latin-1"))
    rules = load_rules(folder)
    assert f"{folder / 'x.yaml'}:0: is a directory, not a rule file" in rules.errors[-1] or any(
        "x.yaml:0: is a directory" in e for e in rules.errors
    )
    assert any("dangling.yaml:0: broken symbolic link" in e for e in rules.errors)
    assert any("latin1.yaml:0: not UTF-8 text" in e for e in rules.errors)
    assert "fine" in {f.format for f in rules.formats}


def test_hostile_yaml_is_refused_quickly(tmp_path: Path) -> None:
    """A 1 KB alias bomb and a 20 MB file cost nothing: refused before they expand or are read.
    Loaded in a subprocess capped at 1 GB and 60 s, so a broken guard fails the test, not the machine."""
    import subprocess
    import sys

    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    folder = write_rules(tmp_path, "bomb.yaml", "\n".join(levels) + "\n")
    (folder / "big.yaml").write_text("format: big\nmatch: {title: x}\ndescribe: " + "x" * 20_000_000 + "\n")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from extract.rules import load_rules\n"
        "print('\\n'.join(load_rules(sys.argv[1]).errors))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-500:]
    assert "bomb.yaml:1: the file expands to over" in result.stdout
    assert "big.yaml:0: file is 20.0 MB; rule files are limited to 1 MB" in result.stdout


# --------------------------------------------------------------------------- found by an adversarial review
@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "format: x\nmatch: {title: a}\ntables:\n  - title: t\n    checks:\n      - ratio: {column: a, numerator: b, denominator: c, tolerance: "
            + "9" * 5000
            + "}\n",
            6,
            "cannot read this value",
        ),
        (
            "format: x\nmatch: {title: '((((a{100}){100}){100}){100})'}\n",
            2,
            "counted repeats ask for 100,000,000 copies",
        ),
        (
            "format: x\nmatch: {text: '(?:[^数据归集部门\\d\\s,.%；]|[^数据归集部门\\d\\s,.%；])+\\d{9}'}\n",
            2,
            "backtracks catastrophically",
        ),
        (
            "format: x\nmatch: {title: a}\nmetrics:\n  - metric: storage_capacity\n    pattern: a{quantity}\n    unit: ''\n",
            6,
            "must not be empty",
        ),
        ('format: x\nmatch: {title: a}\n\ndescribe: "\x01"\n', 4, "is not allowed in YAML"),
        # nested deeper than any parser's stack: libyaml would crash the process (a segfault)
        ("format: x\na: " + "[" * 60_000 + "\n", 0, "structures nested too deeply"),
        # a tab libyaml lets through and PyYAML refuses: one parser decides, the file is refused
        ("format: x\t\nmatch: {title: a}\n", 1, "YAML syntax error"),
        # after Chinese text: libyaml counts the position in bytes, which would name line 3
        (
            'describe: "中文中文中文中文中文中文\x01"\nformat: x\nmatch: {title: 数据}\nx: 1\n',
            1,
            "is not allowed in YAML",
        ),
    ],
)
def test_values_that_used_to_crash_or_hang(tmp_path: Path, body: str, line: int, message: str) -> None:
    import subprocess
    import sys

    folder = write_rules(tmp_path, "bad.yaml", body)
    code = (  # capped: an unguarded nested repeat eats all the memory there is
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from extract.rules import load_rules\n"
        "print('\\n'.join(e for e in load_rules(sys.argv[1]).errors if 'bad.yaml' in e))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-800:]
    (problem,) = result.stdout.splitlines()
    assert problem.startswith(f"{folder / 'bad.yaml'}:{line}:") and message in problem, problem


def test_empty_trim_words_are_refused(tmp_path: Path) -> None:
    folder = write_rules(tmp_path, "x.yaml", "format: x\nmatch: {title: a}\n")
    common = (
        (folder / "common.yaml").read_text(encoding="utf-8").replace("label_trim_start: [", "label_trim_start: ['', ")
    )
    (folder / "common.yaml").write_text(common, encoding="utf-8")
    rules = load_rules(folder)
    assert any("common.yaml" in e and "label_trim_start[0]: must not be empty" in e for e in rules.errors)


def test_pipes_and_devices_in_the_rules_folder_do_not_hang(tmp_path: Path) -> None:
    import os

    folder = write_rules(tmp_path, "x.yaml", "format: x\nmatch: {title: a}\n")
    import subprocess
    import sys

    os.mkfifo(folder / "fifo.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    code = (  # in a subprocess with limits: unguarded, the pipe blocks forever and /dev/zero never ends
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from extract.rules import load_rules\n"
        "print('\\n'.join(load_rules(sys.argv[1]).errors))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=60)
    assert "fifo.yaml:0: not a regular file" in result.stdout
    assert "zero.yaml:0: not a regular file" in result.stdout


def test_an_optional_value_that_is_absent_is_skipped() -> None:
    import regex

    rules = load_rules(RULES)
    bulletin = next(f for f in rules.formats if f.format == "hangzhou-weekly-bulletin")
    from extract.ruleschema import expand_placeholders

    bulletin.metrics.append(
        MetricRule("records_pushed_week", regex.compile(expand_placeholders("(?:{quantity})?推送")), "x:1")
    )
    doc, _ = run("hangzhou-weekly-2018-08-03")
    records = apply_rules(doc, rules)
    assert records.errors == [] and records.metrics


def test_common_pattern_timeouts_name_their_file_and_line() -> None:
    rules = load_rules(RULES)
    assert rules.common.entity_sources[0] == "rules/common.yaml:10"
    assert rules.common.owner_sources[0] == "rules/common.yaml:18"


def test_a_total_printed_with_a_unit_word_is_checked_not_a_crash(tmp_path: Path) -> None:
    from extract.pipeline import extract_file

    text = (ROOT / "corpus" / "text" / "hangzhou-weekly-2018-08-03.txt").read_text(encoding="utf-8")
    assert "合计\t\t90011\t" in text
    # 约9万 is rounded to the 万: the sum 90071 agrees within half a 万; 约8万 does not
    for printed, value, agrees in (("约9万", 90000, True), ("约8万", 80000, False)):
        path = tmp_path / "weekly-approx-total.txt"
        path.write_text(text.replace("合计\t\t90011\t", f"合计\t\t{printed}\t"), encoding="utf-8")
        records = apply_rules(extract_file(path), load_rules(RULES))
        check = next(c for c in records.checks if c.kind == "column_sum" and f"合计 {value} vs" in c.detail)
        assert check.actual == value and check.passed is agrees and records.errors == []
        assert ("within the rounding" in check.detail) is agrees


def test_words_added_to_the_grammar_file_are_read_without_python(tmp_path: Path) -> None:
    """A unit, a total-row word, a deadline word and a numbering label, each added in grammar.yaml only."""
    import subprocess
    import sys

    shutil.copytree(ROOT / "extract", tmp_path / "extract", ignore=shutil.ignore_patterns("__pycache__"))
    grammar = tmp_path / "extract" / "rules" / "grammar.yaml"
    grammar.write_text(grammar.read_text(encoding="utf-8").replace("units: [", "units: [桶, "), encoding="utf-8")
    grammar_words = (
        grammar.read_text(encoding="utf-8")
        .replace("total_words: {", "total_words: {共计: 2, ")
        .replace("  ongoing: [", "  ongoing: [常态化, ")
        .replace("numbering:\n", "numbering:\n  - '[甲乙丙丁]、'\n")
    )
    grammar.write_text(grammar_words, encoding="utf-8")
    probe = (
        "import datetime\n"
        "from extract.quantities import find_quantities\n"
        "from extract.arithmetic import total_rank\n"
        "from extract.dates import parse_deadline\n"
        "from extract.structure import label_of\n"
        "print([q.raw for q in find_quantities('日产原油5万桶')], total_rank('共计'),"
        " parse_deadline('常态化', datetime.date(2024, 1, 1)).kind, label_of('乙、总则'), label_of('第二章'))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)}
    )
    assert found.stdout.strip() == "['5万桶'] 2 ongoing (0, '乙、') (2, '第二章')", found.stderr


def test_grammar_files_are_validated_and_a_users_is_not_silently_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    shipped = (RULES / "grammar.yaml").read_text(encoding="utf-8")
    (folder / "grammar.yaml").write_text(shipped, encoding="utf-8")
    assert load_rules([RULES, folder]).errors == []  # a copy of the shipped grammar changes nothing
    (folder / "grammar.yaml").write_text(shipped.replace("units: [", "units: [桶, "), encoding="utf-8")
    errors = load_rules([RULES, folder]).errors
    assert len(errors) == 1 and "grammar.yaml:1: a grammar file of your own is not applied yet" in errors[0]
    (folder / "grammar.yaml").write_text(shipped.replace("approx_after: [", "approx_after: 5\nx: ["), encoding="utf-8")
    errors = load_rules([RULES, folder]).errors
    assert any(":31: approx_after: must be a list" in e for e in errors), errors
    (folder / "grammar.yaml").write_text(shipped.replace("  - 第{n}节", "  - 第{n}节(", 1), encoding="utf-8")
    errors = load_rules([RULES, folder]).errors
    line = shipped.splitlines().index("  - 第{n}节") + 1
    assert any(f"grammar.yaml:{line}: numbering[2]: not a regular expression" in e for e in errors), errors
    (folder / "grammar.yaml").write_text(shipped.replace("  - 第{n}节", "  - '(?:第)?'", 1), encoding="utf-8")
    assert any("matches an empty line" in e for e in load_rules([RULES, folder]).errors)


def test_disclosure_prose_phrasings_of_other_reports_get_the_formats_ids(tmp_path: Path) -> None:
    """Phrasings printed in other bodies' reports (Shuyang 2025, Jinhu 2023, Guangdong 2023,
    Shanghai 2019, as collected by hand from their texts), each to its canonical id."""
    from extract.pipeline import extract_file

    sentences = {
        "本年度主动公开各类政府信息 9945 条。": ("disclosure_proactive_items", 9945),
        "全县共收到政府信息公开申请 143 件，依法按期办结 143 件。": ("disclosure_requests_received", 143),
        "全年共收到公开申请1466件。": ("disclosure_requests_received", 1466),
        "共受理政府信息公开申请859件。": ("disclosure_requests_received", 859),
        "收取信息处理费共计380元。": ("disclosure_processing_fees", 380),
        "发布政策解读共132件。": ("disclosure_policy_interpretations", 132),
        "全年累计发布解读类信息 21 条。": ("disclosure_policy_interpretations", 21),
        "通过省政府新闻办公室举办新闻发布会28次。": ("disclosure_press_conferences", 28),
    }
    path = tmp_path / "disclosure-phrasings.txt"
    body = "\n".join(f"（{i + 1}）{s}" for i, s in enumerate(sentences))
    path.write_text(f"某县人民政府2023年政府信息公开工作年度报告\n\n一、总体情况\n{body}\n", encoding="utf-8")
    records = apply_rules(extract_file(path), load_rules(RULES))
    found = {(m.metric, m.value) for m in records.metrics if m.rule.startswith("gov-disclosure-annual-report")}
    assert found == set(sentences.values())
