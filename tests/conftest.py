"""Shared paths and fixtures for the test suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TRUTH = CORPUS / "truth"
SHARED = ROOT.parent / "shared"
REALWORLD = SHARED / "realworld"
DOC_IDS = sorted(p.stem for p in TRUTH.glob("*.json"))


def load_truth(doc_id: str) -> dict:
    return json.loads((TRUTH / f"{doc_id}.json").read_text(encoding="utf-8"))


def needs_realworld() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not REALWORLD.is_dir(), reason=f"real-world PDFs not present at {REALWORLD} (they live in ../shared/)"
    )
