"""The command line: ``extract FILES...``, ``extract rules check|show``, ``extract inspect FILE``.

Exit codes: 0 when every document went well, 1 when some failed (or a rule file is broken),
2 for usage errors. Errors go to stderr, one line each, naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable
from rich.tree import Tree

from . import __version__
from .outdir import CACHE_NAME, OutputError, output_folder
from .rulefolders import user_rules
from .settings import LIMITS, OCR, Limits, OcrSettings
from .workers import on_main_thread, prestart

if TYPE_CHECKING:
    from .batch import DocResult
    from .read.selection import Reading

EXAMPLES = """
Examples:

\b
  extract corpus/*.pdf                     # datasets in output/
  extract reports/*.pdf -o data --format parquet --jobs 4
  extract notice.txt                       # text already extracted from a PDF
  extract rules check                      # validate the rule files
  extract rules list                       # every report format, its file and what it matches
  extract rules show extract/rules/hangzhou-weekly-bulletin.yaml corpus/hangzhou-weekly-2018-08-03.pdf
  extract inspect corpus/zhejiang-notice-2018-30.pdf --page 10 --png page10.png

\b
Commands: run (the default: `extract FILES` is `extract run FILES`), rules (check, list, show),
inspect. `extract COMMAND -h` for each; `extract --install-completion` for shell completion.
"""
HELP = ["-h", "--help"]

app = typer.Typer(
    help="Turn Chinese government PDFs and notices into tidy datasets (CSV/JSON/Parquet), every number traceable to its page.\n"
    + EXAMPLES,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": HELP},
)
rules_app = typer.Typer(
    help="Check rule files, or show what a rule file pulls from a document.",
    no_args_is_help=True,
    context_settings={"help_option_names": HELP},
)
app.add_typer(rules_app, name="rules")
# markup off: document text, paths and library messages may hold [brackets] rich would read as tags
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


class OcrMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class Reader(str, Enum):
    pdfium = "pdfium"
    pdfplumber = "pdfplumber"


class Script(str, Enum):
    simplified = "simplified"
    original = "original"


class OutputFormat(str, Enum):
    csv = "csv"
    json = "json"
    parquet = "parquet"
    xlsx = "xlsx"


RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Folder of your own rule files, added to the rules shipped with extract (a format with the same id replaces the shipped one).",
    ),
]


def version_callback(value: bool) -> None:
    if value:
        out.print(f"extract {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Turn Chinese government PDFs and notices into tidy datasets."""


@app.command("run", help="Extract datasets from FILES (PDF or .txt) into the output folder.\n" + EXAMPLES)
def run(
    files: Annotated[
        list[Path],
        typer.Argument(help="PDF or .txt files.", show_default=False, metavar="FILES...", readable=False),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("output"),
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Format of the datasets.")] = OutputFormat.csv,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Parallel workers (0: all cores).")] = 0,
    rules: RulesOption = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Read every document again, ignoring the cache.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=1,
            help="Seconds one document may take before it fails (a 250-page report takes ~20 s).",
        ),
    ] = LIMITS.timeout_s,
    ocr: Annotated[
        OcrMode,
        typer.Option(
            "--ocr",
            help="Which pages OCR reads: auto (those with no readable text layer), always (every page), never.",
        ),
    ] = OcrMode.auto,
    reader: Annotated[
        Reader,
        typer.Option(
            "--reader",
            help="PDF parser: pdfium (fast, the default) or pdfplumber (pdfminer: reading takes about three times as long; the reference it is tested against).",
        ),
    ] = Reader.pdfium,
    pages: Annotated[
        str | None,
        typer.Option(
            "--pages",
            help="Pages to read in every PDF, e.g. 1-3,7,10- (counted from 1; default all). Each document says how many it read.",
            show_default=False,
        ),
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            "--password",
            envvar="EXTRACT_PASSWORD",
            help="Password of encrypted PDFs (or set EXTRACT_PASSWORD, which other users cannot see in the process list).",
            show_default=False,
        ),
    ] = "",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors only.")] = False,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="CSV files start with a byte-order mark, so Excel opens them as UTF-8 instead of garbling the Chinese (pandas, DuckDB and frictionless read them as before).",
        ),
    ] = False,
    script: Annotated[
        Script,
        typer.Option(
            "--script",
            help="Tables' own files (tables/<doc_id>/*.csv, the workbook's table sheets) in simplified Chinese, or as printed: original keeps traditional characters; every other dataset stays simplified, to join on.",
        ),
    ] = Script.simplified,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Also write review/index.html: each document's pages with every figure, deadline, heading and table cell boxed where it is printed, to check them against the page (open it in a browser; no server needed).",
        ),
    ] = False,
) -> None:
    if on_main_thread():  # a thread may not set handlers: a program calling main() from one
        signal.signal(signal.SIGTERM, interrupt)
    if rules and not rules.is_dir():
        say(f"{rules}: rules folder not found; pass --rules DIR")
        raise typer.Exit(2)
    rule_folders = user_rules(rules)
    if no_cache or not (output / CACHE_NAME).is_dir():  # every document is work: set the workers up meanwhile
        prestart(rule_folders)
    inputs = unique(files)
    # imported only now: the workers' set-up (above) overlaps this process loading the pipeline.
    # Still under __main__'s Ctrl-C handler: a KeyboardInterrupt inside an import, even caught,
    # could leave Python to end by SIGINT instead of our exit code (seen once in 20 tries)
    from .batch import document_ids, rules_for
    from .export import planned_names, rendering, write_outputs
    from .read.selection import Reading, parse_pages
    from .review import ReviewSource

    try:
        reading = Reading(reader.value, parse_pages(pages) if pages is not None else (), password)
    except ValueError as exc:
        say(f"--pages {pages}: {exc}")
        raise typer.Exit(2) from None

    handle_interrupts()
    try:
        with output_folder(output, planned_names(fmt.value, review), inputs) as folder:
            rule_set = rules_for(rule_folders)
            for problem in rule_set.errors:
                say(f"rule file error: {problem}")
            limits = replace(LIMITS, timeout_s=timeout)
            settings = replace(OCR, mode=ocr.value)
            cache_dir = None if no_cache else folder.cache_dir
            # a cached document's kept CSV files stand in for it (not loaded, not converted again)
            printed = script == Script.original
            rendered = rendering(fmt.value, review, printed) if fmt == OutputFormat.csv else None
            results = extract_all(inputs, rule_folders, jobs, cache_dir, limits, quiet, settings, reading, rendered)
            sources = ReviewSource(dict(zip(document_ids(inputs), inputs)), reading) if review else None
            try:
                counts: dict[str, int] = {}
                folder.publish(
                    lambda staging: counts.update(
                        write_outputs(results, staging, fmt.value, cache_dir, excel, sources, printed)
                    )
                )
            except OSError as exc:
                say(f"{output}: cannot write the outputs ({exc.strerror or exc}); the previous outputs are unchanged")
                raise typer.Exit(1) from exc
    except OutputError as exc:
        say(str(exc))
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        say(f"interrupted: no outputs written to {output}/ (documents that finished are cached; run again to go on)")
        raise typer.Exit(130) from None
    if not quiet:
        with contextlib.suppress(OSError, ValueError):  # a closed or full stderr costs the summary, not the run
            summary(results, counts, output)
    if any(r.status != "ok" for r in results) or rule_set.errors:
        raise typer.Exit(1)


def extract_all(
    files: list[Path],
    rules_dir: tuple[str, ...],
    jobs: int,
    cache: Path | None,
    limits: Limits,
    quiet: bool,
    ocr: OcrSettings = OCR,
    reading: Reading | None = None,
    rendered_format: str | None = None,
) -> list[DocResult]:
    """The batch, with one stderr line per failed document and a progress bar on a terminal."""
    from .batch import run_batch
    from .read.selection import READ_ALL

    reading = reading or READ_ALL

    def report(result: DocResult) -> None:
        if result.status == "failed":
            say(f"{result.path}: {result.error}")
        elif result.status == "partial":
            say(f"{result.path}: partly read: {' | '.join(result.warnings)}")

    if quiet or not sys.stderr.isatty():
        return run_batch(
            files,
            rules_dir,
            jobs,
            cache,
            report,
            limits=limits,
            ocr=ocr,
            reading=reading,
            rendered_format=rendered_format,
        )
    with Progress(*BatchProgress.COLUMNS, console=err, transient=True) as progress:
        bar = BatchProgress(progress, len(files))

        def advance(result: DocResult) -> None:
            report(result)
            bar.done()

        return run_batch(
            files,
            rules_dir,
            jobs,
            cache,
            advance,
            bar.heard,
            limits=limits,
            ocr=ocr,
            reading=reading,
            rendered_format=rendered_format,
        )


class BatchProgress:
    """The progress bar: documents done of all, the file a worker started last, pages read per
    second so far, and the time left (rich's estimate from the documents done)."""

    COLUMNS = (
        TextColumn("{task.description}", markup=False),  # a file name with [brackets] is not markup
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.pages, self.started = progress, 0, time.monotonic()
        self.task = progress.add_task("extracting", total=total, rate="")

    def heard(self, info: dict[str, Any]) -> None:
        """A worker's news: a document started (its file shown) or a page read."""
        if info.get("started") and info.get("path"):
            self.progress.update(self.task, description=printable(shortened(str(info["path"]))))
        if "page" in info:
            self.pages += 1
            rate = self.pages / max(time.monotonic() - self.started, 1e-6)
            self.progress.update(self.task, rate=f"{rate:.0f} pages/s")

    def done(self) -> None:
        self.progress.advance(self.task)


def shortened(path: str, width: int = 40) -> str:
    """A file's name as the bar shows it: the name only, its middle elided past ``width``."""
    name = Path(path).name
    return name if len(name) <= width else f"{name[: width // 2 - 1]}…{name[-(width // 2) :]}"


def unique(files: list[Path]) -> list[Path]:
    """Each input once (a file named twice, e.g. by overlapping globs, is read once). realpath
    never raises: a folder we may not enter or a symbolic link loop is the reader's to report."""
    seen: set[str] = set()
    kept = []
    for path in files:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def handle_interrupts() -> None:
    """Ctrl-C as KeyboardInterrupt from here on, for the command to clean up and say what it left;
    before this, __main__'s handler ends the program with one line. Only that handler is
    replaced: a program calling main() keeps its own (and a thread may not set one at all)."""
    if on_main_thread() and getattr(signal.getsignal(signal.SIGINT), "hands_over", False):
        signal.signal(signal.SIGINT, signal.default_int_handler)


def say(message: str) -> None:
    """One line on stderr, printed as is (no markup: paths and PDF messages may hold [brackets];
    control characters, a newline or a terminal escape in a file name, shown escaped). A closed or
    full stderr loses the line, never the run."""
    with contextlib.suppress(OSError, ValueError):
        err.print(f"extract: {printable(message)}")


def printable(text: str) -> str:
    """A path with control characters (a newline in a file name) shown escaped, on one line."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def summary(results: list[DocResult], counts: dict[str, int], output: Path) -> None:
    ok = sum(r.status == "ok" for r in results)
    partial = sum(r.status == "partial" for r in results)
    table = RichTable(title=f"extract: {len(results)} documents → {output}/", show_header=True)
    for column in ("documents ok", "partly read", "failed", "tables", "metrics", "deadlines", "failed checks"):
        table.add_column(column, justify="right")
    table.add_row(
        str(ok),
        str(partial),
        str(len(results) - ok - partial),
        str(counts["tables"]),
        str(counts["metrics"]),
        str(counts["deadlines"]),
        str(counts["checks"]),
    )
    err.print(table)


# --------------------------------------------------------------------------- rules
@rules_app.command("check", help="Validate every rule file; errors name the file and line and say how to fix them.")
def rules_check(rules: RulesOption = None) -> None:
    if rules and not rules.is_dir():
        say(f"{rules}: rules folder not found; pass --rules DIR")
        raise typer.Exit(2)
    from .rules import load_rules

    rule_set = load_rules(user_rules(rules))
    for path in rule_set.files:
        bad = [e for e in rule_set.errors if e.startswith(path + ":")]
        out.print(f"{'FAIL' if bad else 'ok  '} {path}")
    for problem in rule_set.errors:
        say(problem)
    out.print(
        f"{len(rule_set.formats)} formats, {len(rule_set.vocabulary)} metrics in the vocabulary, {len(rule_set.errors)} problems"
    )
    if rule_set.errors:
        raise typer.Exit(1)


@rules_app.command("list", help="Every report format: its id, the file it comes from and what it matches.")
def rules_list(rules: RulesOption = None) -> None:
    if rules and not rules.is_dir():
        say(f"{rules}: rules folder not found; pass --rules DIR")
        raise typer.Exit(2)
    from .rules import load_rules

    rule_set = load_rules(user_rules(rules), stress=False)
    for fmt in rule_set.formats:
        out.print(f"{fmt.format}  ({fmt.path})", style="bold", markup=False)
        if fmt.describe:
            out.print(f"  {fmt.describe}", markup=False)
        for field_name, pattern in fmt.match.items():
            out.print(f"  match {field_name}: {getattr(pattern, 'pattern', pattern)}", markup=False)
        for field_name, pattern in fmt.exclude.items():
            out.print(f"  exclude {field_name}: {getattr(pattern, 'pattern', pattern)}", markup=False)
        if fmt.priority:
            out.print(f"  priority {fmt.priority}", markup=False)
        out.print(f"  {len(fmt.metrics)} prose metric rules, {len(fmt.tables)} table rules", markup=False)
    for problem in rule_set.errors:
        say(problem)
    if rule_set.errors:
        raise typer.Exit(1)


@rules_app.command(
    "show", help="Show what one rule file pulls from one document (metrics, table rows, deadlines, checks)."
)
def rules_show(
    rule_file: Annotated[Path, typer.Argument(help="The rule file, e.g. extract/rules/hangzhou-weekly-bulletin.yaml.")],
    document: Annotated[Path, typer.Argument(help="A PDF or .txt file.")],
    limit: Annotated[int, typer.Option(help="Rows shown per kind.")] = 40,
) -> None:
    from .apply import apply_rules
    from .errors import ReadError
    from .pipeline import extract_file
    from .rules import load_rules

    rule_set = load_rules(user_rules(rule_file.parent))  # the shipped vocabulary under it
    for problem in rule_set.errors:
        say(problem)
    fmt = next((f for f in rule_set.formats if Path(f.path).resolve() == rule_file.resolve()), None)
    if fmt is None:
        say(f"{rule_file}: not a valid format file (see the errors above, or `extract rules check`)")
        raise typer.Exit(1)
    try:
        doc = extract_file(document)
    except ReadError as exc:
        say(f"{document}: {exc}")
        raise typer.Exit(1) from exc
    rule_set.formats = [fmt]
    records = apply_rules(doc, rule_set)
    matched = fmt.format in records.formats
    out.print(
        f"{rule_file}: format {fmt.format} {'matches' if matched else 'does NOT match'} {document.name} (title: {doc.meta.title})"
    )
    mine = [m for m in records.metrics if m.rule.startswith(fmt.format + ":")]
    print_rows(
        "metrics", [(m.rule, m.metric, m.entity, m.label, f"{m.value:g} {m.unit}", f"p{m.page}") for m in mine], limit
    )
    print_rows(
        "deadlines",
        [
            (d.rule, d.owner, d.task[:30], d.deadline_text, d.due or d.kind, f"p{d.page}")
            for d in records.deadlines
            if d.rule.startswith(fmt.format)
        ],
        limit,
    )
    print_rows("failed checks", [(c.table_id, c.kind, c.detail) for c in records.checks if not c.passed], limit)
    for problem in records.errors:
        say(problem)


def print_rows(title: str, rows: list[tuple], limit: int) -> None:
    out.print(f"\n{title}: {len(rows)}")
    for row in rows[:limit]:
        out.print("  " + " | ".join(str(v) for v in row))
    if len(rows) > limit:
        out.print(f"  … {len(rows) - limit} more")


# --------------------------------------------------------------------------- inspect
@app.command(
    "inspect",
    help="Print a document's metadata, sections, tables and extracted records, with pages; --png draws a page with every value boxed.",
)
def inspect(
    file: Annotated[Path, typer.Argument(help="A PDF or .txt file.")],
    page: Annotated[int | None, typer.Option(help="Only this page (1-based).")] = None,
    png: Annotated[
        Path | None,
        typer.Option(
            help="Draw the page (needs --page) with boxes: values red, deadlines orange, tables blue, headings green."
        ),
    ] = None,
    rules: RulesOption = None,
) -> None:
    from .apply import apply_rules
    from .errors import ReadError
    from .pipeline import extract_file
    from .rules import load_rules

    try:
        doc = extract_file(file)
    except ReadError as exc:
        say(f"{file}: {exc}")
        raise typer.Exit(1) from exc
    records = apply_rules(doc, load_rules(user_rules(rules)))
    meta = doc.meta
    out.print(
        f"{doc.doc_id}  {doc.pages} pages, {doc.script}, formats: {', '.join(records.formats) or 'generic'}",
        style="bold",
    )
    for key in ("title", "issuer", "co_issuers", "doc_number", "date", "printed_date", "signer"):
        out.print(f"  {key}: {getattr(meta, key)}")
    for key, names in meta.recipients.items():
        out.print(f"  {key}: {'、'.join(names)}")
    for problem in doc.problems:
        out.print(f"  page {problem.page}: {problem.quality}: {problem.detail}", style="yellow")
    on_page = (lambda p: p == page) if page else (lambda p: True)
    tree = Tree("sections")
    for s in doc.sections:
        if on_page(s.page):
            tree.add(
                f"{s.section_id} {s.label or ''}{s.heading or ''}  (p{s.page})"
                + "".join(f"\n   {i.label}{i.heading}" for i in s.items)
            )
    out.print(tree)
    for t in doc.tables:
        if any(on_page(p) for p in t.pages):
            out.print(
                f"table {t.table_id}: 附件{t.attachment or ''} {t.title}  pages {t.pages}, {len(t.rows)}×{t.ncols}; {'; '.join(t.repairs[:3])}"
            )
            out.print("   " + " | ".join(t.header))
    print_rows(
        "metrics",
        [
            (m.metric or "-", m.entity, m.label, f"{m.value:g} {m.unit}", m.raw, f"p{m.page}", m.source)
            for m in records.metrics
            if on_page(m.page)
        ],
        60,
    )
    print_rows(
        "deadlines",
        [
            (d.owner, d.task[:30], d.deadline_text, d.due or d.kind, f"p{d.page}")
            for d in records.deadlines
            if on_page(d.page)
        ],
        60,
    )
    print_rows("failed checks", [(c.table_id, c.detail) for c in records.checks if not c.passed], 20)
    if png is not None:
        if page is None:
            say("--png needs --page N")
            raise typer.Exit(2)
        draw_page(file, page, png, doc, records)
        out.print(f"\nwrote {png}")


def draw_page(file: Path, page: int, png: Path, doc, records) -> None:
    import pdfplumber

    with pdfplumber.open(file) as pdf:
        if not 1 <= page <= len(pdf.pages):
            say(f"{file}: page {page} out of range 1..{len(pdf.pages)}")
            raise typer.Exit(2)
        image = pdf.pages[page - 1].to_image(resolution=110)
        for t in doc.tables:
            boxes = [c.bbox for row in t.rows for c in row if c.page == page and c.bbox]
            if boxes:
                image.draw_rects(boxes, stroke=(40, 90, 220), fill=(40, 90, 220, 18), stroke_width=1)
        headings = [s.bbox for s in doc.sections if s.page == page and s.bbox]
        image.draw_rects(headings, stroke=(20, 160, 60), fill=(20, 160, 60, 25), stroke_width=2)
        values = [m.bbox for m in records.metrics if m.page == page and m.bbox]
        image.draw_rects(values, stroke=(220, 30, 30), fill=(220, 30, 30, 20), stroke_width=2)
        deadlines = [d.bbox for d in records.deadlines if d.page == page and d.bbox]
        image.draw_rects(deadlines, stroke=(230, 140, 0), fill=(230, 140, 0, 25), stroke_width=2)
        image.save(str(png))


# --------------------------------------------------------------------------- entry point
COMMANDS = {"run", "rules", "inspect"}
TOP_LEVEL = {"--version", "--install-completion", "--show-completion"}  # the app's own options, not run's


def main(argv: list[str] | None = None) -> None:
    """`extract FILES…` runs the extraction; `extract rules …` and `extract inspect …` are subcommands.
    `extract -h` is run's help (its options, the examples, the other commands): what most people
    came for."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in COMMANDS and args[0] not in TOP_LEVEL:
        args.insert(0, "run")
    if args[:1] != ["run"]:
        handle_interrupts()  # run does so itself, once it has what it needs to clean up
    app(args=args, prog_name="extract")


if __name__ == "__main__":
    main()
