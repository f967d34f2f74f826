"""Unruled tables, built from characters placed by hand: columns from white space, wrapped names
joined to their row, rows told by a rule, by their padding or by the values in numeric columns,
and what must stay out of the table (a caption above, a note below)."""

from __future__ import annotations

from extract.model import Char, Edge
from extract.tables.unruled import find_unruled_tables

SIZE = 10.0


def text_at(text: str, x: float, top: float, size: float = SIZE) -> list[Char]:
    """Characters of ``text`` set from x, CJK one em wide, digits and Latin half an em."""
    chars = []
    for ch in text:
        width = size if ord(ch) > 0x2E80 else size * 0.5
        chars.append(Char(ch, x, top, x + width, top + size, size, "Song"))
        x += width
    return chars


def rows_of(*cells: tuple[str, float, float]) -> list[list[Char]]:
    """Character rows as layout makes them: by top, each left to right."""
    by_top: dict[float, list[Char]] = {}
    for text, x, top in cells:
        by_top.setdefault(top, []).extend(text_at(text, x, top))
    return [sorted(chars, key=lambda c: c.x0) for _, chars in sorted(by_top.items())]


def grid(table) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table.rows]


COLS = (50.0, 100.0, 250.0, 320.0)  # 序号, 单位, 数量, 占比


def bulletin(rows: list[tuple[str, str, str, str]], pitch: float = 14.0, top: float = 100.0):
    cells = []
    for k, row in enumerate(rows):
        for x, text in zip(COLS, row):
            if text:
                cells.append((text, x, top + k * pitch))
    return cells


def test_columns_from_white_space_and_a_header_over_them() -> None:
    cells = bulletin(
        [
            ("序号", "单位", "数量", "占比"),
            ("1", "市卫生计生委", "27", "12.5%"),
            ("2", "市公安局", "38", "8%"),
            ("3", "市民政局", "5", "1%"),
        ]
    )
    tables, rest = find_unruled_tables(rows_of(*cells), [], 1)
    assert len(tables) == 1 and not rest
    assert grid(tables[0]) == [
        ["序号", "单位", "数量", "占比"],
        ["1", "市卫生计生委", "27", "12.5%"],
        ["2", "市公安局", "38", "8%"],
        ["3", "市民政局", "5", "1%"],
    ]
    assert tables[0].ruled is False


def test_wrapped_name_without_values_joins_the_row_above() -> None:
    cells = bulletin(
        [
            ("序号", "单位", "数量", "占比"),
            ("1", "杭州市千岛湖原水股份", "27", "1%"),
            ("", "有限公司", "", ""),
            ("2", "市公安局", "38", "8%"),
            ("3", "市民政局", "5", "1%"),
        ]
    )
    tables, _ = find_unruled_tables(rows_of(*cells), [], 1)
    assert grid(tables[0])[1] == ["1", "杭州市千岛湖原水股份有限公司", "27", "1%"]
    assert len(tables[0].rows) == 4


def test_padded_rows_keep_a_wrapped_number_in_its_cell_and_text_rows_apart() -> None:
    """Rows 18 pt apart, lines of a cell 12 pt: a text-only table, and a number cut by a narrow cell."""
    cells = [("工作", 50, 100), ("单位", 150, 100), ("时间", 250, 100)]
    cells += [("甲任务", 50, 118), ("省编办牵头", 150, 118), ("全年", 250, 118), ("省政府", 150, 130)]
    cells += [("乙任务", 50, 148), ("各市政府", 150, 148), ("19093", 250, 148), ("6", 250, 160)]
    cells += [("丙任务", 50, 178), ("各县政府", 150, 178), ("五月", 250, 178)]
    tables, _ = find_unruled_tables(rows_of(*cells), [], 1)
    assert grid(tables[0]) == [
        ["工作", "单位", "时间"],
        ["甲任务", "省编办牵头省政府", "全年"],
        ["乙任务", "各市政府", "190936"],
        ["丙任务", "各县政府", "五月"],
    ]


def test_a_rule_under_the_header_ends_it() -> None:
    """A three-line table whose header's second line holds years: only the rule says they are header."""
    cells = bulletin(
        [
            ("序号", "单位", "累计量", "本周量"),
            ("", "", "2017", "2018"),
            ("1", "市卫生计生委", "27", "12"),
            ("2", "市公安局", "38", "8"),
            ("3", "市民政局", "5", "1"),
        ]
    )
    rules = [Edge("h", 40, 96, 400, 96), Edge("h", 40, 125, 400, 125), Edge("h", 40, 172, 400, 172)]
    tables, _ = find_unruled_tables(rows_of(*cells), rules, 1)
    assert grid(tables[0])[0] == ["序号", "单位", "累计量2017", "本周量2018"]
    assert len(tables[0].rows) == 4
    tables, _ = find_unruled_tables(rows_of(*cells), [], 1)
    assert grid(tables[0])[1] == ["", "", "2017", "2018"]  # without the rule the years are a row


def test_caption_above_and_note_below_stay_out() -> None:
    cells = [("数据归集排名表", 120, 70)]
    cells += bulletin(
        [
            ("序号", "单位", "数量", "占比"),
            ("1", "市卫生计生委", "27", "1%"),
            ("2", "市公安局", "38", "8%"),
            ("3", "市民政局", "5", "1%"),
        ]
    )
    cells += [("注：剔除第三方系统反推的办件量。", 50, 158)]
    rows = rows_of(*cells)
    rows[0] = [Char(c.text, c.x0, c.top, c.x0 + 16, c.top + 16, 16.0, "Hei") for c in rows[0]]  # the caption is larger
    tables, rest = find_unruled_tables(rows, [], 1)
    assert len(tables) == 1 and len(tables[0].rows) == 4
    assert ["".join(c.text for c in row) for row in rest] == ["数据归集排名表", "注：剔除第三方系统反推的办件量。"]


def test_two_column_prose_is_not_a_table() -> None:
    left = "两栏排版的正文第一行文字"
    cells = [(left, 50, 100 + 14 * k) for k in range(6)] + [(left, 300, 100 + 14 * k) for k in range(6)]
    tables, rest = find_unruled_tables(rows_of(*cells), [], 1)
    assert tables == [] and len(rest) == 6


def test_a_group_header_spans_its_columns() -> None:
    cells = [("序号", 50, 100), ("单位", 100, 100), ("核定情形说明", 265, 100)]
    cells += [("金额", 250, 114), ("科目", 320, 114)]
    cells += bulletin(
        [("1", "市卫生计生委", "27", "甲"), ("2", "市公安局", "38", "乙"), ("3", "市民政局", "5", "丙")], top=128
    )
    tables, _ = find_unruled_tables(rows_of(*cells), [], 1)
    table = tables[0]
    assert table.rows[0][2] is table.rows[0][3] and table.rows[0][2].text == "核定情形说明"
    assert [c.text for c in table.rows[1]] == ["序号", "单位", "金额", "科目"]
    assert len(table.rows) == 5


def test_two_aligned_rows_are_text_and_a_third_makes_a_table() -> None:
    """A signature block (单位 | 联系人 | 电话 over one row of names) is text; a third aligned row makes a table."""
    cells = [("单位", 72, 100), ("联系人", 222, 100), ("电话", 372, 100)]
    cells += [("市数据局", 72, 118), ("张三", 222, 118), ("88001234", 372, 118)]
    tables, rest = find_unruled_tables(rows_of(*cells), [], 1)
    assert tables == [] and len(rest) == 2
    cells += [("市财政局", 72, 136), ("李四", 222, 136), ("88005678", 372, 136)]
    tables, rest = find_unruled_tables(rows_of(*cells), [], 1)
    assert len(tables) == 1 and len(tables[0].rows) == 3 and rest == []


def test_vertically_centred_cells_stay_in_their_row() -> None:
    """The browser's default: a two-line name with its values centred between its lines; rows
    padded apart (18 pt) further than the lines of a cell (12 pt)."""
    cells = [("序号", 50, 70), ("单位", 100, 70), ("数量", 250, 70), ("占比", 320, 70)]
    cells += [
        ("1", 50, 106),
        ("杭州市千岛湖原水股份", 100, 100),
        ("有限公司", 100, 112),
        ("27", 250, 106),
        ("1%", 320, 106),
    ]
    for k, (name, n) in enumerate([("市公安局", "38"), ("市民政局", "5"), ("市财政局", "9")]):
        top = 136 + 18 * k
        cells += [(str(k + 2), 50, top), (name, 100, top), (n, 250, top), ("2%", 320, top)]
    tables, _ = find_unruled_tables(rows_of(*cells), [], 1)
    assert grid(tables[0]) == [
        ["序号", "单位", "数量", "占比"],
        ["1", "杭州市千岛湖原水股份有限公司", "27", "1%"],
        ["2", "市公安局", "38", "2%"],
        ["3", "市民政局", "5", "2%"],
        ["4", "市财政局", "9", "2%"],
    ]


def test_a_label_merged_down_rows_ruled_one_by_one_is_one_cell() -> None:
    """Rules under every row except across the merged label's column (an HTML rowspan): the label's
    lines meet those rules' heights, yet it stays one cell over its rows."""
    cells = [("任务", 50, 70), ("工作内容", 120, 70), ("责任单位", 250, 70), ("时间", 340, 70)]
    cells += [("加快数", 50, 100), ("据共享", 50, 112), ("工作", 50, 124)]
    for k, (what, who) in enumerate([("建设平台", "省数据局"), ("普查系统", "各市政府"), ("梳理目录", "各县政府")]):
        top = 100 + 18 * k
        cells += [(what, 120, top), (who, 250, top), ("全年", 340, top)]
    rules = [Edge("h", 110, y, 400, y) for y in (114.5, 132.5)] + [Edge("h", 40, 90, 400, 90)]
    tables, _ = find_unruled_tables(rows_of(*cells), rules, 1)
    table = tables[0]
    assert [row[1].text for row in table.rows] == ["工作内容", "建设平台", "普查系统", "梳理目录"]
    assert table.rows[1][0].text == "加快数据共享工作"
    assert all(row[0] is table.rows[1][0] for row in table.rows[1:3])  # one cell over the rows it covers
