"""structure.Assembler, one step at a time: each layout rule of a government document on a few
hand-made blocks (paragraphs as the layout and paragraph stages make them, page tables as the
table readers make them)."""

from __future__ import annotations

from extract.model import Cell, PageTable, TextLine
from extract.structure import Assembler, Para


def para(text: str, page: int = 1, top: float = 100.0, size: float = 16.0, centered: bool = False) -> Para:
    line = TextLine(text, page, (90.0, top, 90.0 + size * len(text), top + size), size=size, centered=centered)
    return Para(lines=[line], text=text, original=text)


def page_table(page: int, *rows: list[str], top: float = 120.0) -> PageTable:
    xs = [90.0 + 100 * c for c in range(len(rows[0]) + 1)]
    ys = [top + 20 * r for r in range(len(rows) + 1)]
    grid = [
        [Cell(text, page, (xs[c], ys[r], xs[c + 1], ys[r + 1])) for c, text in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    return PageTable(page, (xs[0], ys[0], xs[-1], ys[-1]), grid, True, xs, ys)


def assemble(*blocks: Para | PageTable) -> Assembler:
    assembler = Assembler(list(blocks))
    for index, block in enumerate(blocks):
        assembler.take(index, block)
    assembler.finish()
    return assembler


def test_section_heading_opens_a_section_and_body_text_goes_into_it() -> None:
    done = assemble(para("一、总体要求"), para("以习近平新时代中国特色社会主义思想为指导。", top=130))
    (section,) = done.sections.sections
    assert (section.label, section.heading, section.text) == (
        "一、",
        "总体要求",
        "以习近平新时代中国特色社会主义思想为指导。",
    )
    assert [p.kind for p in done.paragraphs] == ["heading", "body"]


def test_heading_tail_joins_a_heading_wrapped_onto_a_centred_line() -> None:
    done = assemble(para("一、关于进一步加强数据共享"), para("工作的意见", top=118, centered=True))
    assert done.sections.sections[0].heading == "关于进一步加强数据共享工作的意见"


def test_attachment_head_and_title_then_its_table_titled_by_it() -> None:
    done = assemble(
        para("附件2：", top=60),
        para("数据推送排名表", top=130, size=20, centered=True),
        page_table(1, ["序号", "部门"], ["1", "市公安局"], ["2", "市民政局"], top=170),
    )
    (attachment,) = done.attachments
    assert (attachment.number, attachment.title) == (2, "数据推送排名表")
    (table,) = done.tables
    assert (table.attachment, table.title) == (2, "数据推送排名表")


def test_attachment_list_titles_attachments_that_print_no_title() -> None:
    done = assemble(para("附件：1. 数据归集排名表"), para("2. 数据推送排名表", top=130), para("附件1", page=2))
    assert done.listed == {1: "数据归集排名表", 2: "数据推送排名表"}
    assert [(a.number, a.title) for a in done.attachments] == [(1, "数据归集排名表")]


def test_table_part_on_the_next_page_with_the_header_again_is_stitched() -> None:
    done = assemble(
        page_table(1, ["序号", "部门"], ["1", "市公安局"], ["2", "市民政局"]),
        page_table(2, ["序号", "部门"], ["3", "市财政局"], top=80),
    )
    (table,) = done.tables
    assert [row[1].text for row in table.rows] == ["市公安局", "市民政局", "市财政局"]
    assert table.pages == [1, 2]


def test_prose_between_two_parts_closes_the_table() -> None:
    done = assemble(
        page_table(1, ["序号", "部门"], ["1", "市公安局"], ["2", "市民政局"]),
        para("具体清单如下：", top=200),
        page_table(1, ["序号", "部门"], ["3", "市财政局"], ["4", "市商务局"], top=230),
    )
    assert len(done.tables) == 2


def test_table_note_under_a_table_is_kept_with_it() -> None:
    done = assemble(
        page_table(1, ["序号", "部门"], ["1", "市公安局"], ["2", "市民政局"]), para("注：只统计市本级。", top=200)
    )
    assert done.tables[0].notes == ["注：只统计市本级。"]
    assert done.paragraphs[-1].kind == "note"


def test_metadata_lines_are_not_body_text() -> None:
    title = para("关于印发工作要点的通知")
    assembler = Assembler([title], used={id(title)})
    assembler.take(0, title)
    assert assembler.paragraphs == []


def test_a_table_after_its_note_is_another_table() -> None:
    """A note closes what is above it: the next part, even with the same columns, is not stitched across it."""
    done = assemble(
        page_table(1, ["序号", "部门"], ["1", "市公安局"], ["2", "市民政局"]),
        para("注：只统计市本级。", top=200),
        page_table(2, ["序号", "部门"], ["3", "市财政局"], ["4", "市商务局"], top=80),
    )
    assert len(done.tables) == 2
    assert done.tables[0].notes == ["注：只统计市本级。"]


def test_unruled_parts_with_overlapping_column_gaps_are_one_table() -> None:
    """Unruled columns move with the longest text on each page: the white between them overlaps."""
    first = page_table(1, ["序号", "部门", "数量"], ["1", "市公安局", "3"], ["2", "市民政局", "4"])
    second = page_table(2, ["序号", "部门", "数量"], ["3", "杭州市千岛湖原水股份有限公司", "5"], top=80)
    first.ruled = second.ruled = False
    first.gaps = [(130.0, 150.0), (240.0, 300.0)]
    second.gaps = [(125.0, 145.0), (290.0, 296.0)]  # a long name on page 2 pushes the second gap right
    second.xs = [80.0, 135.0, 293.0, 330.0]
    (table,) = assemble(first, second).tables
    assert [row[1].text for row in table.rows] == ["市公安局", "市民政局", "杭州市千岛湖原水股份有限公司"]


def test_a_header_read_again_by_ocr_with_its_characters_reordered_is_the_same_header() -> None:
    """OCR reads a name stacked in a narrow cell in another order on the next page (核定金額 /
    金核定額): still the table's header, dropped, the part stitched. A header with another word in
    it (区县 for 单位) is another table's."""
    header = ["序号", "单位", "核定金額", "主辦機關"]
    again = ["序号", "单位", "金核定額", "主辦機關"]
    other = ["序号", "区县", "核定金額", "主辦機關"]
    first = page_table(1, header, ["1", "市公安局", "3", "甲"], ["2", "市民政局", "4", "乙"])
    done = assemble(first, page_table(2, again, ["3", "市财政局", "5", "丙"], top=80))
    (table,) = done.tables
    assert [row[0].text for row in table.rows] == ["1", "2", "3"]
    first = page_table(1, header, ["1", "市公安局", "3", "甲"], ["2", "市民政局", "4", "乙"])
    assert len(assemble(first, page_table(2, other, ["3", "市财政局", "5", "丙"], top=80)).tables) == 2


def test_a_long_caption_read_again_with_a_slip_or_its_period_run_on_is_the_same_caption() -> None:
    from extract.structure import same_title

    title = "澎湖縣政府91年度對議員所提地方建設建議事項處理明細表"
    assert same_title(title, title.replace("事項", "争項"))  # one character misread by OCR
    assert same_title(title, title + "91年10至12月份")  # the period line read onto it
    assert not same_title("2024年收入决算总表", "2024年支出决算总表")  # short titles must match
    assert not same_title(title + "（表1）", title + "（表2）")  # its figures differ
