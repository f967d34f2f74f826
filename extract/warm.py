"""Imported by the worker fork server before it forks any worker (see workers.py), so that every
worker starts with the dictionaries in memory instead of loading them for its first document
(jieba's alone take ~2 s per process). The fork server is not the terminal's business: it ignores
Ctrl-C (the main process stops everything) and its output (library warnings) goes nowhere."""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

from .workers import silence_output  # noqa: E402

silence_output()

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from .export import json_adapter  # noqa: E402
from .normalize import _t2s  # noqa: E402
from .quality import common_hanzi  # noqa: E402
from .wordseg import tagger  # noqa: E402

# a set-up that fails (a broken install) is each document's to meet and report, not the server's end
for prepare in (tagger, _t2s, common_hanzi, json_adapter):  # a serializer for the model takes ~0.1 s
    with contextlib.suppress(Exception):
        prepare()

from .batch import rules_for  # noqa: E402
from .rulefolders import layers  # noqa: E402
from .workers import WARM_RULES  # noqa: E402

with contextlib.suppress(Exception):  # a rule problem is the worker's to meet and report, not the server's end
    if os.environ.get(WARM_RULES):
        rules_for(layers(json.loads(os.environ[WARM_RULES])))
