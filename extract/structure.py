"""Structure stage: laid-out, normalised pages into a Document.

Owns: lines into paragraphs (first-line indents, short last lines, font changes, continuation
across page and column breaks); metadata (title over several lines, issuing body, 文号, 签发人,
document and 印发 dates, 主送/报/抄送 lists); the numbered section tree (一、/（一）/1、 1./（1）/①,
壹、 for Taiwan documents) with run-in headings and 一是…二是… items; the 附件 list and each
attachment's number and title (Assembler: one named step per layout rule); tables stitched across
pages (tables.stitch) and linked to their attachment, caption and notes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from itertools import pairwise

import regex

from .captions import CAPTION_LENGTH, LINE_PIECES, Caption, caption_above
from .dates import is_standalone_date, parse_date
from .grammar import grammar, label_pattern
from .model import (
    Attachment,
    BBox,
    Document,
    Item,
    LaidOutPage,
    Meta,
    PageProblem,
    PageTable,
    Paragraph,
    RawDocument,
    Section,
    Span,
    Table,
    TextLine,
)
from .normalize import join_fragments, join_with_offsets
from .settings import TABLES, TableSettings
from .tables import TableBuilder, continuation, extend_table, finish_tables, start_table

# --------------------------------------------------------------------------- patterns
# numbering labels, outermost first (rules/grammar.yaml: 第一部分 > 第一章 > … > 一、 > 第一条 > （一） > 1. > ①);
# a heading's rank is its label's place in that list
LABELS: list[tuple[int, regex.Pattern[str]]] = [
    (rank, regex.compile(rf"^(?P<label>{label_pattern(label)})")) for rank, label in enumerate(grammar().numbering)
]
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔［\[【(（]\s*\d{4}\s*[〕］\]】)）]\s*\d{1,4}\s*号")
RED_HEAD = re.compile(r"^(?P<issuer>.{2,40}?)(文件|文件\s*$)$")
SIGNER = re.compile(r"签发人\s*[:：]\s*(?P<name>[\u4e00-\u9fff·]{2,8})")
BYLINE = re.compile(r"^(文|文\s*[|｜/丨]|作者[:：]|来源[:：])\s*[|｜/丨]?\s*(?P<issuer>\S{2,40})$")
PRINTED = re.compile(r"^(?P<issuer>.*?)\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印发$")
RECIPIENT_LINE = re.compile(r"^(?P<key>主送|报送|抄送|抄报|分送|报)\s*[:：]\s*(?P<names>.*)$")
ATTACHMENT_HEAD = re.compile(r"^附\s*件\s*(?P<n>\d{1,2})?\s*[:：]?$")
ATTACHMENT_LIST = re.compile(r"^[-•·\s]*附\s*件\s*[:：]\s*(?P<rest>.*)$")
LIST_ITEM = re.compile(r"^(?P<n>\d{1,2})\s*[.．、]\s*(?P<title>.+)$")
ITEM = re.compile(r"(?:^|(?<=[。；;]))\s*(?P<label>[一二三四五六七八九十]{1,2}是)(?P<rest>[^。；;]*)")
ORG_SUFFIX = (
    "局",
    "厅",
    "委",
    "委员会",
    "办公室",
    "办公厅",
    "办",
    "政府",
    "中心",
    "院",
    "会",
    "部",
    "部门",
    "署",
    "处",
    "所",
    "集团",
    "公司",
    "管委会",
    "单位",
    "军区",
    "法院",
    "检察院",
    "组",
    "站",
    "馆",
    "队",
    "室",
    "府",
    "各单位",
)
PERSON_TITLE = ("书记", "市长", "省长", "主任", "主席", "秘书长", "局长", "厅长", "部长", "区长", "县长", "同志")
SENTENCE_END = ("。", "；", ";", "！", "？", "：", ":")
TABLE_CAPTION = re.compile(r"^(附)?表\s*[\d一二三四五六七八九十]+")
NOTE_START = ("注：", "注:", "备注", "说明：", "说明:", "数据来源", "资料来源")
TITLE_FUZZY_LENGTH = 12  # characters: shorter titles must be printed the same on both pages to be one table's
TOTAL_BODY_SIZE_SHARE = 1.18  # lines this much larger than the body size can be title lines


@dataclass
class Para:
    """A paragraph under construction, with the lines it came from."""

    lines: list[TextLine]
    text: str = ""
    original: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def first(self) -> TextLine:
        return self.lines[0]

    @property
    def page(self) -> int:
        return self.first.page

    @property
    def size(self) -> float:
        return self.first.size

    def bbox(self) -> BBox | None:
        boxes = [ln.bbox for ln in self.lines if ln.page == self.page and ln.bbox != (0.0, 0.0, 0.0, 0.0)]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass
class Stream:
    """The document as one sequence of paragraphs and page tables."""

    blocks: list[Para | PageTable] = field(default_factory=list)
    body_size: float = 0.0


# --------------------------------------------------------------------------- paragraphs
def label_of(text: str) -> tuple[int, str] | None:
    for level, pattern in LABELS:
        m = pattern.match(text)
        if m:
            return level, m.group("label")
    return None


def starts_paragraph(prev: TextLine, line: TextLine, body_size: float) -> bool:
    if line.from_text or prev.from_text:
        return text_line_breaks(prev, line)
    if line.centered and prev.centered and line.size == prev.size and line.page == prev.page:
        return line.bbox[1] - prev.bbox[3] > line.size  # a centred title over several lines stays one
    if abs(line.size - prev.size) > 1.0 or line.centered or prev.centered or line.split_row or prev.split_row:
        return True
    if line.indent > 6 or prev.indent > 6:  # right-aligned or far-indented lines: signatures, dates
        return True
    if line.page != prev.page or line.column != prev.column:
        # a paragraph runs on over a page or column break only from a full line into an unindented one
        return prev.right_gap > 1.5 or line.indent >= 1.2 or prev.text.endswith(SENTENCE_END[:1])
    if line.indent - prev.indent >= 1.2:  # a first-line indent
        return True
    if (
        prev.right_gap > 1.5
        and prev.right_gap > line.right_gap + 1.5
        and (prev.right_gap > opening_word(line.text) or prev.text.endswith(SENTENCE_END))
    ):
        return True  # the line above stopped short, and not because the next word could not fit
    if line.page == prev.page and line.column == prev.column:
        gap = line.bbox[1] - prev.bbox[3]
        if gap > max(line.size, body_size) * 1.3:
            return True
    if label_of(line.text) and (prev.right_gap > 1.5 or line.indent >= 0.8):
        # a numbered line after one that stopped short, or set in from the margin where a wrapped
        # line would start: a new item or heading even when the paragraph above has no full stop
        return True
    return bool(label_of(line.text) and prev.text.endswith(SENTENCE_END))


# A line opening with a number (161.62万元，) or a character the typesetter may not leave at a
# line's start (元，) was pushed down whole: the gap it left above is its width, not a paragraph end.
OPENING_WORD = re.compile(r"[0-9A-Za-z.,%\-]*[^0-9A-Za-z.,%\-\s]?[，。、；：）」』”,;:)]*")


def opening_word(text: str) -> float:
    """How wide, in font sizes, the unbreakable word a line opens with is (digits half-width)."""
    word = OPENING_WORD.match(text)
    return sum(0.55 if ch.isascii() else 1.0 for ch in word.group(0)) if word else 0.0


def text_line_breaks(prev: TextLine, line: TextLine) -> bool:
    """Text input: every line is a paragraph unless a page break cut a sentence in two."""
    if label_of(line.text) or len(prev.text) < 25 or prev.text.endswith((*SENTENCE_END, "”", "）", ")", "…")):
        return True
    if line.text.endswith(("：", ":")) and len(line.text) <= 40:  # a salutation: 市委、市政府：
        return True
    return bool(is_standalone_date(line.text) or RECIPIENT_LINE.match(line.text))


def body_font_size(pages: list[LaidOutPage]) -> float:
    counts: dict[float, int] = {}
    for page in pages:
        for item in page.items:
            if isinstance(item, TextLine):
                counts[item.size] = counts.get(item.size, 0) + len(item.text)
    return max(counts, key=lambda k: counts[k]) if counts else 0.0


def build_stream(pages: list[LaidOutPage]) -> Stream:
    stream = Stream(body_size=body_font_size(pages))
    current: Para | None = None
    for page in pages:
        for item in page.items:
            if isinstance(item, PageTable):
                current = None
                stream.blocks.append(item)
                continue
            if current is not None and not starts_paragraph(current.lines[-1], item, stream.body_size):
                current.lines.append(item)
                continue
            current = Para([item])
            stream.blocks.append(current)
    for block in stream.blocks:
        if isinstance(block, Para):
            block.text, block.spans = join_with_offsets([ln.text for ln in block.lines])
            block.original = join_fragments([ln.original or ln.text for ln in block.lines])
    return stream


# --------------------------------------------------------------------------- metadata
def is_org(text: str) -> bool:
    text = text.strip()
    return 2 <= len(text) <= 30 and not re.search(r"[，。；：,;:！？“”《》]", text) and text.endswith(ORG_SUFFIX)


def is_person(text: str) -> bool:
    return 2 <= len(text) <= 12 and text.endswith(PERSON_TITLE)


def org_names(text: str) -> list[str]:
    """The organisations a line names side by side (浙江省财政厅　浙江省人力资源和社会保障厅), or []."""
    text = text.strip()
    if is_org(text) and not re.search(r"\s", text):
        return [text]
    parts = text.split()
    return parts if len(parts) > 1 and all(is_org(p) for p in parts) else []


def set_issuers(meta: Meta, names: list[str]) -> None:
    """The first named is the issuer, the others (once each) its co-issuers."""
    unique = list(dict.fromkeys(n for n in names if n))
    if unique:
        meta.issuer, meta.co_issuers = unique[0], unique[1:]


def split_names(text: str) -> list[str]:
    text = text.strip().rstrip("。.；;")
    names: list[str] = []
    for part in re.split(r"[，,；;]", text):
        part = part.strip()
        if not part:
            continue
        pieces = split_outside_parens(part, "、")
        if len(pieces) > 1 and all(is_org(p) or is_person(p) for p in pieces):
            names.extend(pieces)
        else:
            names.append(part)
    return names


def split_outside_parens(text: str, sep: str) -> list[str]:
    parts, depth, buf = [], 0, ""
    for ch in text:
        depth += ch in "(（"
        depth -= ch in ")）"
        if ch == sep and depth == 0:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return [p.strip() for p in parts if p.strip()]


def front_matter_end(paras: list[Para]) -> int:
    """Index of the first body paragraph: a numbered section, a salutation, or an indented long paragraph."""
    for i, para in enumerate(paras):
        text = para.text
        if label_of(text) or ATTACHMENT_HEAD.match(text):
            return i
        if text.endswith(("：", ":")) and len(text) < 80 and i > 0:
            return i
        if len(text) > 60 and not DOC_NUMBER.fullmatch(text):
            return i
    return len(paras)


def extract_meta(paras: list[Para], body_size: float) -> tuple[Meta, set[int]]:
    """Metadata, and the indexes of the paragraphs it consumed (front matter, signature, distribution)."""
    meta = Meta()
    used: set[int] = set()
    end = front_matter_end(paras)
    front = list(range(end))
    for i in front:
        text = paras[i].text
        if (m := RED_HEAD.match(text)) and not meta.issuer and len(text) <= 40:
            set_issuers(meta, org_names(m.group("issuer")) or [m.group("issuer").strip()])
            joint = [k for k in range(i - 1, -1, -1) if k not in used and is_org(paras[k].text.strip())]
            if joint and joint[-1] == i - len(joint) and all(k in front for k in joint):
                # 浙江省财政厅 / 浙江省人力资源和社会保障厅文件: the issuers stacked over 文件
                set_issuers(meta, [paras[k].text.strip() for k in reversed(joint)] + [meta.issuer or ""])
                used.update(joint)
            used.add(i)
        if (m := SIGNER.search(text)) and meta.signer is None:
            meta.signer = m.group("name")
            used.add(i)
            text = SIGNER.sub("", text).strip()
        if (m := DOC_NUMBER.search(text)) and meta.doc_number is None and "《" not in text:
            meta.doc_number = re.sub(r"\s+", "", m.group(0))
            used.add(i)
        if (m := BYLINE.match(text)) and meta.issuer is None:
            meta.issuer = m.group("issuer")
            used.add(i)
    for i in front:  # 预算单位：上海市财政局, on a budget's cover; 制表日期：105年06月20日 over a table
        compact = re.sub(r"\s+", "", paras[i].text)
        if (m := ISSUER_FIELD.match(compact)) and meta.issuer is None:
            meta.issuer = m.group("issuer")
            used.add(i)
        if (m := DATE_FIELD.match(compact)) and meta.date is None and (found := parse_date(m.group("date"))):
            meta.date = found
            used.add(i)
    title_parts = find_title(paras, front, used, body_size)
    if len(title_parts) > 1 and is_org(re.sub(r"\s+", "", paras[title_parts[0]].text)):
        meta.issuer = meta.issuer or re.sub(r"\s+", "", paras[title_parts[0]].text)  # 行政院 over the title
        used.add(title_parts[0])
        title_parts = title_parts[1:]
    if title_parts:
        meta.title = title_text([paras[i] for i in title_parts])
        used.update(title_parts)
    for i in front:  # the cover's date (中华民国114年2月25日) and byline are not the title
        compact = re.sub(r"\s+", "", paras[i].text)
        if i not in used and is_standalone_date(compact) and meta.date is None:
            meta.date = parse_date(compact)
            used.add(i)
    for i in front:
        if i in used:
            continue
        text = paras[i].text
        if meta.date is None and is_standalone_date(text):
            meta.date = parse_date(text)
            used.add(i)
        elif is_org(text) and meta.issuer is None and i > (max(title_parts) if title_parts else -1):
            meta.issuer = text
            used.add(i)
        elif (m := re.match(r"^(?P<org>\S{2,30}?)\s+(?P<date>\d{4}年\d{1,2}月\d{1,2}日)$", text)) and is_org(
            m.group("org")
        ):
            meta.issuer = meta.issuer or m.group("org")
            meta.date = meta.date or parse_date(m.group("date"))
            used.add(i)
    if end < len(paras) and paras[end].text.endswith(("：", ":")) and not label_of(paras[end].text):
        meta.recipients["主送"] = split_names(paras[end].text.rstrip("：:"))
        used.add(end)
    read_tail(paras, meta, used)
    meta.issuer = meta.issuer or issuer_in_title(meta.title)
    return meta, used


def issuer_in_title(title: str | None) -> str | None:
    """淮安市人民政府2024年…年度报告: the body a title names before its year or 关于."""
    m = TITLE_ISSUER.match(title or "")
    return m.group("issuer") if m else None


def title_from_caption(meta: Meta, blocks: list[Para | PageTable], captions: dict[int, Caption]) -> Meta:
    """A document that is a table (a register, a classification list) prints its title only as the
    first table's caption on page 1: that caption is the document's title when no other was found."""
    if meta.title is not None:
        return meta
    first = next((i for i, b in enumerate(blocks) if isinstance(b, PageTable)), None)
    if first is None or blocks[first].page != 1 or not captions.get(first, Caption(None, None, None)).title:
        return meta
    if any(isinstance(b, Para) and len(b.text) > CAPTION_LENGTH for b in blocks[:first]):
        return meta  # prose before the table: the document is more than the table
    title = captions[first].title
    return replace(meta, title=title, issuer=meta.issuer or issuer_in_title(title))


PERSON_BYLINE = re.compile(
    r"^[\u4e00-\u9fff]{0,10}(院长|副院长|部长|局长|主任|市长|省长|书记|主席|厅长|区长|县长|署长|主委|委员)\s*[\u4e00-\u9fff·]{2,4}$"
)
VENUE = re.compile(r"^[\u4e00-\u9fff]{0,6}第\s*\d+\s*届第\s*\d+\s*(?:次)?会(?:期|议)?$")
ISSUER_FIELD = re.compile(
    r"^(?:预算单位|预算主管部门|主管部门|部门名称|单位名称|编制单位|编制部门|报送单位)\s*[:：]\s*(?P<issuer>\S{2,40})$"
)


DATE_FIELD = re.compile(r"^(?:制表|填表|填报|编制|编印|发布|印发|成文)(?:日期|时间)[:：](?P<date>.{6,20})$")


def not_title(text: str) -> bool:
    """Front-matter lines set as large as a title that are not part of it."""
    compact = re.sub(r"\s+", "", text)
    return bool(
        BYLINE.match(text) or PERSON_BYLINE.match(compact) or VENUE.match(compact) or is_standalone_date(compact)
    )


TITLE_ISSUER = re.compile(
    r"^(?P<issuer>[\u4e00-\u9fff]{2,24}?(?:人民政府|政府|办公厅|办公室|委员会|管理局|局|厅|院|中心))(?=\d{2,4}\s*年|关于)"
)
TITLE_STOP = re.compile(r"[：:]|^目\s*录$")


def title_text(parts: list[Para]) -> str:
    """The title lines, up to a line that is a label (预算单位：…) or a table of contents (目录)."""
    lines: list[str] = []
    for para in parts:
        for line in para.lines:
            if TITLE_STOP.search(line.text):
                return join_fragments(lines)
            lines.append(line.text)
    return join_fragments(lines)


def find_title(paras: list[Para], front: list[int], used: set[int], body_size: float) -> list[int]:
    """The run of large (or, for text input, leading) lines that is not a masthead, 文号, date,
    byline (院长 卓荣泰) or venue (立法院第11届第3会期); with no large line, a short centred first
    line (a register's title, set in the body size)."""
    candidates = [
        i
        for i in front
        if i not in used and not is_standalone_date(paras[i].text) and not DOC_NUMBER.search(paras[i].text)
    ]
    if not candidates:
        return []
    if body_size and not paras[candidates[0]].first.from_text:
        big = [
            i for i in candidates if paras[i].size >= body_size * TOTAL_BODY_SIZE_SHARE and not not_title(paras[i].text)
        ]
        run: list[int] = []
        for i in big:
            if run and i != run[-1] + 1 and any(j not in used for j in range(run[-1] + 1, i)):
                break
            run.append(i)
        if not run and paras[candidates[0]].first.centered and len(paras[candidates[0]].text) <= 60:
            run = [candidates[0]]
        after = run[-1] + 1 if run else None
        if after in candidates and is_title_qualifier(paras[after], paras[run[-1]]):
            run.append(after)  # 施政報告 / （口頭報告）: a bracketed qualifier set under the title
        return run
    run = []
    for i in candidates:
        text = paras[i].text
        if is_org(text) or BYLINE.match(text) or (run and i != run[-1] + 1) or len(text) > 60:
            break
        run.append(i)
    return run


# a title's own qualifier, not a note about it: （口头报告） but not （本表为半年报）
TITLE_QUALIFIER = re.compile(
    r"^[(（][\u4e00-\u9fff]{0,10}(?:稿|草案|报告|试行|暂行|修订|修正|摘要|节选|公开版|\d{4}年版)[)）]$"
)


def is_title_qualifier(para: Para, title: Para) -> bool:
    """（口头报告）, （草案）, （征求意见稿） centred right under the title, on its page."""
    compact = re.sub(r"\s+", "", para.text)
    return bool(TITLE_QUALIFIER.match(compact)) and para.first.centered and para.page == title.page


def read_tail(paras: list[Para], meta: Meta, used: set[int]) -> None:
    """Signature (落款) date, 印发 line and 报/抄送 lists, wherever they sit."""
    raw: dict[str, str] = {}
    current_key: str | None = None
    for i, para in enumerate(paras):
        if i in used:
            continue
        text = para.text
        if m := PRINTED.match(text):
            meta.printed_date = parse_date(m.group("date"))
            issuer = m.group("issuer").strip()
            if not issuer and i > 0 and is_org(paras[i - 1].text):
                issuer = paras[i - 1].text
                used.add(i - 1)
            meta.issuer = meta.issuer or issuer or None
            used.add(i)
            current_key = None
            continue
        if m := RECIPIENT_LINE.match(text):
            current_key = {"报送": "报", "抄报": "报"}.get(m.group("key"), m.group("key"))
            raw[current_key] = raw.get(current_key, "") + m.group("names")
            used.add(i)
            continue
        open_list = current_key and not raw[current_key].rstrip().endswith(("。", "."))
        if open_list and len(text) < 120 and not label_of(text) and not is_standalone_date(text):
            raw[current_key] += text  # the wrapped part of a 报/抄送 list
            used.add(i)
            continue
        current_key = None
        if is_standalone_date(text) and i > 0:
            if meta.date is None:
                meta.date = parse_date(text)
            used.add(i)
            signers = []  # the issuers signing above the date, one per line or side by side
            for k in range(i - 1, -1, -1):
                names = org_names(paras[k].text)
                if k in used or not names:
                    break
                signers[:0] = names
                used.add(k)
            if signers and not meta.issuer:
                set_issuers(meta, signers)
            elif signers and meta.issuer in signers:
                set_issuers(meta, [meta.issuer] + [s for s in signers if s != meta.issuer] + meta.co_issuers)
    for key, names in raw.items():
        meta.recipients[key] = split_names(names)
    if meta.date is None and meta.printed_date:
        meta.date = meta.printed_date


# --------------------------------------------------------------------------- sections
@dataclass
class SectionBuilder:
    sections: list[Section] = field(default_factory=list)
    stack: list[tuple[int, Section]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def child_id(self, parent: str) -> str:
        self.counters[parent] = self.counters.get(parent, 0) + 1
        return f"{parent}.{self.counters[parent]}" if parent else str(self.counters[parent])

    def add(self, rank: int, label: str, heading: str | None, text: str, para: Para) -> Section:
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        parent = self.stack[-1][1] if self.stack else None
        section = Section(
            section_id=self.child_id(parent.section_id if parent else ""),
            level=len(self.stack) + 1,
            label=label,
            heading=heading,
            text=text,
            page=para.page,
            bbox=heading_box(para, label, heading, text),
        )
        if parent:
            parent.children.append(section.section_id)
        self.sections.append(section)
        self.stack.append((rank, section))
        return section

    def close(self) -> None:
        self.stack.clear()

    def finish(self) -> dict[str, str]:
        """Top-level numbering that restarts (（一）…（五）, then （一） again, with no 一、 above) goes
        under unnamed groups, one per run, so every id stays unique. Returns old id -> new id."""
        top = [s for s in self.sections if s.level == 1]
        if not any(ordinal(top[i].label or "") <= ordinal(top[i - 1].label or "") for i in range(1, len(top))):
            return {}
        renamed: dict[str, str] = {}
        grouped: list[Section] = []
        group: Section | None = None
        position = 0
        previous_label = ""
        for section in self.sections:
            if section.level == 1:
                if group is None or ordinal(section.label or "") <= ordinal(previous_label):
                    group = Section(
                        str(len([g for g in grouped if g.label is None]) + 1), 1, None, None, "", section.page, None
                    )
                    grouped.append(group)
                    position = 0
                previous_label = section.label or ""
                position += 1
                renamed[section.section_id] = f"{group.section_id}.{position}"
                group.children.append(renamed[section.section_id])
            head, _, tail = section.section_id.partition(".")
            section.section_id = renamed[head] + (f".{tail}" if tail else "")
            section.level += 1
            grouped.append(section)
        for section in grouped:
            section.children = [rename(c, renamed) for c in section.children] if section.label else section.children
        self.sections = grouped
        return renamed


def rename(section_id: str, renamed: dict[str, str]) -> str:
    head, _, tail = section_id.partition(".")
    if head not in renamed:
        return section_id
    return renamed[head] + (f".{tail}" if tail else "")


CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
CN_CAPITAL = {c: i + 1 for i, c in enumerate("壹贰叁肆伍陆柒捌玖")} | {"参": 3}


def ordinal(label: str) -> int:
    core = re.sub(r"[^0-9一二三四五六七八九十壹贰叁参肆伍陆柒捌玖拾①-⑳]", "", label)
    if not core:
        return 0
    if core.isdigit():
        return int(core)
    if "①" <= core[0] <= "⑳":
        return ord(core[0]) - ord("①") + 1
    core = "".join(str(CN_CAPITAL[c]) if c in CN_CAPITAL else ("十" if c == "拾" else c) for c in core)
    if core.isdigit():
        return int(core)
    tens, sep, ones = core.partition("十")
    if not sep:
        return CN_DIGITS.get(core, 0) if not core.isdigit() else int(core)
    return (int(tens) if tens.isdigit() else CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
        int(ones) if ones.isdigit() else CN_DIGITS.get(ones, 0) if ones else 0
    )


def heading_box(para: Para, label: str, heading: str | None, body: str) -> BBox | None:
    """The box of a section's label and heading as printed: the whole paragraph when nothing
    follows them, else only their own characters (a run-in heading: （四）做好…对接。 and its text)."""
    if not body:
        return para.bbox()
    start = para.text.find(label)
    if start < 0:
        return para.bbox()
    end = start + len(label)
    found = para.text.find(heading, end) if heading else -1
    if heading and found >= 0:
        end = found + len(heading)
    page, box = make_paragraph(para, None, "").span_box(start, end)
    return box if page == para.page else para.bbox()


def split_heading(para: Para, label: str) -> tuple[str | None, str]:
    """Heading and body of a numbered paragraph: a whole short line (up to a colon that introduces
    its content: 事业收入：指…), a styled run-in lead, a short first sentence, or the name before a
    figure (因公出国（境）费0万元，…)."""
    rest = para.text[len(label) :].strip()
    if len(rest) <= 40 and not re.search(r"[。；;]", rest.rstrip("。")) and len(para.lines) <= 2:
        named = re.match(r"([^：:，,]{1,20})[：:](.+)", rest)
        if named:
            return named.group(1), named.group(2).strip()
        return rest.rstrip("。：:") or None, ""
    lead = para.first.lead.strip()
    if lead:
        lead_text = re.sub(r"\s+", "", lead)
        body = re.sub(r"\s+", "", rest)
        label_free = lead_text[len(label) :] if lead_text.startswith(label) else lead_text
        label_free = re.split(r"(?<=[。：:])", label_free, maxsplit=1)[0]
        if label_free and body.startswith(label_free) and len(label_free) <= 45:
            heading = label_free.rstrip("。：:.")
            return heading or None, body[len(label_free) :].lstrip("。：:")
    m = re.match(r"([^。：:]{1,30})([。：:])", rest)
    if m and len(re.findall(r"[，,]", m.group(1))) <= 1:
        return m.group(1), rest[m.end() :]
    named = re.match(r"([^\d，,。：:；;“”]{2,20}?)(?=[\d.]+\s*(?:万|亿)?元)", rest)
    if named:
        return named.group(1), rest
    return None, rest


def find_items(text: str, page: int) -> list[Item]:
    items = []
    for m in ITEM.finditer(text):
        rest = m.group("rest")
        head = re.match(r"[^，。；：,;:]+", rest)
        items.append(Item(label=m.group("label"), heading=head.group(0) if head else None, text=rest, page=page))
    return items


# --------------------------------------------------------------------------- the document
def build_document(
    raw: RawDocument, pages: list[LaidOutPage], script: str, table_settings: TableSettings = TABLES
) -> Document:
    stream = build_stream(pages)
    paras = [b for b in stream.blocks if isinstance(b, Para)]
    meta, used_paras = extract_meta(paras, stream.body_size)
    assembler = Assembler(stream.blocks, used={id(paras[i]) for i in used_paras}, table_settings=table_settings)
    meta = title_from_caption(meta, stream.blocks, assembler.captions)
    for index, block in enumerate(stream.blocks):
        assembler.take(index, block)
    assembler.finish()
    problems = [PageProblem(p.number, p.quality, p.quality_detail) for p in pages if p.quality != "ok"]
    return Document(
        doc_id=raw.doc_id,
        path=raw.path,
        sha256=raw.sha256,
        pages=len(raw.pages) if raw.kind == "pdf" else 0,
        kind=raw.kind,
        script=script,  # type: ignore[arg-type]
        meta=meta,
        sections=assembler.sections.sections,
        attachments=assembler.attachments,
        tables=assembler.tables,
        paragraphs=assembler.paragraphs,
        problems=problems,
        ocr=[p.ocr for p in raw.pages if p.ocr is not None],
        turned={p.number: p.turned for p in raw.pages if p.turned and p.ocr is None},
        warnings=list(raw.warnings),
    )


class Assembler:
    """The document's blocks, in reading order, into sections, attachments, tables and paragraphs.

    ``take`` offers each paragraph to the steps below in turn; the first that claims it ends its
    turn. Each step is one rule of a Chinese government document's layout, small enough to test
    on its own (tests/test_assembler.py). Page tables go to the table stage: a part that continues
    the table being built is stitched to it (tables.continuation), any other block closes it.
    """

    def __init__(
        self, blocks: list[Para | PageTable], used: set[int] | None = None, table_settings: TableSettings = TABLES
    ) -> None:
        self.blocks = blocks
        self.table_settings = table_settings
        self.used = used or set()  # paragraphs metadata already took (title, 文号, …)
        self.contents = table_of_contents(blocks)
        self.captions = table_captions(blocks)
        self.caption_blocks = {i for c in self.captions.values() for i in c.lines}
        self.reprinted = reprinted_captions(blocks, self.captions)
        self.sections = SectionBuilder()
        self.attachments: list[Attachment] = []
        self.listed: dict[int | None, str] = {}  # 附件 list: number -> title
        self.tables: list[Table] = []
        self.paragraphs: list[Paragraph] = []
        self.builder: TableBuilder | None = None
        self.table_meta: tuple[int | None, str | None, str | None] = (None, None, None)
        self.attachment: Attachment | None = None
        self.in_list = False
        self.last_section: Section | None = None
        self.heading_para: Para | None = None  # the last heading, while its words may wrap onto the next line
        self.expect_title = False
        self.title_para: Para | None = None
        self.titles_used: set[str] = set()

    # ------------------------------------------------------------------ driving
    def take(self, index: int, block: Para | PageTable) -> None:
        if isinstance(block, PageTable):
            self.table_part(index, block)
            return
        if self.table_note(block) or self.reprinted_caption(index):
            return
        self.close_table()
        steps = (
            self.metadata_line,
            self.contents_entry,
            self.attachment_head,
            self.attachment_title,
            self.attachment_title_tail,
            self.attachment_list,
            self.listed_attachment_title,
            self.attachment_list_item,
            self.caption_line,
            self.heading_tail,
            self.section_heading,
        )
        if not any(step(index, block) for step in steps):
            self.body_text(block)

    def finish(self) -> None:
        """Close the last table, settle section ids and attachment titles."""
        self.close_table()
        renamed = self.sections.finish()
        if renamed:
            for paragraph in self.paragraphs:
                if paragraph.section_id:
                    paragraph.section_id = rename(paragraph.section_id, renamed)
        for att in self.attachments:
            if not att.title and att.number in self.listed:
                att.title = self.listed[att.number]
        if not self.attachments and self.listed:
            self.attachments = [
                Attachment(number=n, title=t) for n, t in sorted(self.listed.items(), key=lambda kv: kv[0] or 0)
            ]

    # ------------------------------------------------------------------ tables
    def table_part(self, index: int, part: PageTable) -> None:
        """A page's table: the next part of the table being built, or a new table with its title."""
        follows = index > 0 and isinstance(self.blocks[before(index, self.reprinted)], PageTable)
        following = continuation(self.builder, part) if self.builder is not None and follows else None
        if self.builder is not None and following is not None:
            extend_table(self.builder, following)
            return
        self.close_table()
        self.builder = builder = start_table(part, self.table_settings)
        found = self.captions.get(index, Caption(None, None, None))
        title, source = (
            (found.title, "caption")
            if found.title
            else fallback_title(self.attachment, self.last_section, self.titles_used, len(self.tables) + 1)
        )
        self.titles_used.add(title)
        builder.title_source = source
        builder.unit = found.unit
        builder.unit_source = found.unit_source
        attachment = self.attachment
        self.table_meta = (attachment.number if attachment else None, attachment.title if attachment else None, title)
        self.expect_title = False

    def close_table(self) -> None:
        builder = self.builder
        if builder is not None and (builder.rows or builder.head):  # a table printed empty is kept: none is data
            number, a_title, t_title = self.table_meta
            self.tables.extend(finish_tables(builder, len(self.tables) + 1, number, a_title, t_title))
        self.builder = None

    def table_note(self, para: Para) -> bool:
        """注：/备注 right under a table belongs to it."""
        if self.builder is None or not para.text.startswith(NOTE_START):
            return False
        self.builder.notes.append(para.text)
        self.paragraphs.append(make_paragraph(para, None, para.original, "note"))
        return True

    def reprinted_caption(self, index: int) -> bool:
        """The caption printed again over the table's next page: the table goes on."""
        return index in self.reprinted

    # ------------------------------------------------------------------ front matter, contents
    def metadata_line(self, index: int, para: Para) -> bool:
        return id(para) in self.used

    def contents_entry(self, index: int, para: Para) -> bool:
        """The 目录: entries pointing at sections, not sections."""
        if index not in self.contents:
            return False
        self.paragraphs.append(make_paragraph(para, None, para.original, "contents"))
        return True

    # ------------------------------------------------------------------ attachments
    def attachment_head(self, index: int, para: Para) -> bool:
        """附件 / 附件2: an attachment starts; its title is the next line."""
        m = ATTACHMENT_HEAD.match(para.text)
        if not m:
            return False
        number = int(m.group("n")) if m.group("n") else None
        self.attachment = Attachment(number=number, title=self.listed.get(number, ""), page=para.page)
        self.attachments.append(self.attachment)
        self.sections.close()
        self.last_section = None
        self.in_list = False
        self.expect_title = True
        return True

    def attachment_title(self, index: int, para: Para) -> bool:
        if not (self.expect_title and self.attachment is not None):
            return False
        self.attachment.title = para.text.rstrip("：:")
        self.expect_title = False
        self.title_para = para
        self.paragraphs.append(make_paragraph(para, None, para.original, "caption"))
        return True

    def attachment_title_tail(self, index: int, para: Para) -> bool:
        """The title's last words, centred on a line of their own."""
        title_para, self.title_para = self.title_para, None
        if title_para is None or self.attachment is None or not continues_title(title_para, para):
            return False
        self.attachment.title += para.text
        return True

    def attachment_list(self, index: int, para: Para) -> bool:
        """附件：1. … under the body: the attachments' titles, by number."""
        m = ATTACHMENT_LIST.match(para.text)
        if not m:
            return False
        self.in_list = True
        rest = m.group("rest").strip()
        item = LIST_ITEM.match(rest)
        if item:
            self.listed[int(item.group("n"))] = item.group("title").strip()
        elif rest:
            self.listed[None] = rest
        return True

    def listed_attachment_title(self, index: int, para: Para) -> bool:
        """Text input has no 附件N heading: the attachment starts at its listed title."""
        listed_title = para.text.rstrip("：:")
        if not (self.listed and (self.in_list or self.attachment is None) and listed_title in self.listed.values()):
            return False
        self.in_list = False
        number = next(k for k, v in self.listed.items() if v == listed_title)
        self.attachment = Attachment(number=number, title=listed_title, page=para.page)
        self.attachments.append(self.attachment)
        self.sections.close()
        self.last_section = None
        return True

    def attachment_list_item(self, index: int, para: Para) -> bool:
        """The list's next item, or an item title wrapped onto a second line."""
        if not self.in_list:
            return False
        text = para.text
        item = LIST_ITEM.match(text)
        if item and len(text) < 80:
            self.listed[int(item.group("n"))] = item.group("title").strip()
            return True
        if self.listed and len(text) <= 20 and not is_org(text) and not is_standalone_date(text):
            numbered = [k for k in self.listed if k is not None]
            last = max(numbered) if numbered else None
            self.listed[last] = self.listed[last] + text
            return True
        self.in_list = False
        return False

    # ------------------------------------------------------------------ captions, sections, text
    def caption_line(self, index: int, para: Para) -> bool:
        """A table's title or unit line, not body text (a numbered line in the body is a heading)."""
        if index not in self.caption_blocks or (self.attachment is None and label_of(para.text)):
            return False
        self.paragraphs.append(make_paragraph(para, None, para.original, "caption"))
        return True

    def heading_tail(self, index: int, para: Para) -> bool:
        """The heading's last words, on a line of their own."""
        heading_para, self.heading_para = self.heading_para, None
        section = self.last_section
        found = label_of(para.text) if self.attachment is None else None
        if section is None or heading_para is None or section.text or found or not wraps_into(heading_para, para):
            return False
        section.heading = (section.heading or "") + para.text
        return True

    def section_heading(self, index: int, para: Para) -> bool:
        """一、/（一）/1. … : a section opens, with a run-in heading when text follows it."""
        found = label_of(para.text) if self.attachment is None else None
        if not found:
            return False
        rank, label = found
        heading, body = split_heading(para, label)
        section = self.last_section = self.sections.add(rank, label, heading, body, para)
        self.heading_para = para if not body else None
        section.items.extend(find_items(body, para.page))
        self.paragraphs.append(
            make_paragraph(para, section.section_id, para.original, "heading" if not body else "body")
        )
        return True

    def body_text(self, para: Para) -> None:
        section = self.last_section
        if section is not None and self.attachment is None:
            section.text = "\n".join(t for t in (section.text, para.text) if t)
            section.items.extend(find_items(para.text, para.page))
        self.paragraphs.append(make_paragraph(para, section.section_id if section else None, para.original))


def make_paragraph(para: Para, section_id: str | None, original: str, kind: str = "body") -> Paragraph:
    placed = [(span, line) for span, line in zip(para.spans, para.lines) if line.bbox != (0.0, 0.0, 0.0, 0.0)]
    lines = [(start, end, line.page, line.bbox) for (start, end), line in placed]
    glyphs = [line_spans(line, end - start) for (start, end), line in placed]
    return Paragraph(para.text, para.page, para.bbox(), section_id, original, kind, lines, glyphs)


def line_spans(line: TextLine, length: int) -> list[Span] | None:
    """Where each character the line gave its paragraph is printed; None when not known (text
    input, or a line whose text is not the one its positions were taken for)."""
    xs = line.xs
    return xs if xs is not None and len(xs) == len(line.text) == length else None


def continues_title(title: Para, para: Para) -> bool:
    line = para.first
    return line.centered and line.size == title.size and len(para.text) <= 20 and line.page == title.page


CONTENTS_HEAD = re.compile(r"^目\s*录$|^目\s*次$")
CONTENTS_ENTRY_LENGTH = 60  # characters: longer lines after 目录 are body text


def table_of_contents(blocks: list[Para | PageTable]) -> set[int]:
    """The 目录 and its entries: the short lines after it on its page, and on the pages that follow
    while every paragraph there is such a line."""
    found: set[int] = set()
    for start, block in enumerate(blocks):
        if not isinstance(block, Para) or not CONTENTS_HEAD.match(block.text.strip()):
            continue
        found.add(start)
        page, index = block.page, start + 1
        while index < len(blocks) and isinstance(blocks[index], Para):
            para = blocks[index]
            if para.page != page:
                rest = [b for b in blocks[index:] if isinstance(b, Para) and b.page == para.page]
                if not all(is_contents_entry(b) for b in rest) or any(
                    isinstance(b, PageTable) and b.page == para.page for b in blocks[index:]
                ):
                    break
                page = para.page
            elif not is_contents_entry(para):
                break
            found.add(index)
            index += 1
    return found


def is_contents_entry(para: Para) -> bool:
    """Every line short (leader dots and page numbers aside) and no sentence in it."""
    for line in para.lines:
        compact = re.sub(r"\s+", "", line.text)
        if len(re.sub(r"[.…·]{2,}\d*$", "", compact)) > CONTENTS_ENTRY_LENGTH or "。" in compact:
            return False
    return True


def table_captions(blocks: list[Para | PageTable]) -> dict[int, Caption]:
    """For each table that text precedes, its caption and unit from the lines above it on its page."""
    found = {}
    for index, block in enumerate(blocks):
        if not isinstance(block, PageTable) or index == 0 or not isinstance(blocks[index - 1], Para):
            continue
        above: list[tuple[tuple[int, ...], str]] = []  # printed lines, nearest first: their blocks, text
        for back in range(index - 1, max(index - 6, -1), -1):
            para = blocks[back]
            if not isinstance(para, Para) or para.lines[-1].page != block.page:
                break
            if above and wraps_into(para, blocks[above[-1][0][0]]):  # a centred title wrapped onto two lines
                above[-1] = ((back, *above[-1][0]), para.text + above[-1][1])
                continue
            if above and same_line(para, blocks[above[-1][0][0]]):  # 第一审查会（民政类）   议员提案
                above[-1] = ((back, *above[-1][0]), para.text + LINE_PIECES + above[-1][1])
                continue
            above.append(((back,), para.text))
        found[index] = caption_above(above)
    return found


def reprinted_captions(blocks: list[Para | PageTable], captions: dict[int, Caption]) -> set[int]:
    """The caption lines printed again, and nothing else, between a table and the next page's
    table under the same caption (tw-yunlin-council-motions: 第三审查会（建设类） 议员提案 atop each
    page): running heads of one table, not a new table's title."""
    found: set[int] = set()
    tables = [i for i, b in enumerate(blocks) if isinstance(b, PageTable)]
    for previous, index in pairwise(tables):
        here, there = captions.get(index), captions.get(previous)
        between = set(range(previous + 1, index))
        if (
            here
            and there
            and here.title
            and there.title
            and same_title(here.title, there.title)
            and between
            and between <= set(here.lines)
            and blocks[index].page == blocks[previous].page + 1
        ):
            found |= between
    return found


def same_title(a: str, b: str) -> bool:
    """One caption printed on two pages: the same text, or, read by OCR, a long title with a
    character or two misread or its period run on (…明細表 / …明细表91年10至12月份), its figures
    the same (表1 and 表2 are two tables)."""
    if a == b:
        return True
    x, y = (unicodedata.normalize("NFKC", re.sub(r"\s+", "", t)) for t in (a, b))
    digits = sorted((re.sub(r"\D", "", x), re.sub(r"\D", "", y)), key=len)
    if min(len(x), len(y)) < TITLE_FUZZY_LENGTH or not digits[1].startswith(digits[0]):
        return False
    run_on = x.startswith(y) or y.startswith(x)
    return run_on or SequenceMatcher(None, x, y, autojunk=False).ratio() >= TABLES.header_similarity


def before(index: int, skipped: set[int]) -> int:
    """The block before ``index``, the skipped ones passed over."""
    index -= 1
    while index > 0 and index in skipped:
        index -= 1
    return index


def same_line(left: Para | PageTable, right: Para | PageTable) -> bool:
    """Two pieces of one printed line, set apart by a wide gap (a title and its unit, a group name
    and a title)."""
    if not isinstance(left, Para) or not isinstance(right, Para) or len(left.lines) != 1 or len(right.lines) != 1:
        return False
    a, b = left.first, right.first
    middle = (b.bbox[1] + b.bbox[3]) / 2
    return a.split_row and b.split_row and a.page == b.page and a.bbox[1] <= middle <= a.bbox[3]


def wraps_into(first: Para | PageTable, second: Para | PageTable) -> bool:
    """Two lines of one size, the second short and centred: one title printed on two lines (not a
    sentence's end followed by a caption: …进行调整。 / 表7.5停车区用地指标基准值)."""
    if not isinstance(first, Para) or not isinstance(second, Para):
        return False
    a, b = first.lines[-1], second.first
    return (
        b.centered
        and not first.text.endswith(SENTENCE_END)
        and not TABLE_CAPTION.match(second.text)
        and abs(a.size - b.size) < 0.5
        and a.page == b.page
        and len(second.text) <= 20
        and b.bbox[1] - a.bbox[3] < a.size * 1.5
        and not heading_label(second.text)
    )


def heading_label(text: str) -> str | None:
    """The numbering label a heading starts with, when words follow it ('（39）' alone is not a heading)."""
    found = label_of(text)
    return found[1] if found and text.strip() != found[1].strip() else None


def fallback_title(
    attachment: Attachment | None, section: Section | None, used: set[str], number: int
) -> tuple[str, str]:
    """Nothing printed above the table names it: its attachment's or section's title when no
    other table has it already, else 表N. Returns the title and where it came from."""
    candidates = [
        (attachment.title if attachment else None, "attachment"),
        (f"{section.label or ''}{section.heading}" if section and section.heading else None, "section"),
    ]
    return next(((c, source) for c, source in candidates if c and c not in used), (f"表{number}", "number"))
