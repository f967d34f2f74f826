"""Build the sample corpus from its clean sources.

The sources in ``corpus/src/<name>/`` (``document.yaml`` plus one CSV per table) are the
ground truth. This script renders them the way an office clerk's Word/WPS would (python-docx,
then LibreOffice headless) into ``corpus/<name>.pdf``, and derives ``corpus/truth/<name>.json``
from the same sources. It is a maintainer's tool: the PDFs and truth files are committed, so
neither users nor CI need LibreOffice.

    python corpus/build.py all            # PDFs, truth and text copies for every document
    python corpus/build.py pdf NAME...    # only some PDFs
    python corpus/build.py truth          # only the truth files
    python corpus/build.py scans          # scanned copies of some pages, for the OCR tests (scan.py)
    python corpus/build.py producers      # the producer matrix (producers.yaml): Chromium, ReportLab, borderless LibreOffice

Needs: python-docx, matplotlib, pikepdf, PyYAML and ``soffice`` with CJK fonts
(Debian: libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai fonts-wqy-zenhei); the producer
matrix also needs ``chromium`` (Debian) and ``reportlab`` (PyPI).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
TRUTH = HERE / "truth"
TEXT = HERE / "text"
SEEDS = HERE.parent.parent / "shared" / "seeds"
SEED_OF = {
    "hangzhou-weekly-2018-08-03": "000",
    "hangzhou-weekly-2018-07-20": "001",
    "hangzhou-annual-2020": "002",
    "shaoxing-annual-2020": "003",
    "zhejiang-notice-2018-30": "004",
}
MERGED_ABOVE = "^^"  # a CSV cell that continues the vertically merged cell above it
NUMBER_CELL = re.compile(r"[-\d.,%]+")


def centred_cell(text: str, header: bool) -> bool:
    """How every renderer aligns a cell: header cells, figures and short labels centred, longer text flush left."""
    return header or bool(NUMBER_CELL.fullmatch(text)) or len(text) <= 4


def merged_rows(grid: list[list[str]], r: int, c: int) -> int:
    """How many rows the cell at (r, c) covers: itself and the ^^ cells under it."""
    span = 1
    while r + span < len(grid) and c < len(grid[r + span]) and grid[r + span][c] == MERGED_ABOVE:
        span += 1
    return span


def bold_markup(escaped: str) -> str:
    """Source text already escaped for HTML/XML, its <b>…</b> spans restored as markup."""
    return re.sub(r"&lt;(/?)b&gt;", r"<\1b>", escaped)


TOTAL_LABELS = ("合计", "总计", "汇总", "小计", "合計", "總計", "彙總")


# --------------------------------------------------------------------------- sources
def load_source(name: str) -> dict[str, Any]:
    folder = SRC / name
    doc = yaml.safe_load((folder / "document.yaml").read_text(encoding="utf-8"))
    facts_file = folder / "facts.yaml"
    doc["facts"] = yaml.safe_load(facts_file.read_text(encoding="utf-8")) if facts_file.exists() else {}
    doc["folder"] = folder
    return doc


def read_table(folder: Path, csv_name: str) -> list[list[str]]:
    with open(folder / "tables" / csv_name, encoding="utf-8", newline="") as f:
        return [row for row in csv.reader(f)]


def plain(text: str) -> str:
    """Source text without its inline <b> markup."""
    return re.sub(r"</?b>", "", text)


# --------------------------------------------------------------------------- truth
LABEL_STYLES = [
    ("cn", re.compile(r"^[一二三四五六七八九十]+、$")),
    ("paren_cn", re.compile(r"^[（(][一二三四五六七八九十]+[)）]$")),
    ("arabic", re.compile(r"^\d+[、.．]$")),
    ("paren_arabic", re.compile(r"^[（(]\d+[)）]$")),
    ("circled", re.compile(r"^[①-⑳]$")),
]


def label_style(label: str) -> int:
    for rank, (_, pattern) in enumerate(LABEL_STYLES):
        if pattern.match(label):
            return rank
    raise ValueError(f"unknown section label {label!r}")


ITEM = re.compile(r"(?:<b>)?([一二三四五六七八九十]+是)(?:<b>)?([^，。；：,;:<]+)")


def section_items(text: str) -> list[dict[str, str]]:
    """一是…二是… enumerations in a paragraph: label and heading (text up to the first punctuation)."""
    items = []
    for m in ITEM.finditer(text):
        start = m.start()
        # an enumeration starts a sentence: at the paragraph start or after 。；
        before = plain(text[:start]).rstrip()
        if before and not before.endswith(("。", "；", ";")):
            continue
        items.append({"label": m.group(1), "heading": m.group(2)})
    return items


def build_sections(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat list of sections in document order with dotted ids; restarts at the top open a group."""
    sections: list[dict[str, Any]] = []
    stack: list[tuple[int, dict[str, Any]]] = []  # (style rank, section)
    counters: dict[str, int] = {}

    def child_id(parent: str) -> str:
        counters[parent] = counters.get(parent, 0) + 1
        return f"{parent}.{counters[parent]}" if parent else str(counters[parent])

    last: dict[str, Any] | None = None
    for block in body:
        kind = next(iter(block))
        if kind in ("heading", "section"):
            b = block[kind]
            label, heading = b["label"], b.get("heading") if kind == "section" else b["text"]
            rank = label_style(label)
            sibling = None
            while stack and stack[-1][0] >= rank:
                popped_rank, popped = stack.pop()
                if popped_rank == rank:
                    sibling = popped
            restarted = sibling is not None and _ordinal(label) <= _ordinal(sibling["label"])
            if stack and stack[-1][0] < 0 and restarted:
                stack.pop()  # numbering restarted inside a virtual group: the next group begins
            if not stack and rank > 0:
                # a lower-level label with no parent heading: group it under an unnamed section
                group = {"id": child_id(""), "level": 1, "label": None, "heading": None, "items": []}
                sections.append(group)
                stack.append((-1, group))
            parent = stack[-1][1]["id"] if stack else ""
            section = {
                "id": child_id(parent),
                "level": len(stack) + 1,
                "label": label,
                "heading": plain(heading) if heading else None,
                "items": section_items(b.get("text", "")) if kind == "section" else [],
            }
            sections.append(section)
            stack.append((rank, section))
            last = section
        elif kind == "p" and last is not None:
            last["items"].extend(section_items(block["p"]))
        elif kind in ("attachment_list", "signature", "attachment"):
            last = None
            stack.clear()
    return sections


CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}


def _ordinal(label: str) -> int:
    core = re.sub(r"[^0-9一二三四五六七八九十①-⑳]", "", label)
    if core.isdigit():
        return int(core)
    if core and "①" <= core[0] <= "⑳":
        return ord(core[0]) - ord("①") + 1
    if core == "十":
        return 10
    if core.startswith("十"):
        return 10 + CN_DIGITS[core[1]]
    if core.endswith("十"):
        return CN_DIGITS[core[0]] * 10
    if "十" in core:
        a, b = core.split("十")
        return CN_DIGITS[a] * 10 + CN_DIGITS[b]
    return CN_DIGITS[core]


def build_tables(doc: dict[str, Any]) -> list[dict[str, Any]]:
    tables = []
    attachment: dict[str, Any] | None = None
    for block in doc["body"]:
        kind = next(iter(block))
        if kind == "attachment":
            attachment = block["attachment"]
        elif kind == "table":
            spec = block["table"]
            grid = read_table(doc["folder"], spec["csv"])
            header, rows = grid[0], grid[1:]
            merged: list[list[int]] = []
            open_span: dict[int, list[int]] = {}  # column -> its merge still being extended
            filled: list[list[str]] = []
            for r, row in enumerate(rows):
                out = []
                for c, cell in enumerate(row):
                    if cell == MERGED_ABOVE:
                        out.append(filled[r - 1][c])
                        if c in open_span and open_span[c][2] == r - 1:
                            open_span[c][2] = r
                        else:
                            open_span[c] = [c, r - 1, r]
                            merged.append(open_span[c])
                    else:
                        out.append(cell)
                filled.append(out)
            merged.sort()
            # an attachment's title is printed once, above its first table: a later table of the
            # same attachment without a caption of its own has no printed title, and is 表N
            shared = attachment is not None and any(t["attachment"] == attachment["number"] for t in tables)
            own_title = spec.get("caption") or (attachment["title"] if attachment and not shared else None)
            tables.append(
                {
                    "table_id": f"t{len(tables) + 1:02d}",
                    "attachment": attachment["number"] if attachment else None,
                    "attachment_title": attachment["title"] if attachment else None,
                    "title": own_title or f"表{len(tables) + 1}",
                    "header": header,
                    "rows": filled,
                    "merged": [{"col": c, "first_row": a, "last_row": b} for c, a, b in merged],
                    "total_rows": [i for i, row in enumerate(filled) if row and _is_total(row)],
                }
            )
    return tables


def _is_total(row: list[str]) -> bool:
    return any(cell.replace(" ", "") in TOTAL_LABELS for cell in row[:2])


def build_truth(doc: dict[str, Any]) -> dict[str, Any]:
    facts = doc["facts"] or {}
    return {
        "doc_id": doc["name"],
        "script": doc["script"],
        "meta": doc["meta"],
        "attachments": [
            {"number": b["attachment"]["number"], "title": b["attachment"]["title"]}
            for b in doc["body"]
            if "attachment" in b
        ],
        "sections": build_sections(doc["body"]),
        "tables": build_tables(doc),
        "facts": facts.get("facts", []),
        "deadlines": facts.get("deadlines", []),
        "notes": facts.get("notes", []),
    }


def write_truth(name: str) -> Path:
    TRUTH.mkdir(exist_ok=True)
    out = TRUTH / f"{name}.json"
    truth = build_truth(load_source(name))
    out.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


# --------------------------------------------------------------------------- rendering
def render_pdf(name: str) -> Path:
    doc = load_source(name)
    out = HERE / f"{name}.pdf"
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        convert_docx(doc, tmpdir / f"{name}.pdf", tmpdir, "grid")
        make_deterministic(tmpdir / f"{name}.pdf", out, doc)
    return out


def convert_docx(doc: dict[str, Any], out: Path, tmpdir: Path, table_rules: str) -> Path:
    """The source as a .docx (render_docx.py), printed to PDF by LibreOffice headless."""
    from render_docx import render_document  # heavy imports only when rendering

    name = doc["name"]
    docx = tmpdir / f"{name}.docx"
    render_document(doc, docx, tmpdir, table_rules)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmpdir}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmpdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (tmpdir / f"{name}.pdf").replace(out)
    return out


def make_deterministic(src: Path, dst: Path, doc: dict[str, Any]) -> None:
    """Same sources, same bytes: fixed dates, no XMP packet, content-derived /ID."""
    import pikepdf

    stamp = (doc["meta"].get("date") or "2021-01-01").replace("-", "")
    with pikepdf.open(src) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            for key in list(meta.keys()):
                del meta[key]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        info = pdf.docinfo
        info["/CreationDate"] = f"D:{stamp}090000+08'00'"
        info["/ModDate"] = f"D:{stamp}090000+08'00'"
        info["/Title"] = doc["meta"]["title"] or ""
        # LibreOffice stamps a time-based /DocChecksum and first /ID half; derive both from content
        if "/DocChecksum" in pdf.trailer:
            del pdf.trailer["/DocChecksum"]
        digest = hashlib.md5(b"".join(page.Contents.read_bytes() for page in pdf.pages if "/Contents" in page)).digest()
        pdf.trailer.ID = pikepdf.Array([pikepdf.String(digest), pikepdf.String(digest)])
        pdf.save(dst, deterministic_id=True)


PRODUCERS = HERE / "producers"


def rendering_name(spec: dict[str, Any]) -> str:
    wide = "-landscape" if spec.get("landscape") else ""
    return f"{spec['source']}.{spec['producer']}-{spec['tables']}{wide}"


def render_producers() -> list[Path]:
    """Every rendering of producers.yaml, made deterministic like the corpus PDFs."""
    matrix = yaml.safe_load((HERE / "producers.yaml").read_text(encoding="utf-8"))
    PRODUCERS.mkdir(exist_ok=True)
    made = []
    for spec in matrix["renderings"]:
        doc = load_source(spec["source"])
        out = PRODUCERS / f"{rendering_name(spec)}.pdf"
        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            printed = tmpdir / "printed.pdf"
            if spec["producer"] == "chromium":
                from render_html import render_pdf as render_with_chromium

                render_with_chromium(doc, printed, tmpdir, spec["tables"], bool(spec.get("landscape")))
            elif spec["producer"] == "libreoffice":
                convert_docx(doc, printed, tmpdir, spec["tables"])
            elif spec["producer"] == "reportlab":
                from render_pdfgen import render_pdf as render_with_reportlab

                render_with_reportlab(doc, printed, tmpdir, spec["tables"], bool(spec.get("landscape")))
            else:
                raise ValueError(f"unknown producer {spec['producer']!r}")
            make_deterministic(printed, out, doc)
        made.append(out)
    return made


def record_manifest(name: str) -> None:
    """corpus/manifest.json: pages and sha256 of each rendered PDF, for the corpus tests."""
    import pikepdf

    path = HERE / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    pdf = HERE / f"{name}.pdf"
    with pikepdf.open(pdf) as opened:
        pages = len(opened.pages)
    manifest[name] = {"pages": pages, "sha256": hashlib.sha256(pdf.read_bytes()).hexdigest()}
    path.write_text(json.dumps(dict(sorted(manifest.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def copy_text(name: str) -> Path | None:
    seed = next(SEEDS.glob(f"{SEED_OF[name]}_*.txt"), None)
    if seed is None:
        return None
    TEXT.mkdir(exist_ok=True)
    out = TEXT / f"{name}.txt"
    shutil.copyfile(seed, out)
    return out


def names(args: list[str]) -> list[str]:
    return args or sorted(p.name for p in SRC.iterdir() if (p / "document.yaml").exists())


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    what, rest = (argv[0], argv[1:]) if argv else ("all", [])
    if what == "producers":
        for path in render_producers():
            print("pdf  ", path.relative_to(HERE.parent))
        return 0
    if what == "scans":
        from scan import build_all

        for path in build_all():
            print("scan ", path.relative_to(HERE.parent))
        return 0
    for name in names(rest):
        if what in ("truth", "all"):
            print("truth", write_truth(name).relative_to(HERE.parent))
        if what in ("text", "all"):
            copied = copy_text(name)
            print("text ", copied.relative_to(HERE.parent) if copied else f"(no seed for {name})")
        if what in ("pdf", "all"):
            print("pdf  ", render_pdf(name).relative_to(HERE.parent))
            record_manifest(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
