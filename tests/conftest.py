"""Shared paths and fixtures for the test suite."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from extract.model import Document
from extract.pipeline import extract_file

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


@cache
def extracted(path: str) -> Document:
    """One extraction per file for the whole session (the real-world PDFs take seconds each)."""
    return extract_file(path)
