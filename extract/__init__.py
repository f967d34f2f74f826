"""extract: Chinese government PDFs and notices to tidy, traceable datasets.

>>> import extract
>>> doc = extract.extract_file("corpus/zhejiang-notice-2018-30.pdf")
>>> doc.meta.doc_number
'浙政办发〔2018〕30号'

The package imports nothing heavy until it is used, so the command starts (and answers Ctrl-C) at once.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "extract_file":
        from .pipeline import extract_file

        return extract_file
    raise AttributeError(f"module 'extract' has no attribute {name!r}")


def extract_many(paths: list[str] | tuple[str, ...], rules_dir: str | None = None, jobs: int = 0) -> dict[str, object]:
    """The dataset of many files as pandas DataFrames (documents, sections, tables, metrics, deadlines, checks)."""
    from .batch import extract_many as run

    return run(paths, rules_dir, jobs)


__all__ = ["__version__", "extract_file", "extract_many"]
