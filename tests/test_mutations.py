"""The mutation list (benchmarks/mutations.yaml) stays aimed at the code: each mutation's text is
found exactly once in its file, else benchmarks/mutate.py can only call it stale and the test
it names guards nothing any more (two had gone stale after files moved)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MUTATIONS = yaml.safe_load((ROOT / "benchmarks" / "mutations.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m["id"])
def test_each_mutation_finds_its_text_once(mutation: dict) -> None:
    path = ROOT / mutation["file"]
    assert path.is_file(), f"{mutation['file']} does not exist"
    assert path.read_text(encoding="utf-8").count(mutation["find"]) == 1
