"""Limits that keep one hostile or broken input from costing the batch, with the measurements behind them.

Owns: every resource limit of the tool in one frozen dataclass. Each default is far above what
any real document we have measured needs (the figures are in the comments), so a limit is only
ever reached by a damaged or hostile file, and then that file fails alone with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    # Seconds one document may take. The slowest real document we have, the 250-page Hansard,
    # takes ~20 s on one core here (`python benchmarks/bench.py --realworld`), 0.08 s a page; a
    # PDF whose forms draw each other ten times over, ten levels deep, makes the parser spin for
    # days. 300 s covers ~3,500 pages at the Hansard's pace; raise it with --timeout beyond that.
    timeout_s: float = 300.0
    # Resident memory one worker may use. Peak per worker: 226 MB for the 250-page Hansard.
    max_worker_memory_mb: int = 3072
    # Decoded content (page description, form and font streams) one page may inflate to. Largest
    # seen on any page of the corpus and ../shared/realworld: 0.085 MB; a 1.2 MB decompression
    # bomb inflates to 1.2 GB.
    max_page_content_mb: float = 64.0
    # Input files larger than this are refused before they are hashed or read. Largest real PDF
    # here: 3.6 MB; a 500-page scan at 300 dpi is ~500 MB.
    max_input_mb: int = 2000
    # Rule files: the largest we ship (extract/rules/metrics.yaml) is ~8 KB and expands to ~600 values.
    max_rule_file_bytes: int = 1_000_000
    max_yaml_aliases: int = 200
    max_yaml_nodes: int = 200_000
    # Seconds a rule pattern may run on one paragraph before it is reported as backtracking.
    regex_timeout_s: float = 1.0
    # Document ids become file names (tables/<doc_id>/t01.csv, json/<doc_id>.json); most file
    # systems allow 255 bytes per name. Longer stems are cut and given a hash suffix.
    max_id_bytes: int = 120


LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """How pages that need OCR are read, with the measurements behind each default.

    Measured on scans of the corpus pages and on the Penghu scan (``python benchmarks/ocr_bench.py``):
    rapidocr's PP-OCRv6-small models read prose at 99.3-99.6% of characters and table cells at
    97-99.5% from 150 dpi up; 200 dpi gains nothing and costs 1.8x the time.
    """

    # auto: OCR the pages whose text layer cannot be read; always: every page; never: none (they
    # are named as unread, as before).
    mode: str = "auto"
    dpi: int = 150
    # A figure whose characters the recogniser scored below this is flagged in warnings. Misreads
    # seen ("—" as "-", a lone "1" as "一", a handwritten digit) scored 0.29-0.78; correct digits
    # in print score 0.95-1.0.
    min_confidence: float = 0.9
    # Seconds one OCR page adds to a document's time limit: 5-8 s a page on one loaded core here,
    # 15 s for a sideways page read twice; 20 keeps a hung OCR job bounded.
    seconds_per_page: float = 20.0
    # Worker threads for a document's OCR pages (onnxruntime releases the GIL; one intra-op
    # thread each). 0: the cores this process may use.
    threads: int = 0


OCR = OcrSettings()
OCR_MODES = ("auto", "always", "never")
