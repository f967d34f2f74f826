"""Mutation check: break the code on purpose, one line at a time, and see whether the tests notice.

    python benchmarks/mutate.py                 # every mutation in benchmarks/mutations.yaml
    python benchmarks/mutate.py --only dedupe   # those whose id contains 'dedupe'

Each mutation replaces one exact piece of text in one file, in a copy of the repository (the
working tree is never touched), and runs the tests it names there with a time limit. A mutation
the tests do not fail on "survived": either a test is missing or the mutated line does not
matter. Prints one line per mutation and the share caught.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MUTATIONS = Path(__file__).with_name("mutations.yaml")
TIME_LIMIT_S = 600  # a mutation that makes the tests hang counts as caught only if they fail in time


def copy_repository(target: Path) -> None:
    for name in ("extract", "tests", "corpus", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, target / name)
    shared = ROOT.parent / "shared"
    if shared.is_dir():  # the tests read ../shared beside the repository
        (target.parent / "shared").symlink_to(shared)


def run_one(mutation: dict, workspace: Path) -> tuple[str, float]:
    repo = workspace / "repo"
    path = repo / mutation["file"]
    original = path.read_text(encoding="utf-8")
    if original.count(mutation["find"]) != 1:
        return "stale (the text to replace is not found exactly once)", 0.0
    path.write_text(original.replace(mutation["find"], mutation["replace"]), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation["tests"]],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
        )
        verdict = "caught" if result.returncode != 0 else "SURVIVED"
    except subprocess.TimeoutExpired:
        verdict = "SURVIVED (tests hung)"
    finally:
        path.write_text(original, encoding="utf-8")
    return verdict, time.monotonic() - started


def tests_can_run(workspace: Path) -> str:
    """Why the unmutated copy cannot even start its tests ('' when it can): a Python without pytest
    or the project's libraries would count every mutation as caught."""
    repo = workspace / "repo"
    env = dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1")
    probe = subprocess.run(
        [sys.executable, "-c", "import pytest, extract.pipeline, extract.cli"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    return probe.stderr.strip().splitlines()[-1] if probe.returncode else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the mutations whose id contains this text")
    args = parser.parse_args()
    mutations = [m for m in yaml.safe_load(MUTATIONS.read_text(encoding="utf-8")) if args.only in m["id"]]
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        (workspace / "repo").mkdir()
        copy_repository(workspace / "repo")
        problem = tests_can_run(workspace)
        if problem:
            print(
                f"{sys.executable} cannot run the tests ({problem}): install the test extra (pip install -e '.[test]')"
            )
            return 2
        caught = 0
        for mutation in mutations:
            verdict, seconds = run_one(mutation, workspace)
            caught += verdict == "caught"
            print(f"{verdict:10s} {seconds:6.1f}s  {mutation['id']}: {mutation['why']}", flush=True)
    print(f"\n{caught} of {len(mutations)} mutations caught ({caught / max(len(mutations), 1):.0%})")
    return 0 if caught == len(mutations) else 1


if __name__ == "__main__":
    raise SystemExit(main())
