"""Figures for the rendered corpus: a real chart image for the bulletins, photo stand-ins for the article."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

CJK_FONT = "Noto Sans CJK SC"


def make_figure(kind: str, caption: str, workdir: Path, src: dict[str, Any]) -> Path:
    out = workdir / (hashlib.sha1(caption.encode()).hexdigest()[:10] + ".png")
    if kind == "chart-cumulative":
        cumulative_chart(out)
    else:
        photo(out, caption)
    return out


def cumulative_chart(out: Path) -> None:
    """累计归集情况: accumulated records by department (万条), from the 07-20 bulletin's 附件1."""
    plt.rcParams["font.family"] = [CJK_FONT]
    font_manager.fontManager.findfont(CJK_FONT)
    departments = [
        "市卫生计生委",
        "市交通运输局",
        "市公安局",
        "市住保房管局",
        "杭州公积金中心",
        "市国土资源局",
        "市人力社保局",
        "市市场监管局",
        "市民卡公司",
        "市税务局",
    ]
    values = [11117.7, 260.5, 15262.5, 2622.3, 37675, 9705.2, 35215.7, 1359.8, 57546.5, 1280.3]
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=150)
    bars = ax.bar(range(len(values)), values, color="#4472C4", width=0.6)
    ax.set_xticks(range(len(values)), departments, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("累计归集量（万条）", fontsize=9)
    ax.grid(axis="y", color="#D9D9D9", linewidth=0.6)
    ax.set_axisbelow(True)
    for bar, value in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, value, f"{value:g}", ha="center", va="bottom", fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)


def photo(out: Path, caption: str) -> None:
    """A deterministic photo-like picture (soft shapes), seeded by the caption."""
    import numpy as np

    seed = int(hashlib.sha1(caption.encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:240, 0:360]
    image = np.zeros((240, 360, 3))
    base = rng.uniform(0.2, 0.7, 3)
    image[:] = base
    for _ in range(14):
        cx, cy, r = rng.uniform(0, 360), rng.uniform(0, 240), rng.uniform(20, 90)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))[..., None]
        image = image * (1 - 0.6 * blob) + rng.uniform(0, 1, 3) * 0.6 * blob
    fig = plt.figure(figsize=(3.6, 2.4), dpi=100)
    fig.figimage(np.clip(image, 0, 1))
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)
