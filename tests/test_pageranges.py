"""A long document shared among workers gives what one worker reading it all gives: the same
pages (every field of every character, OCR type sizes evened out across the whole document), and
through the batch the same document, records and status; a failure in any share fails the
document once, with its reason."""

from __future__ import annotations

import io
import pickle
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from conftest import CORPUS, REALWORLD, ROOT

from extract.batch import run_batch, unfinished
from extract.layout import prepare_page
from extract.model import Char, RawDocument, RawPage
from extract.ocr import ocr_document, snap_sizes
from extract.pageranges import (
    PagePart,
    Share,
    joined,
    pack_pages,
    pack_prepared,
    parts_for,
    read_part,
    share,
    unpack_pages,
)
from extract.read import Reading, open_document, read_opened
from extract.settings import OCR, SPLIT

RULES = ROOT / "extract" / "rules"
NO_OCR = replace(OCR, mode="never")


def whole_and_joined(path: Path, parts: int, ocr=NO_OCR) -> tuple[RawDocument, RawDocument]:
    opened = open_document(path)
    whole = replace(ocr_document(read_opened(opened), ocr), data=b"")
    # through pickle, as the parts travel, and arriving in any order
    shares = [pickle.loads(pickle.dumps(read_part(opened, i, parts, ocr))) for i in reversed(range(parts))]
    put_together, ready = joined(shares)
    assert set(ready) == {p.number for p in whole.pages if p.ocr is None}  # prepared where they were read
    for number, prepared in ready.items():
        assert repr(prepared) == repr(prepare_page(whole.pages[number - 1]))
    return whole, put_together


def test_shares_cover_every_page_once_in_order() -> None:
    for pages in range(1, 60):
        for parts in range(1, 6):
            ranges = [share(i, parts, pages) for i in range(parts)]
            assert [p for r in ranges for p in r] == list(range(pages))
            assert max(map(len, ranges)) - min(map(len, ranges)) <= 1


def test_only_idle_cores_share_documents() -> None:
    assert parts_for(1, 2) == 2
    assert parts_for(2, 2) == 1
    assert parts_for(3, 4) == 1
    assert parts_for(2, 8) == 4


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.pdf")), ids=lambda p: p.stem)
def test_shared_pages_are_the_pages_read_whole(path: Path) -> None:
    for parts in (2, 3):
        whole, put_together = whole_and_joined(path, parts)
        assert repr(put_together) == repr(whole)  # repr: a float turned int, or a lost field, shows


@pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"real-world PDFs not present at {REALWORLD}")
def test_shared_pages_of_a_real_document_are_the_pages_read_whole() -> None:
    whole, put_together = whole_and_joined(REALWORLD / "gov-disclosure-2024-huaian.pdf", 2)
    assert repr(put_together) == repr(whole)


def test_packing_keeps_every_field() -> None:
    page = RawPage(
        3,
        595.5,
        842,
        [Char("甲", 1.5, 2.25, 3, 4, 10.5, "SimSun", False, 0.875), Char("ab", 5, 6, 7, 8, 9, "F2")],
        [],
        [(1.0, 2.0, 3.0, 4.0)],
        90,
        "garbled",
        "why",
        ["line"],
    )
    empty = RawPage(4, 10.0, 20.0)
    (back, back_empty) = unpack_pages(pickle.loads(pickle.dumps(pack_pages([page, empty]))))
    assert back == page and back_empty == empty
    assert [type(v) for c in back.chars for v in (c.x0, c.upright)] == [float, bool, float, bool]


def test_a_page_whose_rows_hold_other_characters_is_prepared_again() -> None:
    page = RawPage(1, 100.0, 100.0, [Char("甲", 1, 2, 3, 4, 10, "F")])
    own = (page, [], [[page.chars[0]]], None)
    copied = (page, [], [[replace(page.chars[0])]], None)
    assert pack_prepared([own]) == [(1, [], [[0]], None)]
    assert pack_prepared([copied]) == []


def ocr_like_page(number: int, sizes: list[float]) -> RawPage:
    return RawPage(number, 600.0, 800.0, [Char("字", 0, i * 20, 10, i * 20 + s, s, "OCR") for i, s in enumerate(sizes)])


def test_ocr_type_sizes_are_evened_out_across_all_shares() -> None:
    # 19.4 is one size with 20.0 only when both shares' pages are counted together
    pages = [ocr_like_page(1, [20.0, 20.0, 20.0]), ocr_like_page(2, [19.4, 30.0]), ocr_like_page(3, [12.0])]
    head = RawDocument("d", "d.pdf", "sha", "pdf", [])
    parts = [
        PagePart(0, "sha", pickle.dumps(Share(head, pack_pages(pages[:1]), (1,), []))),
        PagePart(1, "sha", pickle.dumps(Share(head, pack_pages(pages[1:]), (2,), []))),
    ]
    expected = snap_sizes({1: pages[0], 2: pages[1]})
    put_together, _ = joined(parts)
    assert put_together.pages[:2] == [expected[1], expected[2]]
    assert put_together.pages[1].chars[0].size == 20.0
    assert put_together.pages[2] == pages[2]  # not read by OCR: left as it was


def test_scanned_pages_read_in_shares_match_the_whole() -> None:
    pytest.importorskip("rapidocr")
    whole, put_together = whole_and_joined(CORPUS / "scans" / "scan-notice.pdf", 2, OCR)
    for a, b in zip(whole.pages, put_together.pages):
        assert a.ocr is not None and b.ocr is not None
        a_ocr, b_ocr = replace(a.ocr, seconds=0.0), replace(b.ocr, seconds=0.0)  # wall time differs
        assert replace(a, ocr=a_ocr) == replace(b, ocr=b_ocr)


# --------------------------------------------------------------------------- through the batch
def long_pdf(target: Path, pages: int) -> Path:
    """Corpus pages repeated into one PDF of ``pages`` pages."""
    sources = [pikepdf.open(p) for p in sorted(CORPUS.glob("*.pdf"))]
    out = pikepdf.new()
    every = [page for pdf in sources for page in pdf.pages]
    for i in range(pages):
        out.pages.append(every[i % len(every)])
    buffer = io.BytesIO()
    out.save(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def test_a_long_document_shared_by_two_workers_gives_what_one_gives(tmp_path: Path) -> None:
    path = long_pdf(tmp_path / "long.pdf", SPLIT.min_pages + 3)
    heard: list[dict] = []
    (alone,) = run_batch([path], RULES, jobs=1, ocr=NO_OCR)
    (shared,) = run_batch([path], RULES, jobs=2, ocr=NO_OCR, on_progress=heard.append)
    assert shared.status == alone.status == "ok"
    assert shared.document == alone.document
    assert shared.records == alone.records
    assert sum("page" in info for info in heard) == SPLIT.min_pages + 3  # each page read once, by one worker
    pages = SPLIT.min_pages + 3
    assert sorted(info["pages"] for info in heard if "pages" in info) == [pages // 2, pages - pages // 2]  # 2 shares
    assert {info["path"] for info in heard} == {str(path)}


def test_a_short_document_is_read_by_one_worker(tmp_path: Path) -> None:
    path = long_pdf(tmp_path / "short.pdf", SPLIT.min_pages - 1)
    heard: list[dict] = []
    (result,) = run_batch([path], RULES, jobs=2, ocr=NO_OCR, on_progress=heard.append)
    assert result.status == "ok" and result.document.pages == SPLIT.min_pages - 1
    assert sum("page" in info for info in heard) == SPLIT.min_pages - 1
    assert [info["pages"] for info in heard if "pages" in info] == [SPLIT.min_pages - 1]


def test_a_shared_document_that_cannot_be_read_fails_once_with_its_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_text("not a pdf at all")
    seen = []
    results = run_batch([bad], RULES, jobs=2, on_done=seen.append)
    assert [r.error for r in results] == [
        "not a PDF (content looks like plain text; rename it to .txt to read it as text)"
    ]
    assert len(seen) == 1


def test_a_file_changed_between_shares_fails_saying_so() -> None:
    parts = [PagePart(0, "sha-1", b""), PagePart(1, "sha-2", b"")]
    failures: list[tuple[int, str]] = []
    unfinished([0, 1], {0: parts, 1: parts[:1]}, 2, {}, lambda i, why, _s: failures.append((i, why)))
    why = "the file changed while it was being read; read it again"
    assert failures == [(0, why), (1, why)]


def test_a_short_document_read_whole_gets_the_other_shares_ocr_threads(monkeypatch) -> None:
    from extract import batch

    threads: list[int] = []
    monkeypatch.setattr(batch, "ocr_document", lambda raw, ocr, _progress: threads.append(ocr.threads) or raw)
    notice = CORPUS / "zhejiang-notice-2018-30.pdf"
    result = batch.process_file(str(notice), "notice", RULES, None, replace(OCR, threads=1), part=(0, 2))
    assert result.status == "ok" and threads == [2]


def test_shares_are_taken_from_the_pages_asked_for(tmp_path: Path) -> None:
    path = long_pdf(tmp_path / "long.pdf", SPLIT.min_pages + 10)
    chosen = Reading(pages=((4, SPLIT.min_pages + 5),))  # min_pages + 2 pages
    (alone,) = run_batch([path], RULES, jobs=1, ocr=NO_OCR, reading=chosen)
    heard: list[dict] = []
    (shared,) = run_batch([path], RULES, jobs=2, ocr=NO_OCR, reading=chosen, on_progress=heard.append)
    assert shared.document == alone.document and shared.records == alone.records
    assert sorted(info["pages"] for info in heard if "pages" in info) == [SPLIT.min_pages // 2 + 1] * 2
    assert {p.page for p in shared.document.paragraphs} <= set(range(4, SPLIT.min_pages + 6))


# --------------------------------------------------------------------------- one time limit per document
def test_a_task_has_only_the_time_its_document_has_left(tmp_path: Path) -> None:
    from extract.batch import process_file
    from extract.settings import LIMITS
    from extract.workers import run_tasks

    task = (str(CORPUS / "shaoxing-annual-2020.pdf"), "s", RULES, None, NO_OCR)
    limits = replace(LIMITS, timeout_s=5)
    for spent, fails in (((0.0, 0.0), False), ((4.99, 0.0), True), ((4.99, 30.0), False)):
        outcomes = []
        run_tasks(process_file, [task], 1, outcomes.append, None, limits, [spent])
        (outcome,) = outcomes
        assert (outcome.failure is not None) == fails, (spent, outcome.failure)
        if fails:
            assert outcome.failure.startswith("timed out after 5 s (the limit per document")


def test_the_finishing_worker_is_given_what_the_shares_left(tmp_path: Path, monkeypatch) -> None:
    from extract import batch

    path = long_pdf(tmp_path / "long.pdf", SPLIT.min_pages + 3)
    calls: list[tuple[list, list | None]] = []
    real = batch.run_tasks

    def recording(function, tasks, jobs, on_outcome, on_progress=None, limits=None, spent=None):
        seen: list = []

        def heard(outcome):
            seen.append(outcome)
            on_outcome(outcome)

        real(function, tasks, jobs, heard, on_progress, limits or batch.LIMITS, spent)
        calls.append((seen, spent))

    monkeypatch.setattr(batch, "run_tasks", recording)
    (result,) = batch.run_batch([path], RULES, jobs=2, ocr=NO_OCR)
    (reading, _), (finishing, spent) = calls
    assert spent == [(max(o.seconds for o in reading), sum(o.extra_s for o in reading))]
    assert result.status == "ok" and result.seconds == finishing[0].seconds > spent[0][0]


def miscounted_pdf(pages: int, declared: int) -> bytes:
    """``pages`` pages whose page tree declares ``declared`` (/Count): PDFium believes /Count."""
    from hostile import stream, tiny_pdf

    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids = []
    for i in range(pages):
        page, content = 4 + 2 * i, 5 + 2 * i
        kids.append(b"%d 0 R" % page)
        objects[content] = stream(b"BT /F1 14 Tf 72 700 Td (Page %d, figure %d) Tj ET" % (i + 1, i * 7))
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % content
        )
    objects[2] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (declared, b" ".join(kids))
    return tiny_pdf(objects)


@pytest.mark.parametrize("declared", [SPLIT.min_pages + 2, SPLIT.min_pages + 9])
def test_a_page_tree_that_miscounts_its_pages_is_read_whole_either_way(tmp_path: Path, declared: int) -> None:
    path = tmp_path / "miscounted.pdf"
    pages = SPLIT.min_pages + 5
    path.write_bytes(miscounted_pdf(pages, declared))
    (alone,) = run_batch([path], RULES, jobs=1, ocr=NO_OCR)
    (shared,) = run_batch([path], RULES, jobs=2, ocr=NO_OCR)
    assert alone.document.pages == pages and not alone.document.problems
    assert f"repaired by qpdf: its page tree says {declared} pages but holds {pages}" in alone.warnings
    assert (shared.document, shared.warnings) == (alone.document, alone.warnings)
