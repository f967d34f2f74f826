"""Regenerate tests/golden/ from the current code: python tests/update_golden.py

Review the diff (git diff tests/golden) before committing: every change there is a change in
what users get.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from golden import golden_outputs  # noqa: E402


def main() -> int:
    target = ROOT / "tests" / "golden"
    for doc_id, files in golden_outputs().items():
        for name, text in files.items():
            path = target / doc_id / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
