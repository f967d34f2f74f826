"""Every output of every corpus document against tests/golden/ (python tests/update_golden.py to regenerate)."""

from __future__ import annotations

import csv
import io
from functools import lru_cache

import pytest
from conftest import DOC_IDS, ROOT
from golden import golden_outputs

GOLDEN = ROOT / "tests" / "golden"


@lru_cache(maxsize=1)
def current() -> dict[str, dict[str, str]]:
    return golden_outputs()


def expected_files(doc_id: str) -> list[str]:
    folder = GOLDEN / doc_id
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_outputs_match_golden_field_by_field(doc_id: str) -> None:
    got = current()[doc_id]
    assert sorted(got) == expected_files(doc_id), "files differ: run tests/update_golden.py and review the diff"
    for name in expected_files(doc_id):
        want_rows = list(csv.reader(io.StringIO((GOLDEN / doc_id / name).read_text(encoding="utf-8"))))
        got_rows = list(csv.reader(io.StringIO(got[name])))
        assert got_rows[0] == want_rows[0], f"{name}: columns changed"
        header = want_rows[0]
        for i, (want, have) in enumerate(zip(want_rows[1:], got_rows[1:]), start=1):
            diffs = {header[c]: (w, h) for c, (w, h) in enumerate(zip(want, have)) if w != h}
            assert not diffs, f"{doc_id}/{name} row {i}: {diffs}"
        assert len(got_rows) == len(want_rows), (
            f"{doc_id}/{name}: {len(want_rows) - 1} rows expected, got {len(got_rows) - 1}"
        )
