"""Normalisation: CJK-aware spacing, narrow full-width forms only, traditional folded with the original kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.normalize import detect_script, join_fragments, normalize_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("截止 8 月 3 日", "截止8月3日"),
        ("市场监 管局", "市场监管局"),
        ("开发 575 个接口（其中省接口 213 个）", "开发575个接口（其中省接口213个）"),
        ("数据库 workflow 开发", "数据库workflow开发"),
        ("Hello  World report", "Hello World report"),
        ("完成率 50.00 %", "完成率50.00%"),
        ("１２３４５ＡＢＣ　全角", "12345ABC全角"),
        ("**数据推送情况**：截止", "数据推送情况：截止"),
        ("逗号，句号。保持", "逗号，句号。保持"),  # Chinese punctuation stays as printed
        ("归集59个部⻔，市⺠卡", "归集59个部门，市民卡"),  # radical forms a font prints for whole hanzi
        ("⼀、数据归集", "一、数据归集"),  # a Kangxi radical
        ("数据库 workﬂow", "数据库workflow"),  # a Latin ligature
    ],
)
def test_simplified_text(raw: str, clean: str) -> None:
    assert normalize_text(raw, "simplified") == clean


def test_traditional_is_folded_to_simplified() -> None:
    assert normalize_text("杭州市數據資源管理局 12 個", "traditional") == "杭州市数据资源管理局12个"
    assert detect_script("杭州市全面打造城市數字治理系統,完善中樞架構和數字駕駛艙功能") == "traditional"
    assert detect_script("杭州市全面打造城市数字治理系统,完善中枢架构和数字驾驶舱功能") == "simplified"


def test_wrapped_lines_join_without_spaces_between_chinese() -> None:
    assert join_fragments(["集体土地所有权登记(注销登", "记)"]) == "集体土地所有权登记(注销登记)"
    assert join_fragments(["smart", "city"]) == "smart city"


def test_a_t2s_json_in_the_current_folder_changes_nothing(tmp_path: Path) -> None:
    """OpenCC takes a configuration named by name from the current folder first: ours is named by
    its full path, so a user's unrelated t2s.json neither breaks nor changes the conversion."""
    import subprocess
    import sys

    (tmp_path / "t2s.json").write_text("{}", encoding="utf-8")
    code = "from extract.normalize import to_simplified; print(to_simplified('逕洽臺灣'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert result.returncode == 0 and result.stdout.strip() == "径洽台湾", result.stderr[-500:]
