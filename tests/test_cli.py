"""The command line through typer's runner: outputs, bad input, exit codes, rules check, inspect."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from typer.testing import CliRunner

from extract.cli import app

runner = CliRunner()
SMALL = CORPUS / "shaoxing-annual-2020.pdf"
NOTICE = CORPUS / "zhejiang-notice-2018-30.pdf"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """Every kind of bad file the batch must survive."""
    files = {}
    data = NOTICE.read_bytes()
    files["truncated"] = tmp_path / "truncated.pdf"
    files["truncated"].write_bytes(data[: len(data) // 40])
    files["empty"] = tmp_path / "empty.pdf"
    files["empty"].write_bytes(b"")
    files["jpeg"] = tmp_path / "photo.pdf"
    files["jpeg"].write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200)
    import pikepdf

    files["encrypted"] = tmp_path / "encrypted.pdf"
    with pikepdf.open(SMALL) as pdf:
        pdf.save(files["encrypted"], encryption=pikepdf.Encryption(user="secret", owner="owner"))
    files["damaged_page"] = tmp_path / "damaged-page.pdf"
    with pikepdf.open(SMALL) as pdf:
        pdf.pages[1].Contents.write(b"BT /F1 12 Tf (unterminated ET q q q Q [[[ <<")
        pdf.save(files["damaged_page"])
    return files


def test_run_writes_every_dataset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", str(SMALL), str(NOTICE), "-o", str(out), "--jobs", "1")
    assert result.exit_code == 0, result.output
    for name in ("documents", "sections", "tables", "metrics", "deadlines", "checks"):
        assert (out / f"{name}.csv").is_file()
    docs = read_csv(out / "documents.csv")
    assert [d["doc_id"] for d in docs] == ["shaoxing-annual-2020", "zhejiang-notice-2018-30"]
    assert docs[1]["doc_number"] == "浙政办发〔2018〕30号" and docs[1]["status"] == "ok"
    assert (
        (out / "tables" / "zhejiang-notice-2018-30" / "t01.csv")
        .read_text(encoding="utf-8")
        .startswith("列1,工作任务,责任单位,时间要求")  # the blank printed header named by its position
    )
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in package["resources"]} == {
        "documents",
        "sections",
        "tables",
        "metrics",
        "deadlines",
        "checks",
        "table-zhejiang-notice-2018-30-t01",
    }
    assert (
        json.loads((out / "json" / "shaoxing-annual-2020.json").read_text(encoding="utf-8"))["document"]["meta"][
            "signer"
        ]
        == "何建"
    )
    assert not list(out.rglob("*.tmp"))


def test_two_runs_diff_clean_and_the_second_uses_the_cache(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", str(SMALL), "-o", str(out), "--jobs", "1").exit_code == 0
    first = (out / "metrics.csv").read_bytes()
    assert list((out / ".cache").glob("*.json"))
    assert invoke("run", str(SMALL), "-o", str(out), "--jobs", "1").exit_code == 0
    assert (out / "metrics.csv").read_bytes() == first


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_other_formats(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    assert invoke("run", str(SMALL), "-o", str(out), "--format", fmt, "--jobs", "1").exit_code == 0
    assert (out / f"metrics.{fmt}").is_file()


def test_bad_input_fails_alone_with_one_line_each(tmp_path: Path, bad_inputs: dict[str, Path]) -> None:
    out = tmp_path / "out"
    paths = [str(p) for p in bad_inputs.values()] + [str(SMALL)]
    result = runner.invoke(app, ["run", *paths, "-o", str(out), "--jobs", "2", "--quiet"])
    assert result.exit_code == 1
    stderr = result.stderr
    assert "truncated.pdf: damaged PDF (repaired by qpdf: can't find startxref" in stderr
    assert "empty.pdf: empty file (0 bytes)" in stderr
    assert "photo.pdf: not a PDF (content looks like a JPEG image)" in stderr
    assert "encrypted.pdf: encrypted PDF: a password is needed" in stderr
    docs = {d["doc_id"]: d for d in read_csv(out / "documents.csv")}
    assert docs["shaoxing-annual-2020"]["status"] == "ok" and docs["shaoxing-annual-2020"]["title"]
    for name in ("truncated", "empty", "photo", "encrypted"):
        assert docs[name]["status"] == "failed" and docs[name]["error"]
    # the damaged page spoils one page only; the rest of the document still comes out
    assert docs["damaged-page"]["status"] == "ok"
    good = [m for m in read_csv(out / "metrics.csv") if m["doc_id"] == "shaoxing-annual-2020"]
    assert len(good) > 30  # the good document's outputs are complete


def test_image_only_pdf_fails_and_says_ocr(tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "scan.pdf"
    Image.new("RGB", (400, 560), "white").save(image, "PDF")
    result = runner.invoke(app, ["inspect", str(image)])
    assert "no_text" in result.output and "OCR" in result.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(image), str(SMALL), "-o", str(out), "--jobs", "1", "--quiet"])
    assert result.exit_code == 1
    assert (
        "scan.pdf: no readable text on any of its 1 pages (page 1: OCR found no text (image-only page" in result.stderr
    )
    docs = {d["doc_id"]: d for d in read_csv(out / "documents.csv")}
    assert docs["scan"]["status"] == "failed" and docs["shaoxing-annual-2020"]["status"] == "ok"


def test_broken_rule_files_are_reported_and_the_rest_used(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yaml").write_text("format: broken\nmatch:\n  title: [oops\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(out), "--rules", str(rules), "--jobs", "1", "--quiet"])
    assert result.exit_code == 1
    assert "broken.yaml:3: YAML syntax error" in result.stderr
    assert len(read_csv(out / "deadlines.csv")) == 85  # the good rule files still applied


def test_catastrophic_rule_is_refused_and_the_batch_goes_on(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.yaml").write_text(
        "format: slow\nmatch: {title: 工作要点}\nmetrics:\n  - metric: storage_capacity\n    pattern: (?:\\S+\\S+\\S+)+\\d{20}{quantity}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", str(NOTICE), str(SMALL), "-o", str(out), "--rules", str(rules), "--jobs", "1", "--quiet", "--no-cache"],
    )
    assert result.exit_code == 1
    assert "slow.yaml:5: metrics[0].pattern: pattern backtracks catastrophically" in result.stderr
    docs = {d["doc_id"]: d for d in read_csv(out / "documents.csv")}
    assert docs["shaoxing-annual-2020"]["status"] == "ok"
    assert docs["zhejiang-notice-2018-30"]["status"] == "ok"
    assert len(read_csv(out / "deadlines.csv")) == 85


def test_rules_check() -> None:
    result = runner.invoke(app, ["rules", "check", "--rules", str(ROOT / "extract" / "rules")])
    assert result.exit_code == 0 and "0 problems" in result.output


def test_rules_check_fails_on_a_bad_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("format: bad\nmatch: {titel: 通报}\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    assert "bad.yaml:2: match: unknown key 'titel'; did you mean 'title'?" in result.stderr


MY_FORMAT = """format: {id}
describe: 工作要点的交办事项
match:
  title: {title}
metrics:
  - metric: storage_capacity
    pattern: 存储能力达到{{quantity}}
"""


def test_a_users_rules_add_to_the_shipped_ones(tmp_path: Path) -> None:
    rules = tmp_path / "mine"
    rules.mkdir()
    (rules / "my-notice.yaml").write_text(MY_FORMAT.format(id="my-notice", title="工作要点"), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(out), "--rules", str(rules), "--jobs", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    assert read_csv(out / "documents.csv")[0]["format"] == "zhejiang-work-plan-notice+my-notice"
    assert len(read_csv(out / "deadlines.csv")) == 85  # the shipped format still applied
    listed = runner.invoke(app, ["rules", "list", "--rules", str(rules)])
    assert listed.exit_code == 0
    assert f"my-notice  ({rules / 'my-notice.yaml'})" in listed.output
    assert "zhejiang-work-plan-notice  (" in listed.output and "match title: 工作要点" in listed.output


def test_a_users_format_with_a_shipped_id_replaces_it(tmp_path: Path) -> None:
    rules = tmp_path / "mine"
    rules.mkdir()
    mine = MY_FORMAT.format(id="zhejiang-work-plan-notice", title="从不出现的标题")
    (rules / "override.yaml").write_text(mine, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(out), "--rules", str(rules), "--jobs", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    assert read_csv(out / "documents.csv")[0]["format"] == "generic"  # the shipped one no longer claims it
    listed = runner.invoke(app, ["rules", "list", "--rules", str(rules)]).output
    assert listed.count("zhejiang-work-plan-notice  (") == 1 and "override.yaml" in listed


@pytest.mark.parametrize(
    ("extra", "formats"),
    [
        ("priority: 5\n", "my-notice"),  # outranks the shipped format that also claims the notice
        ("priority: -1\n", "zhejiang-work-plan-notice"),  # outranked by it
        ("exclude:\n  title: 信息孤岛\n", "zhejiang-work-plan-notice"),  # kept off by its title
        ("exclude:\n  issuer: 财政厅\n", "zhejiang-work-plan-notice+my-notice"),  # exclusion that does not fit
    ],
)
def test_priority_and_exclude_decide_which_formats_claim_a_document(tmp_path: Path, extra: str, formats: str) -> None:
    rules = tmp_path / "mine"
    rules.mkdir()
    (rules / "my-notice.yaml").write_text(MY_FORMAT.format(id="my-notice", title="工作要点") + extra, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(out), "--rules", str(rules), "--jobs", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    assert read_csv(out / "documents.csv")[0]["format"] == formats


def test_an_empty_exclude_is_a_rule_error(tmp_path: Path) -> None:
    rules = tmp_path / "mine"
    rules.mkdir()
    (rules / "my-notice.yaml").write_text(
        MY_FORMAT.format(id="my-notice", title="工作要点") + "exclude: {}\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    assert "my-notice.yaml:8: exclude: needs at least one of title, issuer, doc_number, text" in result.stderr


def test_rules_show_and_inspect(tmp_path: Path) -> None:
    shown = runner.invoke(
        app, ["rules", "show", str(ROOT / "extract" / "rules" / "zhejiang-work-plan-notice.yaml"), str(NOTICE)]
    )
    assert shown.exit_code == 0 and "matches" in shown.output and "2018-10-31" in shown.output
    png = tmp_path / "page.png"
    inspected = runner.invoke(app, ["inspect", str(NOTICE), "--page", "2", "--png", str(png)])
    assert inspected.exit_code == 0, inspected.output
    assert "浙政办发〔2018〕30号" in inspected.output and png.stat().st_size > 10_000


def test_usage_errors_exit_2() -> None:
    assert runner.invoke(app, ["run", str(SMALL), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["run"]).exit_code == 2


def test_main_inserts_the_run_command(tmp_path: Path) -> None:
    from extract.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(SMALL), "-o", str(tmp_path / "o"), "--jobs", "1", "--quiet"])
    assert exit_info.value.code == 0 and (tmp_path / "o" / "documents.csv").is_file()


def test_a_plain_install_from_another_folder_ships_the_rules(tmp_path: Path) -> None:
    """pip install . (not editable) must carry the rule files: the tool run from elsewhere finds them."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "extract", source / "extract", ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(source)]
    built = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    env = dict(os.environ, PYTHONPATH=str(site))
    listed = subprocess.run(
        [sys.executable, "-m", "extract", "rules", "list"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert listed.returncode == 0, listed.stderr
    assert (
        f"zhejiang-work-plan-notice  ({site / 'extract' / 'rules' / 'zhejiang-work-plan-notice.yaml'})" in listed.stdout
    )


def test_rows_and_unit_of_a_table_rule_are_validated_with_their_line(tmp_path: Path) -> None:
    rules = tmp_path / "mine"
    rules.mkdir()
    body = "format: t\nmatch: {title: 通报}\ntables:\n  - title: 表\n    unit: ''\n    rows:\n      本年新收: no_such_metric\n"
    (rules / "t.yaml").write_text(body, encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    assert "t.yaml:5: tables[0].unit: must not be empty" in result.stderr
    assert "t.yaml:7: tables[0].rows.本年新收: metric 'no_such_metric' is not in the vocabulary" in result.stderr


def test_a_rows_equal_check_names_its_bad_pattern_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "mine"
    rules.mkdir()
    body = "format: t\nmatch: {title: 通报}\ntables:\n  - title: 表\n    checks:\n      - rows_equal: {left: ['(本年'], right: [总计]}\n"
    (rules / "t.yaml").write_text(body, encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1 and "t.yaml:6: tables[0].checks[0].rows_equal.left[0]:" in result.stderr


def test_main_called_by_a_program_leaves_its_signal_handlers_alone() -> None:
    """cli.main() from another program: its own Ctrl-C handler stays, and a thread may call it."""
    import signal
    import threading

    from extract import cli

    def mine(_signum: int, _frame: object) -> None:
        pass

    saved = signal.signal(signal.SIGINT, mine)
    try:
        ended: list[object] = []

        def call() -> None:
            try:
                cli.main(["rules", "list"])
            except SystemExit as exc:
                ended.append(exc.code)
            except Exception as exc:  # what the test is looking for
                ended.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        thread.join(60)
        call()
        assert ended == [0, 0] and signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, saved)


def test_a_run_starts_the_workers_set_up_before_loading_the_command_line(tmp_path: Path, monkeypatch) -> None:
    """`extract FILES` starts the fork server (its set-up is every run's longest wait) from a glance
    at the arguments, before the command line module is even imported; with the rule folders the
    run names. Subcommands, help and an output folder whose cache will serve the documents do not."""
    import extract.__main__ as entry
    import extract.cli
    import extract.workers
    from extract.rulefolders import user_rules

    monkeypatch.chdir(tmp_path)  # the default output/ of a run in the current folder would hold a cache
    calls: list[object] = []
    monkeypatch.setattr(extract.workers, "prestart", lambda folders: calls.append(folders))
    monkeypatch.setattr(extract.cli, "main", lambda: calls.append("command line"))
    own = tmp_path / "rules"
    monkeypatch.setattr(sys, "argv", ["extract", "a.pdf", "--rules", str(own), "-o", str(tmp_path / "out")])
    entry.main()
    assert calls == [user_rules(own), "command line"]
    assert entry.rules_if_reading(["run", "a.pdf", f"--rules={own}"]) == user_rules(own)
    assert entry.rules_if_reading(["a.pdf", "-o", str(tmp_path / "out")]) == user_rules(None)
    for args in (["rules", "list"], ["inspect", "a.pdf"], ["--help"], ["a.pdf", "-h"], ["--version"], []):
        assert entry.rules_if_reading(args) is None, args
    (tmp_path / "out" / ".cache").mkdir(parents=True)  # a re-run: the cache answers, no workers needed
    assert entry.rules_if_reading(["a.pdf", "-o", str(tmp_path / "out")]) is None
    assert entry.rules_if_reading(["a.pdf", "--output", str(tmp_path / "out"), "--no-cache"]) == user_rules(None)


# --------------------------------------------------------------------------- data package and Excel
def frictionless_errors(package: Path) -> list[str]:
    import frictionless

    report = frictionless.validate(str(package))
    return [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors] + [
        e.message for e in report.errors
    ]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_data_package_is_valid_under_frictionless(tmp_path: Path, fmt: str) -> None:
    """datapackage.json passes `frictionless validate` (data checked against the schemas, keys
    included), describes every field, ties every dataset to documents by doc_id, and lists every
    table file with its title; a blank or repeated printed header gets a usable column name."""
    out = tmp_path / "out"
    assert invoke("run", str(SMALL), str(NOTICE), "-o", str(out), "--format", fmt, "--jobs", "1").exit_code == 0
    assert frictionless_errors(out / "datapackage.json") == []
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    datasets = ["documents", "sections", "tables", "metrics", "deadlines", "checks"]
    for name in datasets:
        schema = resources[name]["schema"]
        rows = len(json.loads((out / f"{name}.json").read_text(encoding="utf-8"))) if fmt == "json" else 1
        assert resources[name].get("profile") == ("tabular-data-resource" if rows else None), name
        assert all(f["description"] for f in schema["fields"]), name
        if name != "documents":
            assert schema["foreignKeys"] == [
                {"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}}
            ]
    assert resources["documents"]["schema"]["primaryKey"] == ["doc_id"]
    tables = [r for r in package["resources"] if r["name"] not in datasets]
    listed = (
        json.loads((out / "tables.json").read_text(encoding="utf-8")) if fmt == "json" else read_csv(out / "tables.csv")
    )
    assert [(t["path"], t["title"]) for t in tables] == [(row["file"], row["title"]) for row in listed]
    assert len(tables) == len(list((out / "tables").glob("*/*.csv"))) >= 1
    notice_table = next(t for t in tables if t["path"] == "tables/zhejiang-notice-2018-30/t01.csv")
    assert [f["name"] for f in notice_table["schema"]["fields"]] == ["列1", "工作任务", "责任单位", "时间要求"]


def test_table_resource_names_are_valid_and_each_documents_own() -> None:
    """A resource name is lower-case ASCII: a Chinese document id keeps a hash of itself, so two
    documents never share a name and a name does not depend on the other documents of the run."""
    from extract.datapackage import RESOURCE_NAME, resource_name

    names = {resource_name(doc_id, "t01") for doc_id in ("浙江通知", "杭州通知", "Report-2024", "report_2024")}
    assert len(names) == 4 and all(not RESOURCE_NAME.search(n) for n in names)
    assert resource_name("Report-2024", "t01") == "table-report-2024-t01"
    assert resource_name("浙江通知", "t01") == resource_name("浙江通知", "t01") != "table---t01"


def test_every_output_column_is_described() -> None:
    from extract.datapackage import FIELDS
    from extract.export import SCHEMAS

    assert {name: [c for c, _ in columns] for name, columns in SCHEMAS.items()} == {
        name: list(described) for name, described in FIELDS.items()
    }


def test_column_labels_are_named_and_distinct() -> None:
    from extract.export import column_labels

    assert column_labels(["", "金额", "金额", " 金额 ", "金额 (2)", "合 计"]) == [
        "列1",
        "金额",
        "金额 (2)",
        "金额 (3)",
        "金额 (2) (2)",
        "合 计",
    ]


def test_excel_csvs_start_with_a_byte_order_mark_and_still_read_cleanly(tmp_path: Path) -> None:
    """--excel: every CSV file starts with UTF-8's byte-order mark (Excel on a Chinese Windows
    reads it as UTF-8 instead of GBK); pandas, DuckDB and frictionless read the same columns and
    rows as without it. Without --excel, no mark."""
    import duckdb
    import pandas as pd

    plain, marked = tmp_path / "plain", tmp_path / "marked"
    assert invoke("run", str(NOTICE), "-o", str(plain), "--jobs", "1").exit_code == 0
    assert invoke("run", str(NOTICE), "-o", str(marked), "--jobs", "1", "--excel").exit_code == 0
    files = sorted(p.relative_to(marked) for p in marked.rglob("*.csv") if ".cache" not in p.parts)
    assert len(files) == 7 and files == sorted(
        p.relative_to(plain) for p in plain.rglob("*.csv") if ".cache" not in p.parts
    )
    for name in files:
        assert (marked / name).read_bytes() == b"\xef\xbb\xbf" + (plain / name).read_bytes(), name
        with_mark = pd.read_csv(marked / name, dtype=str, keep_default_na=False)
        assert with_mark.equals(pd.read_csv(plain / name, dtype=str, keep_default_na=False)), name
        assert with_mark.columns[0] in ("doc_id", "列1"), name
        query = "select * from read_csv(?, all_varchar=true)"
        assert (
            duckdb.execute(query, [str(marked / name)]).fetchall()
            == duckdb.execute(query, [str(plain / name)]).fetchall()
        )
    assert frictionless_errors(marked / "datapackage.json") == []


def run_extract(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_dash_h_is_help_and_shows_the_options_people_need() -> None:
    """-h works wherever --help does; `extract -h` shows the run options (-o, --format…), the
    examples and the other commands, not only a list of commands."""
    top = run_extract("-h")
    assert top.returncode == 0 and top.stdout == run_extract("--help").stdout
    for option in (
        "-o, --output",
        "--format",
        "--jobs",
        "--excel",
        "--ocr",
        "-h, --help",
        "extract rules list",
        "inspect",
    ):
        assert option in top.stdout, option
    for command in (["rules", "-h"], ["rules", "list", "-h"], ["inspect", "-h"], ["run", "-h"]):
        shown = run_extract(*command)
        assert shown.returncode == 0 and shown.stdout.startswith(f"Usage: extract {command[0]}"), command
    version = run_extract("--version")
    assert version.returncode == 0 and version.stdout.startswith("extract ")


def test_shell_completion(tmp_path: Path) -> None:
    """`extract --show-completion bash` prints a completion script, and completing through it offers
    the commands, the run options and an option's choices."""
    script = run_extract("--show-completion", "bash")
    assert script.returncode == 0 and "_EXTRACT_COMPLETE" in script.stdout

    def offered(words: str, index: int) -> list[str]:
        done = run_extract(env={"_EXTRACT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(index)})
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert offered("extract ", 1) == ["run", "inspect", "rules"]
    assert offered("extract rules ", 2) == ["check", "list", "show"]
    assert offered("extract run --for", 2) == ["--format"]
    assert offered("extract run --format ", 3) == ["csv", "json", "parquet", "xlsx"]


def test_the_progress_bar_shows_the_file_pages_per_second_and_the_time_left() -> None:
    """What a worker reports moves the bar: the file it started is shown, each page read counts
    toward pages/s, each document done toward the count and rich's estimate of the time left."""
    import io

    from rich.console import Console
    from rich.progress import Progress

    from extract.cli import BatchProgress, shortened

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system=None)
    with Progress(*BatchProgress.COLUMNS, console=console, auto_refresh=False) as progress:
        bar = BatchProgress(progress, total=3)
        bar.heard({"path": "reports/2023/杭州市数据资源管理局每周通报.pdf", "started": True})
        for page in range(1, 11):
            bar.heard({"path": "reports/2023/杭州市数据资源管理局每周通报.pdf", "page": page})
        bar.done()
        time.sleep(0.05)  # rich estimates the time left from the pace of at least two documents
        bar.done()
        progress.refresh()
        shown = progress.get_renderable()
        console.print(shown)
    text = screen.getvalue().split("\r")[-1]  # the bar as last drawn
    assert "杭州市数据资源管理局每周通报.pdf" in text and "reports/2023" not in text
    assert "2/3" in text and " pages/s" in text and "-:--:--" not in text
    task = progress.tasks[0]
    assert task.completed == 2 and task.time_remaining is not None
    assert bar.pages == 10
    assert shortened("a" * 30 + "b" * 30 + ".pdf") == "a" * 19 + "…" + "b" * 16 + ".pdf"


def test_the_progress_bar_shows_a_file_name_as_it_is() -> None:
    """A file name is shown as text: [brackets] are not rich markup, control characters are escaped
    (never sent to the terminal)."""
    import io

    from rich.console import Console
    from rich.progress import Progress

    from extract.cli import BatchProgress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system="standard")
    with Progress(*BatchProgress.COLUMNS, console=console, auto_refresh=False) as progress:
        bar = BatchProgress(progress, total=1)
        bar.heard({"path": "in/报告[bold]2018\x1b]0;x\x07.pdf", "started": True})
        progress.refresh()
    last = screen.getvalue().split("\r")[-1]
    assert "报告[bold]2018\\x1b]0;x\\x07.pdf" in last and "\x1b]0" not in last


def test_on_a_terminal_the_bar_hears_the_workers(monkeypatch) -> None:
    """A batch on a terminal feeds the bar what its workers report: the document started, by
    path, and each page read."""
    import io

    import extract.cli as cli
    from extract.rulefolders import user_rules
    from extract.settings import LIMITS

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    heard: list[dict] = []
    monkeypatch.setattr(cli.sys, "stderr", Terminal())
    monkeypatch.setattr(cli.BatchProgress, "heard", lambda self, info: heard.append(info))
    results = cli.extract_all([SMALL], user_rules(None), 1, None, LIMITS, quiet=False)
    assert [r.status for r in results] == ["ok"]
    assert {"path": str(SMALL), "started": True} in heard
    assert sorted(i["page"] for i in heard if "page" in i) == list(range(1, 7))


# --------------------------------------------------------------------------- --pages, --password
def test_pages_reads_only_the_pages_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", str(NOTICE), "-o", str(out), "--jobs", "1", "--pages", "2-3,99", "--no-cache")
    assert result.exit_code == 0, result.output
    (doc,) = read_csv(out / "documents.csv")
    assert doc["pages"] == "2" and doc["status"] == "ok"
    assert "read 2 of its 13 pages (--pages 2-3,99)" in doc["warnings"]
    pages = {r["page"] for r in read_csv(out / "deadlines.csv")}
    assert pages and pages <= {"2", "3"}  # page numbers stay those of the document


def test_pages_none_of_which_a_document_has_fail_it_saying_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(tmp_path / "o"), "--pages", "40-", "-q"])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("none of the pages asked for (--pages 40-) is in it: it has 13")


@pytest.mark.parametrize(
    ("pages", "why"),
    [
        ("3-1", "'3-1': pages count from 1, and a span runs forwards"),
        ("0", "'0': pages count from 1"),
        ("a,2", "'a' is not a page"),
    ],
)
def test_a_page_list_that_is_not_one_is_a_usage_error(tmp_path: Path, pages: str, why: str) -> None:
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(tmp_path / "o"), "--pages", pages])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"extract: --pages {pages}: {why}")
    assert not (tmp_path / "o" / "documents.csv").exists()


def test_a_document_read_with_some_pages_is_another_cache_entry(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", str(NOTICE), "-o", str(out), "--jobs", "1", "--pages", "1").exit_code == 0
    assert invoke("run", str(NOTICE), "-o", str(out), "--jobs", "1").exit_code == 0
    (doc,) = read_csv(out / "documents.csv")
    assert doc["pages"] == "13" and "--pages" not in doc["warnings"]


def test_password_opens_an_encrypted_pdf(tmp_path: Path, bad_inputs: dict[str, Path], monkeypatch) -> None:
    encrypted = str(bad_inputs["encrypted"])
    wrong = runner.invoke(app, ["run", encrypted, "-o", str(tmp_path / "a"), "--password", "guess", "-q"])
    assert wrong.exit_code == 1
    assert "encrypted.pdf: encrypted PDF: the password given (--password) does not open it" in wrong.stderr
    none = runner.invoke(app, ["run", encrypted, "-o", str(tmp_path / "b"), "-q"])
    assert "a password is needed to open it (give it with --password)" in none.stderr
    assert invoke("run", encrypted, "-o", str(tmp_path / "c"), "--password", "secret", "-q").exit_code == 0
    monkeypatch.setenv("EXTRACT_PASSWORD", "secret")  # out of the process list
    assert invoke("run", encrypted, "-o", str(tmp_path / "d"), "-q").exit_code == 0
    (doc,) = read_csv(tmp_path / "d" / "documents.csv")
    assert doc["status"] == "ok" and doc["title"]
