"""Shared paths and fixtures for the test suite."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from extract.model import Document
from extract.pipeline import extract_file
from extract.settings import OCR

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
    """One extraction per file for the whole session (the real-world PDFs take seconds each).
    Without OCR: the 54-page Penghu scan and the 55-page Tainan file would take minutes to read;
    tests/test_ocr.py reads pages of them with OCR."""
    return extract_file(path, ocr=replace(OCR, mode="never"))
