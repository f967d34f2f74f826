"""Golden outputs: every dataset of every corpus document, as the CSV text the tool writes."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATASETS = ("documents", "sections", "tables", "metrics", "deadlines", "checks")


def golden_outputs() -> dict[str, dict[str, str]]:
    """doc_id -> {file name: content}, from one run over the corpus (no cache)."""
    from extract.batch import run_batch
    from extract.export import write_outputs

    pdfs = sorted(CORPUS.glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_outputs(run_batch(pdfs, ROOT / "extract" / "rules", jobs=1), out)
        result: dict[str, dict[str, str]] = {p.stem: {} for p in pdfs}
        for name in DATASETS:
            rows = list(csv.reader(io.StringIO((out / f"{name}.csv").read_text(encoding="utf-8"))))
            header, body = rows[0], rows[1:]
            for doc_id in result:
                mine = [r for r in body if r[0] == doc_id]
                if name == "documents":
                    mine = [[c if header[i] != "path" else Path(c).name for i, c in enumerate(r)] for r in mine]
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows([header, *mine])
                result[doc_id][f"{name}.csv"] = buffer.getvalue()
        for doc_id in result:
            for table_file in (
                sorted((out / "tables" / doc_id).glob("*.csv")) if (out / "tables" / doc_id).is_dir() else []
            ):
                result[doc_id][f"tables/{table_file.name}"] = table_file.read_text(encoding="utf-8")
    return result
