"""Render a corpus source straight to PDF with ReportLab, the way report generators do.

Report servers behind statistics systems and OA platforms write PDFs directly (ReportLab,
iText, FineReport), with no word processor in between: every line placed by the program, the
font embedded as a TrueType subset, tables drawn as the template says. The table style is the
rendering's choice (see producers.yaml):

- ``none``: no rules at all, columns apart only by white space (a plain-text report);
- ``zebra``: alternate rows shaded with filled rectangles and a grid drawn in white, so the
  rules exist in the file but cannot be seen (a template's "hidden" borders);
- ``grid``: every cell ruled, for comparison.

Long cells wrap inside their column; merged cells print their label once, at the top of the
span. The header row repeats on every page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from render_docx import column_widths, usable_mm
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

rl_config.invariant = 1  # no time stamps or random ids: same sources, same bytes
FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian fonts-wqy-zenhei
FONT = "WenQuanYiZenHei"
ZEBRA = colors.Color(0.9, 0.9, 0.9)


def style(
    name: str, size: float, leading: float, align: int = TA_JUSTIFY, indent: float = 0, **kw: Any
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=FONT,
        fontSize=size,
        leading=leading,
        alignment=align,
        firstLineIndent=indent,
        wordWrap="CJK",
        **kw,
    )


BODY = style("body", 15, 26, indent=30)
PLAIN = style("plain", 15, 26, TA_LEFT)
RIGHT = style("right", 15, 26, TA_RIGHT, rightIndent=30)
TITLE = style("title", 20, 32, TA_CENTER)
CAPTION = style("caption", 13, 20, TA_CENTER, spaceBefore=8, spaceAfter=4)
NOTE = style("note", 11, 16, TA_LEFT, spaceBefore=4)
MASTHEAD = style("masthead", 30, 40, TA_CENTER, textColor=colors.Color(0.9, 0, 0.07))
CELL = {
    "left": style("cell-left", 9.5, 12.5, TA_LEFT),
    "center": style("cell-center", 9.5, 12.5, TA_CENTER),
}


def rich(text: str) -> str:
    from build import bold_markup

    return bold_markup(escape(text))


class PdfRenderer:
    def __init__(self, src: dict[str, Any], workdir: Path, table_style: str, wide: bool) -> None:
        self.src = src
        self.workdir = workdir
        self.table_style = table_style
        self.wide = wide
        self.flow: list[Any] = []

    def render(self) -> list[Any]:
        for block in self.src["body"]:
            kind, value = next(iter(block.items()))
            getattr(self, f"block_{kind}")(value)
        return self.flow

    def para(self, text: str, st: ParagraphStyle = BODY) -> None:
        self.flow.append(Paragraph(text, st))

    def blank(self, height: float = 26) -> None:
        self.flow.append(Spacer(1, height))

    # ------------------------------------------------------------------ blocks
    def block_masthead(self, value: dict[str, Any]) -> None:
        for line in value["lines"]:
            self.para(escape(line), MASTHEAD)

    def block_issuer_date(self, value: dict[str, Any]) -> None:
        self.flow.append(
            Table(
                [[Paragraph(escape(value["issuer"]), PLAIN), Paragraph(escape(value["date"]), RIGHT)]],
                style=[("LINEBELOW", (0, 0), (-1, 0), 2, colors.Color(0.9, 0, 0.07))],
            )
        )
        self.blank()

    def block_redhead(self, value: dict[str, Any]) -> None:
        self.blank()
        self.para(escape(value["issuer_line"]), MASTHEAD)
        self.blank()
        self.para(
            escape(value["doc_number"] + ("    " + value["signer"] if value.get("signer") else "")),
            style("dn", 15, 26, TA_CENTER),
        )
        self.blank()

    def block_title(self, value: str) -> None:
        self.para("<br/>".join(escape(x) for x in value.split("\n")), TITLE)
        self.blank()

    def block_byline(self, value: str) -> None:
        self.para(escape(value), style("byline", 13, 22, TA_CENTER))

    def block_lead(self, value: str) -> None:
        self.para(escape(value), style("lead", 11, 20, indent=22, leftIndent=30, rightIndent=30))

    def block_columns(self, value: int) -> None:
        pass

    def block_salutation(self, value: str) -> None:
        self.para(escape(value), PLAIN)

    def block_p(self, value: str) -> None:
        self.para(rich(value))

    def block_heading(self, value: dict[str, Any]) -> None:
        self.para(escape(value["label"] + value["text"]))

    def block_section(self, value: dict[str, Any]) -> None:
        heading = value.get("heading")
        if heading:
            lead = escape(value["label"] + heading + value["sep"])
            bold = value.get("bold", False) or value["label"][0] in "（("
            self.para((f"<b>{lead}</b>" if bold else lead) + rich(value["text"]))
        else:
            spacer = " " if value["label"][-1] in ".．" else ""
            self.para(rich(value["label"] + spacer + value["text"]))

    def block_figure(self, value: dict[str, Any]) -> None:
        from figures import make_figure

        image = make_figure(value["image"], value["caption"], self.workdir, self.src)
        picture = Image(str(image))
        scale = 130 * mm / picture.drawWidth
        picture.drawWidth, picture.drawHeight = picture.drawWidth * scale, picture.drawHeight * scale
        self.flow.append(picture)
        self.para(escape(value["caption"]), CAPTION)

    def block_attachment_list(self, value: dict[str, Any]) -> None:
        label = value.get("label", "附件：")
        items = value["items"]
        numbered = len(items) > 1
        self.blank()
        for i, item in enumerate(items):
            prefix = (label if i == 0 else "") + (f"{i + 1}. " if numbered else "")
            left = 15 * (2 + len(label) + (1.5 if numbered else 0))
            self.para(escape(prefix + item), style(f"list{i}", 15, 26, TA_LEFT, indent=-(left - 30), leftIndent=left))

    def block_signature(self, value: dict[str, Any]) -> None:
        self.blank(52)
        for line in (value["issuer"], value["date"]):
            self.para(escape(line), RIGHT)

    def block_note(self, value: str) -> None:
        self.blank()
        self.para(escape(value))

    def block_pagebreak(self, value: Any) -> None:
        self.flow.append(PageBreak())

    def block_attachment(self, value: dict[str, Any]) -> None:
        self.flow.append(PageBreak())
        number = value["number"]
        self.para(escape("附件" if number is None else f"附件 {number}:"), PLAIN)
        self.para(escape(value["title"]), TITLE)

    def block_table(self, value: dict[str, Any]) -> None:
        from build import MERGED_ABOVE, centred_cell, merged_rows, read_table

        grid = read_table(self.src["folder"], value["csv"])
        if value.get("caption"):
            self.para(escape(value["caption"]), CAPTION)
        ncols = len(grid[0])
        widths = [w * mm for w in column_widths(grid, usable_mm(self.wide) - 6, 9.5)]
        data = []
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for r, row in enumerate(grid):
            cells = []
            for c in range(ncols):
                text = row[c] if c < len(row) else ""
                if text == MERGED_ABOVE:
                    cells.append("")
                    continue
                align = "center" if centred_cell(text, header=r == 0) else "left"
                cells.append(Paragraph(f"<b>{escape(text)}</b>" if r == 0 else escape(text), CELL[align]))
                span = merged_rows(grid, r, c)
                if span > 1:
                    commands.append(("SPAN", (c, r), (c, r + span - 1)))
            data.append(cells)
        if self.table_style == "zebra":
            commands += [
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [ZEBRA, colors.white]),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.8, 0.85, 0.92)),
                ("GRID", (0, 0), (-1, -1), 0.75, colors.white),
            ]
        elif self.table_style == "grid":
            commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
        self.flow.append(Table(data, colWidths=widths, repeatRows=1, style=TableStyle(commands), hAlign="CENTER"))
        if value.get("note"):
            self.block_table_note(value["note"])

    def block_table_note(self, value: str) -> None:
        self.para(escape(value), NOTE)

    def block_distribution(self, value: dict[str, Any]) -> None:
        self.flow.append(PageBreak())
        for key in ("报", "抄送"):
            if key in value:
                text = f"{key}：" + value[key].removeprefix(f"{key}：")
                self.para(
                    escape(text),
                    style(f"dist-{key}", 13, 22, TA_LEFT, indent=-13 * (len(key) + 1), leftIndent=13 * (len(key) + 1)),
                )
        self.para(escape(value["printed_by"] + "    " + value["printed_date"]), style("printed", 13, 22, TA_LEFT))


def footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 12)
    canvas.drawCentredString(doc.pagesize[0] / 2, 14 * mm, f"- {doc.page} -")
    canvas.restoreState()


def render_pdf(src: dict[str, Any], out: Path, workdir: Path, table_style: str, wide: bool) -> Path:
    pdfmetrics.registerFont(TTFont(FONT, FONT_FILE, subfontIndex=0))
    size = landscape(A4) if wide else A4
    margins = (24 * mm, 24 * mm, 26 * mm, 24 * mm) if wide else (28 * mm, 26 * mm, 34 * mm, 30 * mm)
    doc = SimpleDocTemplate(
        str(out),
        pagesize=size,
        leftMargin=margins[0],
        rightMargin=margins[1],
        topMargin=margins[2],
        bottomMargin=margins[3],
        title=src["meta"]["title"] or "",
        author="",
        creator="",
    )
    flow = PdfRenderer(src, workdir, table_style, wide).render()
    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return out
