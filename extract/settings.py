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


@dataclass(frozen=True, slots=True)
class TableSettings:
    """Every geometric tolerance of table finding, stitching and unruled reading, in points or in
    font sizes ("sizes": multiples of the characters' font size), with the measurement behind each
    default. Like pdfplumber's TableSettings: plain data, overridable per rule file (``tables:``).

    Measured on the corpus (LibreOffice), its producer matrix (Chromium, ReportLab: see
    corpus/producers.yaml) and ../shared/realworld (WPS, Excel, ONLYOFFICE, Acrobat, PDFium).
    """

    # --- ruled tables (lattice)
    # Ruling lines this close are one line; a line's end this near another touches it. Double
    # rules drawn as two strokes are 0.5-1.5 pt apart (Chromium draws a 1.5 pt border as a bar
    # whose two edges are 1.5 pt apart); cell borders of different columns are >= 9 pt apart.
    snap: float = 3.0
    # Share of a grid cell's side a ruling line must run along to part two cells: a border cut
    # by a merged cell covers 0%, a real one 100%; broken dashed borders (Excel) cover 55-90%.
    cover: float = 0.5
    # --- stitching across pages
    # A continued table's column boundaries within this of the first part's are the same
    # columns. Ruled parts on consecutive pages of the corpus and real files differ by <= 1 pt.
    align: float = 6.0
    # Unruled parts have no borders: their columns are the white gaps between text, which move
    # with what is printed (a centred "1" vs "10"). Gaps differ by up to 14 pt between pages of
    # the producer matrix; columns are >= 30 pt apart. In sizes of the table's text.
    unruled_align_sizes: float = 2.0
    # Two headers (or two long captions) this alike, by difflib's ratio of their text, are one
    # printed again: OCR reads a repeated header with a character changed or a stacked cell's
    # characters in another order (Tainan pp. 6-8: 0.984, Penghu pp. 3-7: 1.0). Headers of
    # different tables in the corpus and ../shared/realworld come up to 0.913 alike (序号/单位…
    # and 序号/区县… rank tables), so they are not taken for one another.
    header_similarity: float = 0.95
    # A one-row grid starting this high on a page continues a table from the page before.
    page_top_share: float = 0.2
    # A column filled in at least this share of rows is "always filled": empty there means the
    # row is the tail of the row above, cut by the page break (序号 and 单位 columns: 100%).
    always_filled_share: float = 0.95
    # --- unruled tables (columns from white space, rows from baselines)
    # Characters further apart than this (sizes) are in different cells. Inside a cell CJK
    # characters touch (gap 0-0.1) and Latin words are a space apart (0.25-0.33); cells are
    # kept apart by their padding: 0.76 sizes in Chromium's three-line tables, 1.2 in ReportLab.
    cell_gap_sizes: float = 0.45
    # A table has at least this many rows with two or more cells, and this many columns: two
    # columns of white space are as often two-column prose or a label and its value.
    min_rows: int = 3
    min_columns: int = 3
    # Lines further apart than this (sizes, bottom to top) are not one table: rows in the
    # matrix are 0.2-0.6 sizes apart, a caption or note sits >= 0.9 below.
    max_row_gap_sizes: float = 2.0
    # A line whose type size differs from the table's by more than this share is not in it (a
    # caption between two tables: 13 pt over 9.5 pt cells; cells of one table differ by <= 8%,
    # bold header against body).
    size_change_share: float = 0.15
    # Top-to-top distance (as a share of the table's tightest line pitch) within which a line
    # continues the cell above it: wrapped lines are exactly one pitch apart, padded rows
    # 1.25-1.45 pitches (Chromium 18/14 pt, ReportLab 17.5/12.5 pt).
    wrap_pitch_share: float = 1.12
    # Cells of one row start at the same height: tops within this (sizes) of a row's top are in
    # it. Top-aligned cells of one row differ by <= 1 pt across fonts; the next line of a merged
    # label running down past its row sits >= 0.19 sizes off the next row's top (2 pt at 10.5 pt).
    row_align_sizes: float = 0.12
    # Pieces that cross a column gap (group headers, band rows, a 合计 label over two columns)
    # are set aside when the gaps are found, at most this share of the table's lines.
    spanning_share: float = 0.15
    # A column whose filled cells are at least this share numbers holds values: a line with no
    # value there continues the row above (a wrapped name).
    numeric_share: float = 0.6
    # A header takes at most this many lines (the corpus' deepest: 4, 适用对象(行政相对人性质)
    # wrapped in a narrow column; real registers: 3).
    max_header_lines: int = 6
    # A horizontal rule counts for an unruled table when it runs along this share of its width.
    rule_cover: float = 0.6


TABLES = TableSettings()


@dataclass(frozen=True, slots=True)
class SplitSettings:
    """When one document's pages are shared among workers (pageranges.py): a batch with fewer
    documents than cores, and a document at least this long."""

    # Pages a PDF needs before other workers read shares of it. Sharing costs a worker's start
    # and the pages' trip through the main process to the worker finishing the document. Whole
    # runs with --jobs 2 of corpus pages repeated, shared from the first page against read by
    # one worker (farm-bench, medians of 7): 8 pages 1.02x the time, 16: 0.99x, 32: 0.93x,
    # 64: 0.89x; the 500-page benchmark PDF 0.82x.
    min_pages: int = 20


SPLIT = SplitSettings()
