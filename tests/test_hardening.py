"""Hostile inputs and faults: every one fails alone, with one clear line, and nothing else is lost.

Most tests run the command in a subprocess, as users do: worker processes, signals, the terminal
output and the exit code are part of what is tested.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from hostile import decompression_bomb, fan_out, hostile_folder, missing_mediabox, reference_loop, without_trailer

SMALL = CORPUS / "shaoxing-annual-2020.pdf"
NOTICE = CORPUS / "zhejiang-notice-2018-30.pdf"


def extract(*args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        **kwargs,
    )


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "extract", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def documents(out: Path) -> dict[str, dict[str, str]]:
    return {d["doc_id"]: d for d in read_csv(out / "documents.csv")}


def process_table() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, state) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table = process_table()
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, (parent, _) in table.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pids: set[int]) -> set[int]:
    table = process_table()
    return {p for p in pids if p in table and table[p][1] != "Z"}


def alive_after(pids: set[int], seconds: float) -> set[int]:
    """The processes still alive once they had ``seconds`` to exit (helpers exit when they see EOF)."""
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def wait_for_workers(
    process: subprocess.Popen, deadline: float = 60, exclude: set[int] = frozenset(), settle: float = 1.5
) -> set[int]:
    """The worker processes (grandchildren: main → fork server → workers) once one is busy."""
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        table = process_table()
        children = {p for p, (parent, _) in table.items() if parent == process.pid}
        workers = {p for p, (parent, state) in table.items() if parent in children and state != "Z"} - exclude
        if workers:
            time.sleep(settle)  # let it take its first document
            return workers
        time.sleep(0.1)
    raise AssertionError("no worker process started")


needs_linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


# --------------------------------------------------------------------------- 1, 15, 17: the reader
@pytest.mark.parametrize("where", ["mediabox", "contents", "pages"])
def test_reference_loops_do_not_hang(tmp_path: Path, where: str) -> None:
    """Read in a subprocess with a time limit: unguarded, pdfminer resolves the loop forever."""
    path = tmp_path / f"loop-{where}.pdf"
    path.write_bytes(reference_loop(where))
    code = (
        "import sys\n"
        "from extract.read import read_document\n"
        "from extract.errors import ReadError\n"
        "try:\n    print(read_document(sys.argv[1]).warnings[0])\nexcept ReadError as exc:\n    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    if where == "pages":  # the page tree itself loops: nothing to repair
        assert result.stdout == "corrupt PDF: unable to find page tree\n"
    else:  # repaired by qpdf, and said so
        assert result.stdout.startswith("repaired by qpdf: expected endobj")


def test_a_document_past_its_time_limit_fails_alone(tmp_path: Path) -> None:
    """A valid PDF whose forms draw each other 10^8 times: the parser would spin for days."""
    hang = tmp_path / "fan-out.pdf"
    hang.write_bytes(fan_out())
    out = tmp_path / "out"
    started = time.monotonic()
    result = extract(str(hang), str(SMALL), "-o", str(out), "--timeout", "4", "--jobs", "1", "-q")
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"extract: {hang}: timed out after 4 s (the limit per document; raise it with --timeout for very long documents)"
    ]
    docs = documents(out)
    assert docs["fan-out"]["status"] == "failed" and docs["shaoxing-annual-2020"]["status"] == "ok"


@needs_linux
def test_decompression_bomb_is_refused_without_inflating(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(decompression_bomb(200))
    assert bomb.stat().st_size < 400_000
    code = (  # VmHWM, not ru_maxrss: a forked child inherits its parent's ru_maxrss
        "import re, sys\n"
        "from extract.read import read_document\n"
        "from extract.errors import ReadError\n"
        "try:\n    read_document(sys.argv[1])\nexcept ReadError as exc:\n    print(exc)\n"
        "print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, check=True)
    message, peak_kb = result.stdout.splitlines()
    assert message.startswith("page 1 inflates to over 64 MB of content (a decompression bomb")
    assert int(peak_kb) < 400_000  # inflated whole, the stream alone would take 200 MB, pdfminer twice that


def test_damaged_trailer_is_repaired_and_says_so(tmp_path: Path) -> None:
    from extract.pipeline import extract_file

    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(without_trailer(SMALL.read_bytes()))
    document = extract_file(damaged)
    original = extract_file(SMALL)
    assert document.warnings == [
        "repaired by qpdf: can't find startxref; unable to find trailer dictionary while recovering damaged file"
    ]
    assert [p.text for p in document.paragraphs] == [p.text for p in original.paragraphs]
    assert document.tables == original.tables


def test_missing_mediabox_is_repaired_not_a_python_error(tmp_path: Path) -> None:
    from extract.pipeline import extract_file

    path = tmp_path / "no-box.pdf"
    path.write_bytes(missing_mediabox())
    document = extract_file(path)
    assert document.paragraphs[0].text == "Hello"
    assert "MediaBox is undefined; setting to letter" in document.warnings[0]


# --------------------------------------------------------------------------- 5: dedupe
def test_dedupe_is_pdfplumbers_result_in_n_log_n() -> None:
    import random

    from pdfplumber.utils import dedupe_chars as reference

    from extract.model import Char
    from extract.read import dedupe_glyphs
    from extract.read.pages import Glyph

    def dedupe_chars(chars: list[dict]) -> list[dict]:
        glyphs = [
            Glyph(
                Char(
                    c["text"],
                    c["x0"],
                    c["doctop"],
                    c["x0"] + 1,
                    c["doctop"] + 1,
                    c["size"],
                    c["fontname"],
                    c["upright"],
                ),
                False,
            )
            for c in chars
        ]
        kept = {id(g) for g in dedupe_glyphs(glyphs)}
        return [c for c, g in zip(chars, glyphs) if id(g) in kept]

    rng = random.Random(7)

    def chars(n: int) -> list[dict]:
        out = []
        for _ in range(n):
            c = {
                "upright": rng.random() < 0.9,
                "text": rng.choice("一二三ab"),
                "fontname": rng.choice(["F1", "F2"]),
                "size": rng.choice([10.0, 12.0]),
                "doctop": round(rng.uniform(0, 40), 1),
                "x0": round(rng.uniform(0, 40), 1),
            }
            out.append(c)
            if rng.random() < 0.3:  # a fake-bold double, near or exactly on top
                out.append(
                    dict(c, doctop=c["doctop"] + rng.choice([0, 0.5, 1.0, 1.5]), x0=c["x0"] + rng.choice([0, 1, 2]))
                )
        return out

    for _ in range(200):
        sample = chars(rng.randint(0, 60))
        assert [id(c) for c in dedupe_chars(sample)] == [id(c) for c in reference(sample, tolerance=1)]
    big = chars(20_000)
    started = time.perf_counter()
    dedupe_chars(big)
    assert time.perf_counter() - started < 10  # a hang guard: the quadratic version took 209 s


# --------------------------------------------------------------------------- 2, 22: one clear line each
def test_error_lines_print_names_as_they_are(tmp_path: Path) -> None:
    names = ["report[v2].pdf", "a[/x]b.pdf", "new\nline.pdf", "[bold]x[/bold].pdf"]
    paths = []
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 not really")
        paths.append(str(path))
    out = tmp_path / "out"
    result = extract(*paths, str(SMALL), "-o", str(out), "--jobs", "1", "-q")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("extract: ") for line in lines)
    for name in ["report[v2].pdf", "a[/x]b.pdf", "new\\nline.pdf", "[bold]x[/bold].pdf"]:
        assert any(f"{tmp_path}/{name}: corrupt PDF" in line for line in lines), (name, lines)
    assert documents(out)["shaoxing-annual-2020"]["status"] == "ok"


def test_say_prints_markup_literally(capsys) -> None:
    from extract.cli import say

    say("x.pdf: Invalid tag [/Span] at [bold]")
    assert capsys.readouterr().err == "extract: x.pdf: Invalid tag [/Span] at [bold]\n"


# --------------------------------------------------------------------------- 3, 4: the cache
def run_batch_results(paths: list[Path], cache_dir: Path):
    from extract.batch import run_batch

    return run_batch(paths, ROOT / "extract" / "rules", jobs=1, cache_dir=cache_dir)


def test_same_bytes_under_two_names_give_two_documents(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    shutil.copy(SMALL, a)
    shutil.copy(SMALL, b)
    cache_dir = tmp_path / "cache"
    first = run_batch_results([a], cache_dir)  # fills the cache
    results = run_batch_results([a, b], cache_dir)
    assert [r.cached for r in results] == [True, True]
    for result, doc_id in zip(results, ["a", "b"]):
        assert result.doc_id == result.document.doc_id == doc_id
        assert result.path == result.document.path
        assert {m.doc_id for m in result.records.metrics} == {doc_id}
        assert len(result.records.metrics) == len(first[0].records.metrics)


def test_a_renamed_file_comes_from_the_cache_under_its_new_id(tmp_path: Path) -> None:
    old = tmp_path / "old.pdf"
    shutil.copy(SMALL, old)
    out = tmp_path / "out"
    assert extract(str(old), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    new = old.rename(tmp_path / "new.pdf")
    assert extract(str(new), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    assert list(documents(out)) == ["new"]
    assert {m["doc_id"] for m in read_csv(out / "metrics.csv")} == {"new"}
    record = json.loads((out / "json" / "new.json").read_text(encoding="utf-8"))
    assert record["document"]["doc_id"] == "new" and record["path"] == str(new)


def test_the_cache_key_follows_the_code(tmp_path: Path) -> None:
    from extract import cache

    package = ROOT / "extract"
    copy = tmp_path / "extract"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    digest = cache.code_digest.__wrapped__  # uncached: the copy changes under the same path
    assert digest(copy) == digest(package)
    stitch = copy / "tables" / "stitch.py"  # a module in a sub-package counts too
    stitch.write_text(stitch.read_text() + "\n# changed\n")
    assert digest(copy) != digest(package)
    assert cache.entry_key("a" * 64, "rules1", "pdf") != cache.entry_key("a" * 64, "rules2", "pdf")
    assert cache.entry_key("a" * 64, "rules1", "pdf") != cache.entry_key("a" * 64, "rules1", "text")


def test_planted_or_damaged_cache_entries_are_misses_never_code(tmp_path: Path) -> None:
    import pickle

    from extract import cache
    from extract.batch import cache_kind, file_sha, rules_for
    from extract.settings import OCR

    out = tmp_path / "out"
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    key = cache.entry_key(file_sha(SMALL), rules_for(str(ROOT / "extract" / "rules")).digest, cache_kind(SMALL, OCR))
    (out / ".cache").mkdir(parents=True)
    (out / ".cache" / f"{key}.pickle").write_bytes(pickle.dumps(Exploit()))
    for planted in (
        pickle.dumps(Exploit()),
        b'{"status": "ok", "error": "", "document": {"pages": "many"}}',
        b"\x00garbage",
    ):
        (out / ".cache" / f"{key}.json").write_bytes(planted)
        result = extract(str(SMALL), "-o", str(out), "-q", "--jobs", "1")
        assert result.returncode == 0, result.stderr
        assert not marker.exists()
        assert len(read_csv(out / "metrics.csv")) > 30  # read afresh, and the entry rewritten
        assert json.loads((out / ".cache" / f"{key}.json").read_text())["status"] == "ok"


def output_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and ".cache" not in p.parts and p.name not in (".extract.lock", ".extract-manifest.json")
    }


def kept_folders(out: Path) -> list[Path]:
    return sorted((out / ".cache").glob("out-*"))


def test_a_warm_re_run_copies_the_kept_files_and_writes_the_same_bytes(tmp_path: Path) -> None:
    from extract.batch import run_batch

    out = tmp_path / "out"
    assert extract(str(SMALL), str(NOTICE), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    first = output_files(out)
    assert len(kept_folders(out)) == 2  # one per document
    results = run_batch([SMALL, NOTICE], ROOT / "extract" / "rules", 1, out / ".cache", rendered_format="csv")
    assert all(r.pieces is not None and r.document is None and r.status == "ok" for r in results)
    assert extract(str(SMALL), str(NOTICE), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    assert output_files(out) == first
    # the other formats still load the document
    assert run_batch([SMALL], ROOT / "extract" / "rules", 1, out / ".cache")[0].document is not None


def test_an_output_edited_in_place_does_not_reach_the_next_run(tmp_path: Path) -> None:
    """Kept files are copied into the outputs, never linked: a user's edit stays in the old outputs."""
    out = tmp_path / "out"
    for _ in range(2):  # the second run's outputs come from the kept files
        assert extract(str(NOTICE), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    first = output_files(out)
    table = out / "tables" / "zhejiang-notice-2018-30" / "t01.csv"
    with open(table, "r+b") as handle:  # same size, same file: what an editor keeping links does
        handle.write(b"X")
    assert extract(str(NOTICE), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    assert output_files(out) == first


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "meta",
        "climbing",
        "file linked out",
        "folder linked out",
        "entry replaced",
        "meta a pipe",
        "rows unlisted and linked out",
        "a foreign name",
        "counts missing",
        "kept folder linked out",
    ],
)
def test_damaged_kept_files_are_misses(tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out"
    assert extract(str(NOTICE), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    first = output_files(out)
    [kept] = kept_folders(out)
    kept_json = kept / "json" / "zhejiang-notice-2018-30.json"
    kept_json_size = kept_json.stat().st_size
    secret = tmp_path / "secret.txt"
    secret.write_text("not an output")
    meta = json.loads((kept / "meta.json").read_text(encoding="utf-8"))
    if damage == "truncated":
        kept_json.write_bytes(kept_json.read_bytes()[:100])
    elif damage == "meta":
        (kept / "meta.json").write_text('{"status": "ok"', encoding="utf-8")
    elif damage == "climbing":
        meta["files"]["../../../secret.txt"] = secret.stat().st_size
        (kept / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "file linked out":
        kept_json.unlink()
        kept_json.symlink_to(secret)
        meta["files"]["json/zhejiang-notice-2018-30.json"] = secret.stat().st_size
        (kept / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "folder linked out":  # a regular file of the right size, reached through a linked folder
        elsewhere = tmp_path / "elsewhere"
        shutil.move(kept / "json", elsewhere)
        (elsewhere / "zhejiang-notice-2018-30.json").write_text("x" * kept_json_size, encoding="utf-8")
        (kept / "json").symlink_to(elsewhere)
    elif damage == "meta a pipe":  # read, it would hang the run
        (kept / "meta.json").unlink()
        os.mkfifo(kept / "meta.json")
    elif damage == "rows unlisted and linked out":
        (kept / "rows" / "documents.csv").unlink()
        (kept / "rows" / "documents.csv").symlink_to(secret)
        meta["files"] = {}
        (kept / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "a foreign name":  # a name the run would swap in over the user's own file
        (kept / "notes.txt").write_text("planted")
        meta["files"]["notes.txt"] = len("planted")
        (kept / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        (out / "notes.txt").write_text("the user's own")
    elif damage == "counts missing":
        meta["counts"] = {}
        (kept / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "kept folder linked out":  # to files of the right sizes that say something else
        moved = Path(shutil.move(kept, tmp_path / "kept-elsewhere"))
        elsewhere = moved / "json" / "zhejiang-notice-2018-30.json"
        elsewhere.write_bytes(elsewhere.read_bytes().replace(b"zhejiang", b"ZHEJIANG"))
        kept.symlink_to(moved)
    else:  # the entry the files were made from is replaced: they may not match it
        kept_json.write_bytes(kept_json.read_bytes().replace(b"zhejiang", b"ZHEJIANG"))
        entry = next((out / ".cache").glob("*.json"))
        entry.write_bytes(entry.read_bytes())
        os.utime(entry, ns=(time.time_ns(), time.time_ns() + 10**9))
    result = extract(str(NOTICE), "-o", str(out), "-q", "--jobs", "1", timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    if damage == "a foreign name":
        assert (out / "notes.txt").read_text() == "the user's own"
    assert {k: v for k, v in output_files(out).items() if k != "notes.txt"} == first
    assert secret.read_text() == "not an output"
    assert "x" * 100 not in (out / "json" / "zhejiang-notice-2018-30.json").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 6, 13: workers and signals
@needs_linux
def test_a_killed_worker_fails_only_its_document(tmp_path: Path) -> None:
    hang = tmp_path / "fan-out.pdf"
    hang.write_bytes(fan_out())
    out = tmp_path / "out"
    process = start(str(hang), str(SMALL), str(NOTICE), "-o", str(out), "--jobs", "1", "-q", "--timeout", "600")
    try:
        killed: set[int] = set()
        for _ in range(2):  # a document whose worker dies is tried once more, on a fresh worker
            workers = wait_for_workers(process, exclude=killed)
            for worker in workers:
                os.kill(worker, signal.SIGKILL)  # as the kernel's out-of-memory killer would
            killed |= workers
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 1
    assert stderr.splitlines() == [f"extract: {hang}: the worker reading it was killed by SIGKILL (out of memory?)"]
    docs = documents(out)
    assert docs["shaoxing-annual-2020"]["status"] == "ok" and docs["zhejiang-notice-2018-30"]["status"] == "ok"


@needs_linux
def test_ctrl_c_stops_at_once_writes_nothing_and_leaves_no_process(tmp_path: Path) -> None:
    hang = tmp_path / "fan-out.pdf"
    hang.write_bytes(fan_out())
    out = tmp_path / "out"
    process = start(str(hang), str(SMALL), "-o", str(out), "--jobs", "2", "--timeout", "600")
    try:
        wait_for_workers(process)
        family = descendants(process.pid)
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - interrupted
    finally:
        process.kill()
    assert process.returncode == 130
    assert took < 10  # ignored for 12 s before, with a hanging document forever
    assert "extract: interrupted: no outputs written to" in stderr and "Traceback" not in stderr
    assert not (out / "documents.csv").exists()
    assert not alive_after(family, seconds=10)


@needs_linux
def test_killing_the_main_process_leaves_no_worker_behind(tmp_path: Path) -> None:
    hang = tmp_path / "fan-out.pdf"
    hang.write_bytes(fan_out())
    process = start(str(hang), str(SMALL), "-o", str(tmp_path / "out"), "--jobs", "2", "--timeout", "600")
    try:
        wait_for_workers(process)
        family = descendants(process.pid)
        assert len(family) >= 2
        process.kill()
        process.wait(timeout=10)
        left = alive_after(family, seconds=10)
    finally:
        process.kill()
    assert not left


# --------------------------------------------------------------------------- 7, 18, 20: ids and file names
def test_long_stems_get_bounded_ids_and_complete_outputs(tmp_path: Path) -> None:
    stem = "关于印发数据资源归集共享工作要点的通知" * 4 + "附件一至十七"  # 246 bytes
    assert 236 < len(stem.encode()) <= 251
    long_path = tmp_path / f"{stem}.pdf"
    shutil.copy(NOTICE, long_path)
    out = tmp_path / "out"
    result = extract(str(long_path), "-o", str(out), "-q", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    (doc,) = read_csv(out / "documents.csv")
    assert doc["status"] == "ok" and len(doc["doc_id"].encode()) <= 120 and doc["doc_id"][:10] == stem[:10]
    assert (out / "json" / f"{doc['doc_id']}.json").is_file()
    assert (out / "tables" / doc["doc_id"] / "t01.csv").is_file()


def test_same_stem_in_two_folders_gives_two_stable_ids(tmp_path: Path) -> None:
    from extract.batch import document_ids

    a, b = tmp_path / "2023" / "report.pdf", tmp_path / "2024" / "report.pdf"
    for path in (a, b):
        path.parent.mkdir()
        shutil.copy(SMALL, path)
    assert document_ids([a, b]) == ["2023-report", "2024-report"]
    assert document_ids([b, a]) == ["2024-report", "2023-report"]  # the same id whatever the order
    out = tmp_path / "out"
    assert extract(str(a), str(b), "-o", str(out), "-q", "--jobs", "2").returncode == 0
    assert sorted(documents(out)) == ["2023-report", "2024-report"]
    assert (out / "json" / "2023-report.json").is_file() and (out / "json" / "2024-report.json").is_file()


def test_dot_stems_stay_inside_the_output_folder(tmp_path: Path) -> None:
    from extract.batch import document_ids, safe_id

    assert safe_id(".") == "_" and safe_id("..") == "_." and safe_id("a/b\\c:d") == "a_b_c_d"
    one, two = tmp_path / "..pdf", tmp_path / "...pdf"  # stems '.' and '..'
    shutil.copy(NOTICE, one)
    shutil.copy(NOTICE, two)
    assert document_ids([one, two]) == ["_", "_."]
    out = tmp_path / "out" / "deep"
    assert extract(str(one), str(two), "-o", str(out), "-q", "--jobs", "1").returncode == 0
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"tables/_/t01.csv", "tables/_./t01.csv", "json/_.json", "json/_..json"} <= written
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["deep"]


# --------------------------------------------------------------------------- 8: nothing written into installed packages
def installed_files() -> dict[str, tuple[int, float]]:
    import sysconfig

    roots = {Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["platlib"]), ROOT / "extract"}
    files = {}
    for root in roots:
        for path in root.rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            info = path.stat()
            files[str(path)] = (info.st_size, info.st_mtime)
    return files


def test_a_run_writes_nothing_into_installed_packages(tmp_path: Path) -> None:
    before = installed_files()
    env = dict(os.environ, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = extract(str(SMALL), str(NOTICE), "-o", str(tmp_path / "out"), "-q", env=env)
    assert result.returncode == 0, result.stderr
    after = installed_files()
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}


# --------------------------------------------------------------------------- 10, 11, 14, 21, 23: the output folder
def test_output_path_that_is_a_file_is_a_usage_error_before_any_work(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("mine")
    result = extract(str(SMALL), "-o", str(target))
    assert result.returncode == 2
    assert result.stderr == f"extract: {target}: exists and is not a folder; pass -o a folder\n"
    result = extract(str(SMALL), "-o", str(target / "sub"))
    assert result.returncode == 2 and "cannot create the output folder (Not a directory)" in result.stderr
    assert target.read_text() == "mine"


def drop_privileges_available() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def unprivileged(*args: str) -> subprocess.CompletedProcess:
    """The command as root without the right to bypass file permissions (as a normal user runs it)."""
    return subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "extract", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


@pytest.mark.skipif(not drop_privileges_available(), reason="needs root and setpriv to make a file unreadable to us")
def test_an_unreadable_input_fails_alone(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    shutil.copy(SMALL, secret)
    secret.chmod(0)
    out = tmp_path / "out"
    result = unprivileged(str(secret), str(NOTICE), "-o", str(out), "-q", "--jobs", "1")
    assert result.returncode == 1
    assert result.stderr == f"extract: {secret}: permission denied: the file cannot be read by this user\n"
    docs = documents(out)
    assert docs["secret"]["status"] == "failed" and docs["zhejiang-notice-2018-30"]["status"] == "ok"
    closed = tmp_path / "closed"  # a folder we may not enter: the path cannot even be looked at
    closed.mkdir()
    shutil.copy(SMALL, closed / "inside.pdf")
    closed.chmod(0)
    result = unprivileged(str(closed / "inside.pdf"), str(NOTICE), "-o", str(tmp_path / "out2"), "-q", "--jobs", "1")
    assert result.returncode == 1
    assert result.stderr == f"extract: {closed / 'inside.pdf'}: cannot read the file (Permission denied)\n"


@pytest.mark.skipif(not drop_privileges_available(), reason="needs root and setpriv to make a folder unwritable to us")
def test_an_unwritable_output_folder_is_a_usage_error_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    result = unprivileged(str(SMALL), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr == f"extract: {out}: cannot write in the output folder (Permission denied)\n"


def test_a_pipe_or_a_folder_as_input_fails_alone(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    out = tmp_path / "out"
    result = extract(str(pipe), str(folder), str(SMALL), "-o", str(out), "-q", "--jobs", "1", timeout=120)
    assert result.returncode == 1
    assert sorted(result.stderr.splitlines()) == [
        f"extract: {folder}: is a directory, not a file",
        f"extract: {pipe}: not a regular file (a pipe, socket or device); copy the document to a file first",
    ]
    assert documents(out)["shaoxing-annual-2020"]["status"] == "ok"


def test_a_full_disk_leaves_the_previous_outputs_whole(tmp_path: Path, monkeypatch) -> None:
    import errno

    from typer.testing import CliRunner

    from extract import export
    from extract.cli import app

    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(SMALL), "-o", str(out), "-q", "--jobs", "1"]).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    real = export.write_document_files

    def disk_full(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "write_document_files", disk_full)
    result = runner.invoke(app, ["run", str(NOTICE), "-o", str(out), "-q", "--jobs", "1"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"extract: {out}: cannot write the outputs (No space left on device); the previous outputs are unchanged\n"
    )
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    assert after == before
    assert not [p for p in out.rglob("*") if p.name.startswith((".staging-", ".trash-")) or p.suffix == ".tmp"]


def tmpfs_available(path: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir()
    ok = (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(path)], capture_output=True).returncode
        == 0
    )
    return ok


def test_a_really_full_disk(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not tmpfs_available(disk):
        pytest.skip("needs root and mount to make a small file system (the monkeypatched test covers the logic)")
    try:
        result = extract(str(SMALL), str(NOTICE), "-o", str(disk / "out"), "-q", "--jobs", "1")
        assert result.returncode == 1
        assert "cannot write the outputs (No space left on device); the previous outputs are unchanged" in result.stderr
        assert len(result.stderr.splitlines()) == 1
        leftovers = [p for p in (disk / "out").rglob("*") if p.is_file() and p.name != ".extract.lock"]
        assert all(".cache" in p.relative_to(disk / "out").parts for p in leftovers), leftovers
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    from extract.outdir import output_folder

    out = tmp_path / "out"
    with output_folder(out):
        result = extract(str(SMALL), "-o", str(out), "-q")
    assert result.returncode == 2
    assert result.stderr == (
        f"extract: {out}: another extract run (pid {os.getpid()}) is writing to this folder; "
        "wait for it to finish or pass another -o\n"
    )
    assert extract(str(SMALL), "-o", str(out), "-q").returncode == 0  # free again once the first is done


def test_outputs_replace_the_previous_set_and_leftovers_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert extract(str(SMALL), str(NOTICE), "-o", str(out), "-q").returncode == 0
    (out / ".staging-old").mkdir()
    (out / ".staging-old" / "metrics.csv").write_text("half")
    (out / ".cache" / ".abc.123.tmp").write_text("half")
    (out / "notes.txt").write_text("the user's own file")
    assert extract(str(SMALL), "-o", str(out), "-q").returncode == 0
    assert sorted(p.name for p in (out / "json").iterdir()) == ["shaoxing-annual-2020.json"]
    assert not (out / "tables" / "zhejiang-notice-2018-30").exists()
    assert not (out / ".staging-old").exists() and not (out / ".cache" / ".abc.123.tmp").exists()
    assert (out / "notes.txt").read_text() == "the user's own file"


def test_output_files_follow_the_umask(tmp_path: Path) -> None:
    for umask, file_mode, dir_mode in ((0o022, 0o644, 0o755), (0o027, 0o640, 0o750)):
        out = tmp_path / f"out{umask:o}"
        result = subprocess.run(
            [
                "sh",
                "-c",
                f'umask {umask:03o} && exec "$0" -m extract "$1" -o "$2" -q',
                sys.executable,
                str(NOTICE),
                str(out),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        assert (out / "metrics.csv").stat().st_mode & 0o777 == file_mode
        assert (out / "json" / "zhejiang-notice-2018-30.json").stat().st_mode & 0o777 == file_mode
        assert (out / "tables" / "zhejiang-notice-2018-30" / "t01.csv").stat().st_mode & 0o777 == file_mode
        assert (out / "tables").stat().st_mode & 0o777 == dir_mode


# --------------------------------------------------------------------------- 12: formula-like cells
def test_formula_like_cells_stay_exact_in_csv_and_are_text_in_the_workbook(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    notice = tmp_path / "cells.txt"
    notice.write_text(
        "关于报送数据的通知\n\n附件\n\n数据表\n序号\t名称\t数量\t编码\n1\t=SUM(A1:A9)\t1,234\t03\n2\t@cmd\t55%\t-2\n3\t+1\t7\t=1+1\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert extract(str(notice), "-o", str(out), "-q").returncode == 0
    table = (out / "tables" / "cells" / "t01.csv").read_text(encoding="utf-8")
    assert "=SUM(A1:A9)" in table and "@cmd" in table and "+1" in table and "=1+1" in table
    assert extract(str(notice), "-o", str(tmp_path / "xl"), "-q", "--format", "xlsx").returncode == 0
    book = load_workbook(tmp_path / "xl" / "extract.xlsx")
    sheet = book[next(name for name in book.sheetnames if name.startswith("1 "))]
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=3)]
    by_text = {str(c.value): c for row in rows for c in row if c.value is not None}
    for text in ("=SUM(A1:A9)", "@cmd", "+1", "=1+1", "03"):
        assert by_text[text].data_type == "s", text
    assert by_text["1234"].data_type == "n" and by_text["1234"].number_format == "#,##0"
    assert by_text["0.55"].data_type == "n" and by_text["0.55"].number_format == "0%"
    assert set(book.sheetnames) >= {"documents", "sections", "tables", "metrics", "deadlines", "checks"}


# --------------------------------------------------------------------------- 22: quiet libraries
def test_library_noise_never_reaches_the_terminal(tmp_path: Path) -> None:
    """jieba logs a traceback when it cannot write its dictionary cache (here: a folder stands where
    the file goes); that and pdfminer's warnings stay out of the batch's and inspect's output."""
    cache_home, temp = tmp_path / "cache", tmp_path / "tmp"
    (cache_home / "extract" / "jieba.cache").mkdir(parents=True)
    (temp / "jieba.cache").mkdir(parents=True)
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), TMPDIR=str(temp))
    out = tmp_path / "out"
    for extra in ([], ["--jobs", "1"]):
        result = extract(str(SMALL), "-o", str(out), "-q", "--no-cache", *extra, env=env)
        assert result.returncode == 0 and result.stderr == "" and result.stdout == ""
    inspected = extract("inspect", str(SMALL), env=env)
    assert inspected.returncode == 0 and inspected.stderr == ""


def fresh_pos_tokenizer():
    """A jieba.posseg tokenizer with nothing loaded, over a new jieba.Tokenizer."""
    import jieba
    import jieba.posseg

    tokenizer = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    tokenizer.tokenizer, tokenizer.word_tag_tab = jieba.Tokenizer(), {}
    return tokenizer


def loaded_pos_tokenizer():
    """A tokenizer that loaded jieba's dict.txt and word tags itself, as jieba does without our tables."""
    import jieba

    from extract.wordseg import tagger

    tagger()
    source = fresh_pos_tokenizer()
    source.tokenizer.tmp_dir = jieba.dt.tmp_dir
    source.tokenizer.initialize()
    source.load_word_tag(source.tokenizer.get_dict_file())
    return source


LONG_LABELS = [  # labels over 12 characters, as clean_label cuts them
    "全市自建业务办理系统接入一窗平台统计表",
    "累计总归集量较上周增加的数据共享交换次数",
    "各地区政府信息公开工作年度报告主动公开情况",
    "一般公共预算财政拨款支出决算表（按功能分类）",
    "Q3季度ABC公司用电量同比增长率",
]


def test_the_kept_word_tables_are_jiebas(tmp_path: Path) -> None:
    """The word tables read a first character at a time from our kept file hold exactly the words,
    counts and tags jieba loads itself, and cut labels into the same words with the same tags."""
    import jieba
    import jieba.posseg

    from extract.wordseg import WordTable, keep_words, load_words, tagger

    tagger()
    theirs = fresh_pos_tokenizer()
    theirs.tokenizer.tmp_dir = jieba.dt.tmp_dir
    theirs.tokenizer.initialize()  # jieba's own reading, from its cache or dict.txt
    theirs.load_word_tag(theirs.tokenizer.get_dict_file())
    assert len(theirs.tokenizer.FREQ) > 400_000 and len(theirs.word_tag_tab) > 300_000
    kept = tmp_path / "words.cache"
    keep_words(theirs, kept)
    ours = fresh_pos_tokenizer()
    assert load_words(ours, kept)
    assert isinstance(ours.tokenizer.FREQ, WordTable) and isinstance(ours.word_tag_tab, WordTable)
    assert ours.tokenizer.total == theirs.tokenizer.total
    assert len(ours.tokenizer.FREQ) == len(theirs.tokenizer.FREQ)
    assert dict(ours.tokenizer.FREQ.items()) == theirs.tokenizer.FREQ
    assert dict(ours.word_tag_tab.items()) == theirs.word_tag_tab
    assert "" not in ours.tokenizer.FREQ and ours.tokenizer.FREQ.get("", 7) == 7
    with pytest.raises(KeyError):
        ours.tokenizer.FREQ["不是一个词语吧"]
    for label in LONG_LABELS:
        assert [tuple(p) for p in ours.cut(label)] == [tuple(p) for p in theirs.cut(label)], label


def test_a_kept_word_file_that_is_not_current_is_built_again(tmp_path: Path) -> None:
    """A kept file that is damaged, not ours, or made from another dictionary is not used (jieba
    then loads its own), and is written again; a folder where the file goes leaves nothing behind."""
    import marshal

    import jieba

    from extract.wordseg import keep_words, load_words, words_stamp

    source = loaded_pos_tokenizer()
    kept = tmp_path / "words.cache"
    stale = [0, jieba.__version__, "other dict.txt", 1, 2]
    header = marshal.dumps((stale, 100, ({}, 0), ({}, 0)))
    for damage in (b"", b"\x00garbage", len(header).to_bytes(8, "little") + header):
        kept.write_bytes(damage)
        assert not load_words(fresh_pos_tokenizer(), kept)
    keep_words(source, kept)
    assert load_words(fresh_pos_tokenizer(), kept)
    length = int.from_bytes(kept.read_bytes()[:8], "little")
    assert marshal.loads(kept.read_bytes()[8 : 8 + length])[0] == words_stamp()
    blocked = tmp_path / "blocked.cache"
    blocked.mkdir()
    keep_words(source, blocked)
    assert blocked.is_dir() and [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_a_kept_word_file_cut_short_is_not_used(tmp_path: Path) -> None:
    """A kept word file cut short (a full disk, a copy stopped) has a whole header: it is not used,
    or every label cut later would fail to read its part of the table."""

    from extract.wordseg import keep_words, load_words

    source = loaded_pos_tokenizer()
    kept = tmp_path / "words.cache"
    keep_words(source, kept)
    whole = kept.read_bytes()
    for cut in (len(whole) - 1, len(whole) * 2 // 3):
        kept.write_bytes(whole[:cut])
        assert not load_words(fresh_pos_tokenizer(), kept), cut
    kept.write_bytes(whole)
    assert load_words(fresh_pos_tokenizer(), kept)


def test_jieba_set_up_before_us_is_neither_kept_nor_broken(tmp_path: Path) -> None:
    """A program that set jieba up itself (a word added) before extract's tagger: its tables are not
    kept as dict.txt's for later runs; and after the tagger, jieba's add_word still works."""
    script = """
import sys, jieba
jieba.add_word("人民政府办公厅关于", 10**9)
from extract.wordseg import tagger
tagger()
print(list(jieba.posseg.cut("浙江省人民政府办公厅关于印发"))[1].word)
"""
    later = """
import jieba
from extract.wordseg import tagger
tagger()
print([p.word for p in jieba.posseg.cut("浙江省人民政府办公厅关于印发")])
jieba.add_word("办公厅关于印发", 10**9)
print([p.word for p in jieba.posseg.cut("浙江省人民政府办公厅关于印发")])
"""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0 and first.stdout.strip() == "人民政府办公厅关于", first.stderr
    assert not (tmp_path / "cache" / "extract" / "jieba-words.cache").exists()
    for _ in range(2):  # the first builds and keeps the tables, the second reads them
        run = subprocess.run([sys.executable, "-c", later], capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines() == [
            "['浙江省人民政府', '办公厅', '关于', '印发']",
            "['浙江省人民政府', '办公厅关于印发']",
        ]
    assert (tmp_path / "cache" / "extract" / "jieba-words.cache").is_file()


# --------------------------------------------------------------------------- all of it at once
def test_a_batch_of_hostile_files_beside_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    files = hostile_folder(folder, [SMALL, NOTICE])
    inputs = [str(p) for p in files.values()] + [str(folder / SMALL.name), str(folder / NOTICE.name)]
    out = tmp_path / "out"
    started = time.monotonic()
    result = extract(*inputs, "-o", str(out), "--timeout", "5", "--jobs", "2", "-q", timeout=240)
    assert time.monotonic() - started < 120
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert all(line.startswith("extract: ") for line in lines), lines
    from extract.batch import safe_id

    docs = documents(out)
    failing = {name for name, path in files.items() if docs[safe_id(path.stem)]["status"] == "failed"}
    assert failing == {
        "loop-contents.pdf",  # repaired to an empty page: nothing read
        "loop-pages.pdf",
        "fan-out.pdf",
        "bomb.pdf",
        "truncated.pdf",
        "empty.pdf",
        "photo.pdf",
        "page.pdf",
        "report[v2].pdf",
        "a[/x]b.pdf",
        "new\nline.pdf",
        "encrypted.pdf",
        "folder.pdf",
        "pipe.pdf",
    }
    partial = {name for name, path in files.items() if docs[safe_id(path.stem)]["status"] == "partial"}
    assert partial == {"loop-mediabox.pdf", "no-mediabox.pdf"}  # "Hello" only: no Chinese read
    for name in failing | partial:
        shown = str(files[name]).replace("\n", "\\n")
        assert sum(line.startswith(f"extract: {shown}: ") for line in lines) == 1, name
    assert len(lines) == len(failing) + len(partial)
    repaired = {"loop-mediabox", "loop-contents", "no-mediabox", "no-trailer"}
    assert all(docs[name]["warnings"].startswith("repaired by qpdf") for name in repaired)
    for good in ("shaoxing-annual-2020", "zhejiang-notice-2018-30"):
        assert docs[good]["status"] == "ok" and docs[good]["warnings"] == ""
        golden = read_csv(ROOT / "tests" / "golden" / good / "metrics.csv")
        assert len([m for m in read_csv(out / "metrics.csv") if m["doc_id"] == good]) == len(golden)


# --------------------------------------------------------------------------- found by an adversarial review
def test_names_that_are_not_utf8_are_read_and_shown(tmp_path: Path) -> None:
    """GBK file names from Windows archives: a readable id, the path shown with escapes, no crash."""
    folder = tmp_path / "in"
    folder.mkdir()
    gbk = os.fsencode(folder) + b"/" + "绍兴年报".encode("gbk") + b".pdf"
    shutil.copy(SMALL, gbk)
    shutil.copy(NOTICE, folder / "good.pdf")
    out = tmp_path / "out"
    result = extract(os.fsdecode(gbk), str(folder / "good.pdf"), "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    docs = documents(out)
    assert docs["绍兴年报"]["status"] == "ok" and docs["good"]["status"] == "ok"
    assert docs["绍兴年报"]["path"] == gbk.decode("utf-8", "backslashreplace")  # "…/\\xc9\\xdc…": findable, not a crash
    assert "\\xc9\\xdc" in docs["绍兴年报"]["path"]


def test_a_symbolic_link_loop_beside_a_same_named_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "loop.pdf").symlink_to("loop.pdf")
    shutil.copy(SMALL, tmp_path / "b" / "loop.pdf")
    out = tmp_path / "out"
    result = extract(str(tmp_path / "a" / "loop.pdf"), str(tmp_path / "b" / "loop.pdf"), "-o", str(out), "-q")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and "a/loop.pdf: cannot read the file" in result.stderr
    assert documents(out)["b-loop"]["status"] == "ok"


def test_ids_do_not_depend_on_the_order_or_on_case() -> None:
    from extract.batch import document_ids

    paths = [Path(p) for p in ("t/a/x.pdf", "t/b/x.pdf", "p/a-x.pdf", "q/a-x.pdf")]
    forward = dict(zip(paths, document_ids(paths)))
    backward = dict(zip(paths[::-1], document_ids(paths[::-1])))
    assert forward == backward
    assert len({i.casefold() for i in forward.values()}) == 4
    assert not {"x", "a-x"} & set(forward.values())  # never another input's plain stem
    # two groups whose candidates meet ("a-b-x"): settled the same way whatever comes first
    paths = [Path(p) for p in ("/r/a/b/x.pdf", "/r/c/b/x.pdf", "/r/a/b-x.pdf", "/r/d/b-x.pdf")]
    assert document_ids(paths) == ["r-a-b-x", "r-c-b-x", "a-b-x", "d-b-x"]
    assert document_ids(paths[::-1]) == ["d-b-x", "a-b-x", "r-c-b-x", "r-a-b-x"]
    mixed = document_ids([Path("a/Report.pdf"), Path("b/report.pdf")])
    assert mixed[0].casefold() != mixed[1].casefold()  # one folder on a case-insensitive disk


def test_a_huge_input_is_refused_before_it_is_hashed(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with open(huge, "wb") as handle:  # sparse: costs no disk
        handle.write(b"%PDF-1.4\n")
        handle.truncate(2_100_000_000)
    out = tmp_path / "out"
    started = time.monotonic()
    result = extract(str(huge), str(SMALL), "-o", str(out), "-q", "--jobs", "1")
    assert time.monotonic() - started < 60  # hashing 2 GB in the main process would not be bounded by --timeout
    assert result.stderr == f"extract: {huge}: file is 2.1 GB; files over 2 GB are not read\n"
    assert documents(out)["shaoxing-annual-2020"]["status"] == "ok"


def test_junk_before_the_pdf_header_is_tolerated(tmp_path: Path) -> None:
    from extract.pipeline import extract_file

    for junk in (b"\xef\xbb\xbf", b"Content-Type: application/pdf\r\n\r\n"):
        path = tmp_path / "junk.pdf"
        path.write_bytes(junk + SMALL.read_bytes())
        assert extract_file(path).meta.signer == "何建"


def test_a_pdf_bomb_behind_two_flate_filters_is_refused(tmp_path: Path) -> None:
    import zlib

    from hostile import PAGE, TEXT, one_page, tiny_pdf

    from extract.errors import ReadError
    from extract.read import read_document

    compressor = zlib.compressobj(9)
    inner = b"".join(compressor.compress(b" " * (1 << 20)) for _ in range(500)) + compressor.flush()
    outer = zlib.compress(inner, 9)
    objects = one_page(PAGE, TEXT)
    objects[4] = b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(outer) + outer + b"\nendstream"
    path = tmp_path / "double.pdf"
    path.write_bytes(tiny_pdf(objects))
    assert path.stat().st_size < 10_000
    with pytest.raises(ReadError, match="page 1 inflates to over 64 MB"):
        read_document(path)


def test_planted_cache_entries_cannot_write_outside_or_crash(tmp_path: Path) -> None:
    from extract import cache
    from extract.batch import cache_kind, file_sha, rules_for
    from extract.settings import OCR

    out = tmp_path / "out"
    assert extract(str(NOTICE), "-o", str(out), "-q").returncode == 0
    key = cache.entry_key(file_sha(NOTICE), rules_for(str(ROOT / "extract" / "rules")).digest, cache_kind(NOTICE, OCR))
    entry_path = out / ".cache" / f"{key}.json"
    original = json.loads(entry_path.read_text(encoding="utf-8"))
    for table_id in (f"../../../../{tmp_path.name}/PWNED", "t\u0000"):
        planted = json.loads(json.dumps(original))
        planted["document"]["tables"][0]["table_id"] = table_id
        entry_path.write_text(json.dumps(planted, ensure_ascii=False), encoding="utf-8")
        result = extract(str(NOTICE), "-o", str(out), "-q")
        assert result.returncode == 0, result.stderr
        assert not list(tmp_path.rglob("PWNED*"))
        assert (out / "tables" / "zhejiang-notice-2018-30" / "t01.csv").is_file()  # read afresh
    entry_path.unlink()
    os.mkfifo(entry_path)  # a pipe where an entry should be: a miss, not a hang
    result = extract(str(NOTICE), "-o", str(out), "-q", timeout=120)
    assert result.returncode == 0


def test_the_lock_file_is_never_followed_or_fatal(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("important")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".extract.lock").symlink_to(victim)
    result = extract(str(SMALL), "-o", str(linked), "-q")
    assert (
        result.returncode == 2 and result.stderr == f"extract: {linked}/.extract.lock: is a symbolic link; remove it\n"
    )
    assert victim.read_text() == "important"
    folder = tmp_path / "dir-lock"
    (folder / ".extract.lock").mkdir(parents=True)
    result = extract(str(SMALL), "-o", str(folder), "-q")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"extract: {folder}/.extract.lock: cannot be opened (Is a directory)")


def test_a_full_or_closed_stderr_costs_the_messages_not_the_outputs(tmp_path: Path) -> None:
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    for stderr in ("/dev/full", None):
        out = tmp_path / f"out-{stderr is None}"
        with open(stderr, "w") if stderr else open(os.devnull, "w") as sink:
            result = subprocess.run(
                [sys.executable, "-m", "extract", str(bad), str(SMALL), "-o", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=sink if stderr else subprocess.DEVNULL,
                cwd=ROOT,
                timeout=120,
            )
        assert result.returncode == 1
        assert documents(out)["shaoxing-annual-2020"]["status"] == "ok"


def test_the_users_own_folders_are_never_replaced(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "json").mkdir(parents=True)
    (project / "json" / "settings.json").write_text("{}")
    result = extract(str(SMALL), "-o", str(project), "-q")
    assert result.returncode == 2
    assert result.stderr.startswith(f"extract: {project}/json: exists and was not written by extract")
    assert (project / "json" / "settings.json").read_text() == "{}"
    out = tmp_path / "out"
    assert extract(str(NOTICE), "-o", str(out), "-q").returncode == 0
    inside = out / "tables" / "report.pdf"
    shutil.copy(NOTICE, inside)
    result = extract(str(inside), "-o", str(out), "-q")
    assert result.returncode == 2 and "which this run replaces; move it out of the output folder" in result.stderr
    assert inside.is_file()
    legacy = tmp_path / "legacy"  # outputs of a version before the manifest are recognised
    legacy.mkdir()
    (legacy / "documents.csv").write_text("doc_id,path,sha256,pages\n")
    (legacy / "json").mkdir()
    assert extract(str(SMALL), "-o", str(legacy), "-q").returncode == 0


def test_a_swap_that_fails_half_way_is_rolled_back(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from extract.cli import app

    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(SMALL), str(NOTICE), "-o", str(out), "-q", "--jobs", "1"]).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    real_rename = Path.rename

    def rename(self: Path, target: Path):
        if self.parent.name.startswith(".staging-") and self.name == "metrics.csv":
            raise OSError(13, "Permission denied")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    result = runner.invoke(app, ["run", str(SMALL), "-o", str(out), "-q", "--jobs", "1"])
    monkeypatch.undo()
    assert result.exit_code == 1 and "the previous outputs are unchanged" in result.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    assert after == before


def test_outputs_left_in_a_trash_folder_by_a_killed_run_are_put_back(tmp_path: Path) -> None:
    from extract.outdir import output_folder

    out = tmp_path / "out"
    assert extract(str(SMALL), "-o", str(out), "-q").returncode == 0
    metrics = (out / "metrics.csv").read_bytes()
    (out / ".trash-99").mkdir()
    (out / "metrics.csv").rename(out / ".trash-99" / "metrics.csv")  # killed between the two moves
    with output_folder(out, {"metrics.csv"}):
        assert (out / "metrics.csv").read_bytes() == metrics
    assert not (out / ".trash-99").exists()


def test_the_same_bytes_as_txt_and_as_pdf_are_not_confused_by_the_cache(tmp_path: Path) -> None:
    text = tmp_path / "notice.txt"
    shutil.copy(CORPUS / "text" / "zhejiang-notice-2018-30.txt", text)
    shutil.copy(text, tmp_path / "notice-copy.pdf")
    out = tmp_path / "out"
    assert extract(str(tmp_path / "notice-copy.pdf"), "-o", str(out), "-q").returncode == 1
    assert extract(str(text), "-o", str(out), "-q").returncode == 0
    result = extract(str(tmp_path / "notice-copy.pdf"), "-o", str(out), "-q")
    assert result.returncode == 1 and "not a PDF" in result.stderr


def test_a_lone_surrogate_in_the_text_is_written_as_a_replacement_character() -> None:
    """A broken text layer can leave half a surrogate pair: the document's JSON is still valid
    UTF-8, with U+FFFD in its place, and everything else as it would be."""
    from dataclasses import replace

    from extract import cache
    from extract.batch import DocResult, extract_with_rules, rules_for
    from extract.export import encoded, json_bytes
    from extract.rulefolders import user_rules

    notice = CORPUS / "text" / "zhejiang-notice-2018-30.txt"
    document, records = extract_with_rules(str(notice), "notice", rules_for(user_rules(None)))
    first = document.paragraphs[0]
    broken = replace(document, paragraphs=[replace(first, text=first.text + "\ud800"), *document.paragraphs[1:]])
    whole = DocResult("notice", str(notice), document.sha256, "ok", "", document, records)
    written = json.loads(json_bytes(replace(whole, document=broken)).decode("utf-8"))
    assert written["document"]["paragraphs"][0]["text"] == first.text + "\ufffd"
    written["document"]["paragraphs"][0]["text"] = first.text
    assert written == json.loads(json_bytes(whole))
    assert encoded("表\ud800格") == "表\ufffd格".encode()  # the CSV files' encoding
    with tempfile.TemporaryDirectory() as folder:  # the cache cannot hold it: not kept, no failure
        cache.store(Path(folder), "key", cache.Entry("ok", "", [], broken, records))
        assert not list(Path(folder).iterdir())


def test_characters_a_workbook_cannot_hold_are_replaced(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    odd = tmp_path / "odd.txt"
    odd.write_text(
        (CORPUS / "text" / "zhejiang-notice-2018-30.txt")
        .read_text(encoding="utf-8")
        .replace("数据共享", "数据\uffff共享", 1),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = extract(str(odd), str(SMALL), "-o", str(out), "-q", "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    book = load_workbook(out / "extract.xlsx", read_only=True)
    texts = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("数据\ufffd共享" in t for t in texts)


def test_long_tables_continue_on_another_sheet(tmp_path: Path, monkeypatch) -> None:
    from openpyxl import load_workbook

    from extract import workbook
    from extract.batch import run_batch

    monkeypatch.setattr(workbook, "MAX_ROWS", 12)
    results = run_batch([NOTICE], ROOT / "extract" / "rules", jobs=1)
    from extract.export import write_outputs

    write_outputs(results, tmp_path, "xlsx")
    names = load_workbook(tmp_path / "extract.xlsx", read_only=True).sheetnames
    table = results[0].document.tables[0]
    parts = [n for n in names if n.startswith("1 ")]
    assert len(parts) == -(-len(table.rows) // 10) and parts[1].endswith(" (2)")
    assert all(len(n) <= 31 for n in names)


def test_failed_documents_give_no_rows() -> None:
    from extract.batch import DocResult, run_batch
    from extract.export import ROWS

    (result,) = run_batch([NOTICE], ROOT / "extract" / "rules", jobs=1)
    failed = DocResult(
        result.doc_id, result.path, result.sha256, "failed", "a rule timed out", result.document, result.records
    )
    for name in ("sections", "tables", "metrics", "deadlines", "checks"):
        assert list(ROWS[name]([failed])) == []
    assert [row["status"] for row in ROWS["documents"]([failed])] == ["failed"]


def test_a_worker_killed_once_does_not_fail_its_document(tmp_path: Path) -> None:
    """A worker can die for reasons not its document's (the out-of-memory killer picks the largest
    process): the document gets a fresh worker once."""
    weekly = CORPUS / "hangzhou-weekly-2018-07-20.pdf"
    out = tmp_path / "out"
    process = start(str(weekly), "-o", str(out), "--jobs", "1", "-q", "--no-cache")
    try:
        for worker in wait_for_workers(process, settle=0.5):
            os.kill(worker, signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert documents(out)["hangzhou-weekly-2018-07-20"]["status"] == "ok"


def test_early_ctrl_c_is_one_line_never_a_traceback(tmp_path: Path) -> None:
    # parsing and starting workers, loading the pipeline, running (before ~0.1 s, Python itself is
    # still starting: no handler of ours can be in place yet)
    for delay in (0.2, 0.3, 0.35, 0.4, 0.5, 1.0, 2.0):
        process = start(str(SMALL), "-o", str(tmp_path / f"out{delay}"), "--jobs", "1")
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        if process.returncode == 0:
            continue  # finished before the signal
        assert process.returncode == 130, (delay, stderr)
        assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, (delay, stderr)


@needs_linux
def test_ctrl_c_in_the_terminal_while_the_workers_start_is_one_line(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group: the fork server, started in the first
    tenth of a second, printed a traceback (or "Fatal Python error") when it came during its own
    start. One line, exit 130, and every process gone soon after, whenever it comes."""
    for delay in (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3):
        process = subprocess.Popen(
            [sys.executable, "-m", "extract", str(SMALL), "-o", str(tmp_path / f"out{delay}"), "--jobs", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            start_new_session=True,  # a group of its own, as a terminal gives a command
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        if process.returncode == 0:
            continue  # finished before the signal
        assert process.returncode == 130 and len(stderr.splitlines()) == 1, (delay, stderr)
        deadline = time.monotonic() + 10
        while group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_members(process.pid), delay


def group_members(group: int) -> set[int]:
    """The live processes of a process group, from /proc."""
    members = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split() if stat else []
        if fields and fields[0] != "Z" and int(fields[2]) == group:
            members.add(int(entry.name))
    return members


def test_a_missing_rules_folder_is_a_usage_error_and_cwd_rules_are_not_picked_up(tmp_path: Path) -> None:
    result = extract(str(SMALL), "-o", str(tmp_path / "out"), "--rules", str(tmp_path / "nowhere"))
    assert (
        result.returncode == 2
        and result.stderr == f"extract: {tmp_path / 'nowhere'}: rules folder not found; pass --rules DIR\n"
    )
    (tmp_path / "rules").mkdir()  # an unrelated ./rules folder in the current directory
    result = subprocess.run(
        [sys.executable, "-m", "extract", str(SMALL), "-o", str(tmp_path / "out2"), "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stderr
    assert documents(tmp_path / "out2")["shaoxing-annual-2020"]["format"] == "annual-work-report"
