"""Render a corpus source into a .docx laid out like a Chinese government document.

GB/T 9704 conventions, as a clerk's Word/WPS template would apply them: A4, 37/35/28/26 mm
margins, body in a 16 pt Song/Fangsong face with a two-character first-line indent and a fixed
28 pt line pitch, 一、 headings in Hei, （一） headings in Kai, red mastheads with a red rule,
"— N —" page footers, attachments on new pages with ruled tables whose header row repeats on
every page and whose rows may break across pages. Wide tables get landscape sections.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

RED = RGBColor(0xE6, 0x00, 0x12)
SONG = {"simplified": "Noto Serif CJK SC", "traditional": "Noto Serif CJK TC"}
KAI = {"simplified": "AR PL UKai CN", "traditional": "AR PL UKai TW"}
HEI = "WenQuanYi Zen Hei"
BODY_PT = 16
TABLE_PT = 10.5


class Renderer:
    def __init__(self, src: dict[str, Any], workdir: Path, table_rules: str = "grid") -> None:
        self.table_rules = table_rules  # grid (every cell ruled), none, or three-line (see producers.yaml)
        self.src = src
        self.workdir = workdir
        self.script = src["script"]
        self.song = SONG[self.script]
        self.kai = KAI[self.script]
        self.doc = Document()
        self._setup()

    # ------------------------------------------------------------------ page set-up
    def _setup(self) -> None:
        props = self.doc.core_properties
        props.author = "办公室"
        props.title = self.src["meta"]["title"] or ""
        style = self.doc.styles["Normal"]
        self._font(style, self.song, BODY_PT)
        fmt = style.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.widow_control = False
        self._page(self.doc.sections[0], landscape=False)

    def _page(self, section: Any, landscape: bool) -> None:
        short, long_ = Mm(210), Mm(297)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
        if landscape:
            section.top_margin, section.bottom_margin = Mm(26), Mm(24)
            section.left_margin, section.right_margin = Mm(30), Mm(30)
        else:
            section.top_margin, section.bottom_margin = Mm(37), Mm(35)
            section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(20)
        self._footer(section)

    def _footer(self, section: Any) -> None:
        footer = section.footer
        footer.is_linked_to_previous = False
        para = footer.paragraphs[0]
        para.text = ""
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(para, "— ", self.song, 14)
        run = para.add_run()
        self._font(run, self.song, 14)
        fld = OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), "PAGE")
        inner = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        inner.append(text)
        fld.append(inner)
        run._r.addnext(fld)
        self._run(para, " —", self.song, 14)

    # ------------------------------------------------------------------ primitives
    @staticmethod
    def _font(target: Any, face: str, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
        font = target.font
        font.name = face
        font.size = Pt(size)
        font.bold = bold
        if color is not None:
            font.color.rgb = color
        rpr = target.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), face)

    def _run(
        self,
        para: Any,
        text: str,
        face: str | None = None,
        size: float = BODY_PT,
        bold: bool = False,
        color: RGBColor | None = None,
    ) -> Any:
        run = para.add_run(text)
        self._font(run, face or self.song, size, bold, color)
        return run

    def _para(self, align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True, line: float | None = 28) -> Any:
        para = self.doc.add_paragraph()
        para.alignment = align
        fmt = para.paragraph_format
        if getattr(self, "break_next", False):
            fmt.page_break_before = True
            self.break_next = False
        if indent:
            fmt.first_line_indent = Pt(BODY_PT * 2)
        if line is None:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing = Pt(line)
        return para

    def _rich(self, para: Any, text: str, face: str | None = None, size: float = BODY_PT) -> None:
        """Text with <b>…</b> spans rendered bold."""
        for i, piece in enumerate(re.split(r"</?b>", text)):
            if piece:
                self._run(para, piece, face, size, bold=i % 2 == 1)

    def _rule(self, para: Any, color: str = "E60012", size: int = 18, where: str = "bottom") -> None:
        ppr = para._p.get_or_add_pPr()
        borders = ppr.find(qn("w:pBdr"))
        if borders is None:
            borders = OxmlElement("w:pBdr")
            ppr.append(borders)
        edge = OxmlElement(f"w:{where}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "4")
        edge.set(qn("w:color"), color)
        borders.append(edge)

    def _blank(self, n: int = 1) -> None:
        for _ in range(n):
            self._para(indent=False)

    def _new_section(self, landscape: bool, columns: int = 1, continuous: bool = False) -> None:
        section = self.doc.add_section(WD_SECTION.CONTINUOUS if continuous else WD_SECTION.NEW_PAGE)
        self._page(section, landscape)
        cols = section._sectPr.find(qn("w:cols"))
        if cols is None:
            cols = OxmlElement("w:cols")
            section._sectPr.append(cols)
        cols.set(qn("w:num"), str(columns))
        cols.set(qn("w:space"), str(int(Mm(8).twips)) if hasattr(Mm(8), "twips") else "454")

    # ------------------------------------------------------------------ blocks
    def render(self) -> Document:
        for block in self.src["body"]:
            kind, value = next(iter(block.items()))
            getattr(self, f"block_{kind}")(value)
        return self.doc

    def block_masthead(self, value: dict[str, Any]) -> None:
        for i, line in enumerate(value["lines"]):
            para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
            size = 36 if i == len(value["lines"]) - 1 else 24
            self._run(para, line, self.song, size, bold=True, color=RED)
            para.paragraph_format.space_after = Pt(6)

    def block_issuer_date(self, value: dict[str, Any]) -> None:
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT, indent=False)
        para.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)  # right tab
        self._run(para, value["issuer"], self.kai, 15)
        self._run(para, "\t" + value["date"], self.kai, 15)
        self._rule(para, size=24)
        self._blank()

    def block_redhead(self, value: dict[str, Any]) -> None:
        self._blank(1)
        para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
        run = self._run(para, value["issuer_line"], self.song, 30, bold=True, color=RED)
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), "-20")
        run._r.get_or_add_rPr().append(spacing)
        self._blank(1)
        para = self._para(
            WD_ALIGN_PARAGRAPH.CENTER if not value.get("signer") else WD_ALIGN_PARAGRAPH.LEFT, indent=False
        )
        if value.get("signer"):
            para.paragraph_format.left_indent = Pt(BODY_PT)
            para.paragraph_format.tab_stops.add_tab_stop(Mm(150), alignment=2)
            self._run(para, value["doc_number"])
            self._run(para, "\t" + value["signer"].split("：")[0] + "：")
            self._run(para, value["signer"].split("：")[1], self.kai)
        else:
            self._run(para, value["doc_number"])
        self._rule(para, size=18)
        self._blank()

    def block_title(self, value: str) -> None:
        para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=36)
        lines = value.split("\n")
        for i, line in enumerate(lines):
            run = self._run(para, line, self.song, 22, bold=True)
            if i < len(lines) - 1:
                run.add_break(WD_BREAK.LINE)
        self._blank()

    def block_byline(self, value: str) -> None:
        para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        self._run(para, value, self.kai, 14)

    def block_lead(self, value: str) -> None:
        para = self._para(WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, line=22)
        para.paragraph_format.left_indent = Mm(12)
        para.paragraph_format.right_indent = Mm(12)
        para.paragraph_format.space_before = Pt(6)
        para.paragraph_format.space_after = Pt(10)
        self._run(para, value, self.kai, 12)
        self._rule(para, "808080", 6, "top")
        self._rule(para, "808080", 6, "bottom")

    def block_columns(self, value: int) -> None:
        self._new_section(landscape=False, columns=value, continuous=True)

    def block_salutation(self, value: str) -> None:
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT, indent=False)
        self._run(para, value)

    def block_p(self, value: str) -> None:
        size = 11 if self.src["style"] == "article" else BODY_PT
        para = self._para(line=19 if size < BODY_PT else 28)
        para.paragraph_format.first_line_indent = Pt(size * 2)
        self._rich(para, value, size=size)

    def block_heading(self, value: dict[str, Any]) -> None:
        level_one = value["label"].endswith("、") and not value["label"][0].isdigit()
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT)
        if level_one:
            self._run(para, value["label"] + value["text"], HEI, BODY_PT)
        else:
            self._run(para, value["label"] + value["text"], self.kai, BODY_PT, bold=value["label"][0] in "（(")

    def block_section(self, value: dict[str, Any]) -> None:
        article = self.src["style"] == "article"
        size = 11 if article else BODY_PT
        para = self._para(line=19 if article else 28)
        para.paragraph_format.first_line_indent = Pt(size * 2)
        heading = value.get("heading")
        if heading:
            face = HEI if article else self.kai
            bold = value.get("bold", False) or value["label"][0] in "（("
            self._run(para, value["label"] + heading + value["sep"], face, size, bold=bold)
            self._rich(para, value["text"], size=size)
        else:
            # "1." is followed by a space, or "1.7月27日" would read as the number 1.7
            spacer = " " if value["label"][-1] in ".．" else ""
            self._rich(para, value["label"] + spacer + value["text"], size=size)

    def block_figure(self, value: dict[str, Any]) -> None:
        from figures import make_figure

        image = make_figure(value["image"], value["caption"], self.workdir, self.src)
        para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
        width = Mm(75) if self.src["style"] == "article" else Mm(140)
        para.add_run().add_picture(str(image), width=width)
        cap = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
        self._run(cap, value["caption"], self.kai, 10.5 if self.src["style"] == "article" else 14)
        cap.paragraph_format.space_after = Pt(8)

    def block_attachment_list(self, value: dict[str, Any]) -> None:
        self._blank()
        label = value.get("label", "附件：")
        items = value["items"]
        numbered = len(items) > 1
        for i, item in enumerate(items):
            para = self._para(WD_ALIGN_PARAGRAPH.LEFT, indent=False)
            para.paragraph_format.left_indent = Pt(
                BODY_PT * 2 + BODY_PT * len(label) + (BODY_PT * 1.5 if numbered else 0)
            )
            para.paragraph_format.first_line_indent = (
                -Pt(BODY_PT * len(label) + (BODY_PT * 1.5 if numbered else 0))
                if i == 0
                else -Pt(BODY_PT * 1.5 if numbered else 0)
            )
            prefix = (label if i == 0 else "") + (f"{i + 1}. " if numbered else "")
            self._run(para, prefix + item)

    def block_signature(self, value: dict[str, Any]) -> None:
        self._blank(2)
        for line in (value["issuer"], value["date"]):
            para = self._para(WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
            para.paragraph_format.right_indent = Pt(BODY_PT * 2)
            self._run(para, line)

    def block_note(self, value: str) -> None:
        self._blank()
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT)
        self._run(para, value)

    def block_pagebreak(self, value: Any) -> None:
        self.break_next = True

    def block_attachment(self, value: dict[str, Any]) -> None:
        landscape = bool(value.get("landscape"))
        self._new_section(landscape)
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT, indent=False)
        number = value["number"]
        self._run(para, "附件" if number is None else f"附件 {number}:", HEI, BODY_PT)
        para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=36)
        self._run(para, value["title"], self.song, 20, bold=True)
        para.paragraph_format.space_after = Pt(6)
        self.landscape = landscape

    def block_table(self, value: dict[str, Any]) -> None:
        from build import MERGED_ABOVE, centred_cell, read_table

        grid = read_table(self.src["folder"], value["csv"])
        if value.get("caption"):
            para = self._para(WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
            para.paragraph_format.space_before = Pt(10)
            para.paragraph_format.space_after = Pt(4)
            self._run(para, value["caption"], HEI, 14)
        ncols = len(grid[0])
        table = self.doc.add_table(rows=len(grid), cols=ncols)
        if self.table_rules == "grid":
            table.style = "Table Grid"
        elif self.table_rules == "three-line":
            three_line_borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        widths = column_widths(grid, usable_mm(getattr(self, "landscape", False)))
        table.autofit = False
        for c, column in enumerate(table.columns):
            column.width = Mm(widths[c])
        size = value.get("font_size", TABLE_PT)
        for r, row in enumerate(grid):
            for c in range(ncols):
                cell = table.cell(r, c)
                cell.width = Mm(widths[c])
                text = row[c] if c < len(row) else ""
                if text == MERGED_ABOVE:
                    continue
                para = cell.paragraphs[0]
                para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                para.paragraph_format.first_line_indent = Pt(0)
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred_cell(text, r == 0) else WD_ALIGN_PARAGRAPH.LEFT
                self._run(para, text, HEI if r == 0 else self.song, size, bold=r == 0)
        for c in range(ncols):  # vertical merges
            r = 1
            while r < len(grid):
                if c < len(grid[r]) and grid[r][c] == MERGED_ABOVE:
                    top = r - 1
                    while r < len(grid) and c < len(grid[r]) and grid[r][c] == MERGED_ABOVE:
                        r += 1
                    text = table.cell(top, c).text
                    merged = table.cell(top, c).merge(table.cell(r - 1, c))
                    # merge() concatenates empty paragraphs; keep only the label
                    for extra in merged.paragraphs[1:]:
                        extra._p.getparent().remove(extra._p)
                    assert merged.text == text
                else:
                    r += 1
        header = table.rows[0]._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        header.append(flag)
        if value.get("note"):
            self.block_table_note(value["note"])

    def block_table_note(self, value: str) -> None:
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT, indent=False, line=None)
        self._run(para, value, self.song, 12)

    def block_distribution(self, value: dict[str, Any]) -> None:
        if getattr(self, "landscape", False):
            self._new_section(landscape=False)
            self.landscape = False
        self._blank(2)
        first = True
        for key in ("报", "抄送"):
            if key not in value:
                continue
            para = self._para(WD_ALIGN_PARAGRAPH.JUSTIFY, indent=False)
            para.paragraph_format.left_indent = Pt(14 * (len(key) + 2))
            para.paragraph_format.first_line_indent = -Pt(14 * (len(key) + 1))
            self._run(para, f"{key}：", self.song, 14)
            self._run(para, value[key].removeprefix(f"{key}："), self.song, 14)
            if first:
                self._rule(para, "000000", 8, "top")
                first = False
        para = self._para(WD_ALIGN_PARAGRAPH.LEFT, indent=False)
        para.paragraph_format.left_indent = Pt(14)
        para.paragraph_format.tab_stops.add_tab_stop(Mm(150), alignment=2)
        self._run(para, value["printed_by"], self.song, 14)
        self._run(para, "\t" + value["printed_date"], self.song, 14)
        self._rule(para, "000000", 8, "top")
        self._rule(para, "000000", 8, "bottom")


def usable_mm(landscape: bool) -> float:
    return 297 - 60 if landscape else 210 - 54


def column_widths(grid: list[list[str]], total: float, font_pt: float = TABLE_PT) -> list[float]:
    """Column widths (mm) from each column's median text length, as a clerk drags them by eye.

    Long cells then wrap inside their column ("市市场监管局" over two lines), as in the originals.
    """
    char_mm = font_pt * 0.3528 * 1.02
    ncols = len(grid[0])
    need = []
    for c in range(ncols):
        lengths = sorted(len(row[c]) for row in grid[1:] if c < len(row) and row[c])
        median = lengths[len(lengths) // 2] if lengths else 2
        need.append(max(2.0, min(float(median), 14.0), min(len(grid[0][c]), 4)) + 0.6)
    natural = sum(need) * char_mm
    scale = total / natural
    return [n * char_mm * scale for n in need]


def three_line_borders(table: Any) -> None:
    """The 三线表: a heavy rule above and below the table, a thin one under the header row."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", 12), ("bottom", 12)):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:color"), "000000")
        borders.append(element)
    tbl_pr.append(borders)
    for cell in table.rows[0].cells:
        tc_pr = cell._tc.get_or_add_tcPr()
        cell_borders = OxmlElement("w:tcBorders")
        bottom = OxmlElement("w:bottom")
        bottom.set(qn("w:val"), "single")
        bottom.set(qn("w:sz"), "6")
        bottom.set(qn("w:color"), "000000")
        cell_borders.append(bottom)
        tc_pr.append(cell_borders)


def render_document(src: dict[str, Any], out: Path, workdir: Path, table_rules: str = "grid") -> Path:
    Renderer(src, workdir, table_rules).render().save(str(out))
    return out


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))
