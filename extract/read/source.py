"""What a PDF reader backend hands back, and the helpers every backend uses for failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import RawPage

Progress = Callable[..., None]  # progress(pages=N) once the page count is known, progress(page=k) per page


@dataclass(slots=True)
class PdfPages:
    """The pages a backend read (all of them, or the range it was asked for)."""

    pages: list[RawPage]
    metadata: dict[str, str] = field(default_factory=dict)
    page_count: int = 0  # pages in the whole document


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def unreadable_page(number: int, width: float, height: float, exc: BaseException) -> RawPage:
    """A page whose content could not be parsed: garbled, saying why, so the document goes on."""
    return RawPage(
        number=number,
        width=width,
        height=height,
        quality="garbled",
        quality_detail=f"page content unreadable ({one_line(exc)[:100]})",
    )
