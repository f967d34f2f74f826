"""Loaded by the worker fork server before it forks any worker (see workers.py), so that every
worker starts with the dictionaries in memory instead of loading them for its first document
(jieba's alone take ~2 s per process)."""

from __future__ import annotations

from .normalize import _t2s
from .quality import common_hanzi
from .wordseg import tagger

tagger()
_t2s()
common_hanzi()
