"""Render a corpus source as HTML and print it to PDF with headless Chromium (Skia's PDF backend).

Web CMSes print notices and bulletins this way, and HTML-to-PDF services behind report systems
do the same: text set by the browser, tables from CSS borders. The table style is the
rendering's choice (see producers.yaml):

- ``three-line``: the 三线表 of statistical publications, a rule above the table, one under the
  header row and one at the bottom, no vertical rules at all;
- ``none``: no rules, columns kept apart only by white space;
- ``rows``: a rule under every row and none between columns (a merged label's column is not
  crossed by the rules of the rows it spans);
- ``grid``: every cell ruled, for comparison.

Merged cells print their label once, in their first row (``vertical-align: top``), as a reader
of an unruled table expects. The header row repeats on every page (``thead``).
"""

from __future__ import annotations

import html
import subprocess
from pathlib import Path
from typing import Any

from render_docx import column_widths, usable_mm

SONG = {"simplified": "Noto Serif CJK SC", "traditional": "Noto Serif CJK TC"}
HEI = {"simplified": "Noto Sans CJK SC", "traditional": "Noto Sans CJK TC"}
KAI = {"simplified": "AR PL UKai CN", "traditional": "AR PL UKai TW"}

TABLE_RULES = {
    "three-line": """
      table.data { border-top: 1.5pt solid #000; border-bottom: 1.5pt solid #000; }
      table.data thead th { border-bottom: 0.75pt solid #000; }
    """,
    "none": "",
    "grid": "table.data th, table.data td { border: 0.5pt solid #000; }",
    "rows": "table.data tr { border-bottom: 0.5pt solid #000; } table.data { border-top: 0.5pt solid #000; }",
}


def rich(text: str) -> str:
    from build import bold_markup

    return bold_markup(html.escape(text))


class HtmlRenderer:
    def __init__(self, src: dict[str, Any], workdir: Path, table_style: str, landscape: bool) -> None:
        self.src = src
        self.workdir = workdir
        self.table_style = table_style
        self.landscape_all = landscape
        self.script = src["script"]
        self.parts: list[str] = []
        self.landscape = landscape

    def render(self) -> str:
        for block in self.src["body"]:
            kind, value = next(iter(block.items()))
            getattr(self, f"block_{kind}")(value)
        return self.page()

    def page(self) -> str:
        size = "A4 landscape" if self.landscape_all else "A4"
        song, hei, kai = SONG[self.script], HEI[self.script], KAI[self.script]
        return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(self.src["meta"]["title"] or "")}</title>
<style>
  @page {{ size: {size}; margin: 30mm 26mm 28mm 28mm; }}
  @page wide {{ size: A4 landscape; margin: 22mm 24mm 22mm 24mm; }}
  body {{ font-family: "{song}"; font-size: 16pt; line-height: 28pt; margin: 0; }}
  p {{ margin: 0; text-align: justify; }}
  p.body {{ text-indent: 2em; }}
  .masthead {{ color: #e60012; text-align: center; font-weight: bold; line-height: 1.3; }}
  .rule {{ border-bottom: 2pt solid #e60012; }}
  .hei {{ font-family: "{hei}"; }}
  .kai {{ font-family: "{kai}"; }}
  .center {{ text-align: center; }}
  .right {{ text-align: right; padding-right: 2em; }}
  .title {{ text-align: center; font-size: 22pt; line-height: 36pt; font-weight: bold; }}
  .attachment {{ break-before: page; }}
  .wide {{ page: wide; }}
  .caption {{ text-align: center; font-family: "{hei}"; font-size: 14pt; line-height: 20pt; margin: 10pt 0 4pt; }}
  .note {{ font-size: 12pt; line-height: 18pt; margin-top: 4pt; }}
  table.data {{ border-collapse: collapse; margin: 0 auto; font-size: 10.5pt; line-height: 14pt; }}
  table.data th {{ font-family: "{hei}"; font-weight: bold; }}
  table.data th, table.data td {{ padding: 2pt 4pt; vertical-align: top; }}
  table.data tr {{ break-inside: avoid; }}
  {TABLE_RULES[self.table_style]}
  figure {{ text-align: center; margin: 6pt 0; }}
  figure img {{ width: 140mm; }}
  figcaption {{ font-family: "{kai}"; font-size: 14pt; }}
</style></head><body>
{"".join(self.parts)}
</body></html>
"""

    def add(self, text: str) -> None:
        self.parts.append(text + "\n")

    # ------------------------------------------------------------------ blocks
    def block_masthead(self, value: dict[str, Any]) -> None:
        lines = value["lines"]
        for i, line in enumerate(lines):
            size = 36 if i == len(lines) - 1 else 24
            self.add(f'<p class="masthead" style="font-size:{size}pt">{html.escape(line)}</p>')

    def block_issuer_date(self, value: dict[str, Any]) -> None:
        self.add(
            '<p class="kai rule" style="font-size:15pt;display:flex;justify-content:space-between">'
            f"<span>{html.escape(value['issuer'])}</span><span>{html.escape(value['date'])}</span></p><p>&nbsp;</p>"
        )

    def block_redhead(self, value: dict[str, Any]) -> None:
        self.add(f'<p>&nbsp;</p><p class="masthead" style="font-size:30pt">{html.escape(value["issuer_line"])}</p>')
        signer = value.get("signer")
        if signer:
            key, name = signer.split("：")
            self.add(
                '<p class="rule" style="display:flex;justify-content:space-between;padding-left:1em">'
                f'<span>{html.escape(value["doc_number"])}</span><span>{html.escape(key)}：<span class="kai">'
                f"{html.escape(name)}</span></span></p><p>&nbsp;</p>"
            )
        else:
            self.add(f'<p class="center rule">{html.escape(value["doc_number"])}</p><p>&nbsp;</p>')

    def block_title(self, value: str) -> None:
        self.add(f'<p class="title">{"<br>".join(html.escape(x) for x in value.split(chr(10)))}</p><p>&nbsp;</p>')

    def block_byline(self, value: str) -> None:
        self.add(f'<p class="center kai" style="font-size:14pt">{html.escape(value)}</p>')

    def block_lead(self, value: str) -> None:
        self.add(
            f'<p class="kai body" style="font-size:12pt;line-height:22pt;margin:6pt 12mm">{html.escape(value)}</p>'
        )

    def block_columns(self, value: int) -> None:
        pass  # one column: a browser's print does not flow a page into two

    def block_salutation(self, value: str) -> None:
        self.add(f"<p>{html.escape(value)}</p>")

    def block_p(self, value: str) -> None:
        self.add(f'<p class="body">{rich(value)}</p>')

    def block_heading(self, value: dict[str, Any]) -> None:
        level_one = value["label"].endswith("、") and not value["label"][0].isdigit()
        face = "hei" if level_one else "kai"
        self.add(f'<p class="body {face}">{html.escape(value["label"] + value["text"])}</p>')

    def block_section(self, value: dict[str, Any]) -> None:
        heading = value.get("heading")
        if heading:
            bold = value.get("bold", False) or value["label"][0] in "（("
            lead = html.escape(value["label"] + heading + value["sep"])
            lead = f'<span class="kai">{"<b>" + lead + "</b>" if bold else lead}</span>'
            self.add(f'<p class="body">{lead}{rich(value["text"])}</p>')
        else:
            spacer = " " if value["label"][-1] in ".．" else ""
            self.add(f'<p class="body">{rich(value["label"] + spacer + value["text"])}</p>')

    def block_figure(self, value: dict[str, Any]) -> None:
        from figures import make_figure

        image = make_figure(value["image"], value["caption"], self.workdir, self.src)
        self.add(f'<figure><img src="{image.name}"><figcaption>{html.escape(value["caption"])}</figcaption></figure>')

    def block_attachment_list(self, value: dict[str, Any]) -> None:
        label = value.get("label", "附件：")
        items = value["items"]
        numbered = len(items) > 1
        self.add("<p>&nbsp;</p>")
        for i, item in enumerate(items):
            prefix = (label if i == 0 else "") + (f"{i + 1}. " if numbered else "")
            indent = 2 + len(label) + (1.5 if numbered else 0)
            hang = len(label) + (1.5 if numbered else 0) if i == 0 else (1.5 if numbered else 0)
            self.add(f'<p style="padding-left:{indent}em;text-indent:-{hang}em">{html.escape(prefix + item)}</p>')

    def block_signature(self, value: dict[str, Any]) -> None:
        self.add("<p>&nbsp;</p><p>&nbsp;</p>")
        for line in (value["issuer"], value["date"]):
            self.add(f'<p class="right">{html.escape(line)}</p>')

    def block_note(self, value: str) -> None:
        self.add(f'<p>&nbsp;</p><p class="body">{html.escape(value)}</p>')

    def block_pagebreak(self, value: Any) -> None:
        self.add('<div style="break-after: page"></div>')

    def block_attachment(self, value: dict[str, Any]) -> None:
        self.landscape = self.landscape_all or bool(value.get("landscape"))
        wide = " wide" if value.get("landscape") and not self.landscape_all else ""
        number = value["number"]
        label = "附件" if number is None else f"附件 {number}:"
        self.add(f'<div class="attachment{wide}"><p class="hei">{html.escape(label)}</p>')
        self.add(f'<p class="title" style="font-size:20pt">{html.escape(value["title"])}</p>')

    def block_table(self, value: dict[str, Any]) -> None:
        from build import MERGED_ABOVE, centred_cell, merged_rows, read_table

        grid = read_table(self.src["folder"], value["csv"])
        if value.get("caption"):
            self.add(f'<p class="caption">{html.escape(value["caption"])}</p>')
        ncols = len(grid[0])
        widths = column_widths(grid, usable_mm(self.landscape) * 0.98)
        out = ['<table class="data"><colgroup>']
        out += [f'<col style="width:{w:.1f}mm">' for w in widths]
        out.append("</colgroup><thead><tr>")
        out += [f'<th class="center">{html.escape(text)}</th>' for text in grid[0]]
        out.append("</tr></thead><tbody>")
        for r in range(1, len(grid)):
            out.append("<tr>")
            for c in range(ncols):
                text = grid[r][c] if c < len(grid[r]) else ""
                if text == MERGED_ABOVE:
                    continue
                span = merged_rows(grid, r, c)
                align = "center" if centred_cell(text, header=False) else "left"
                rowspan = f' rowspan="{span}"' if span > 1 else ""
                out.append(f'<td style="text-align:{align}"{rowspan}>{html.escape(text)}</td>')
            out.append("</tr>")
        out.append("</tbody></table>")
        self.add("".join(out))
        if value.get("note"):
            self.block_table_note(value["note"])

    def block_table_note(self, value: str) -> None:
        self.add(f'<p class="note">{html.escape(value)}</p>')

    def block_distribution(self, value: dict[str, Any]) -> None:
        self.add('<div style="break-before: page"></div><p>&nbsp;</p>')
        first = True
        for key in ("报", "抄送"):
            if key in value:
                border = "border-top:1pt solid #000;" if first else ""
                text = f"{key}：" + value[key].removeprefix(f"{key}：")
                self.add(
                    f'<p style="{border}font-size:14pt;padding-left:{len(key) + 1}em;text-indent:-{len(key) + 1}em">{html.escape(text)}</p>'
                )
                first = False
        self.add(
            '<p style="font-size:14pt;border-top:1pt solid #000;border-bottom:1pt solid #000;'
            'display:flex;justify-content:space-between;padding:0 1em">'
            f"<span>{html.escape(value['printed_by'])}</span><span>{html.escape(value['printed_date'])}</span></p>"
        )


def render_pdf(src: dict[str, Any], out: Path, workdir: Path, table_style: str, landscape: bool) -> Path:
    page = workdir / "document.html"
    page.write_text(HtmlRenderer(src, workdir, table_style, landscape).render(), encoding="utf-8")
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={workdir / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out
