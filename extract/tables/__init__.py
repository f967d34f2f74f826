"""The table stage: tables found on each page, then stitched whole across pages.

Found on a page (called by layout, which carves them out of the prose):
- ``ruled.py``: ruling lines → lattice (``lattice.py``) → cells, characters into cells;
- ``unruled.py``: no rules, or only some (under the header, around the table, shaded rows):
  columns from white space, rows from rules, padding or values, wrapped cells joined;
- ``text.py``: a cell's text, and tables of tab-separated text input.

Stitched (called by structure, which knows the captions and attachments between parts):
- ``stitch.py``: parts on consecutive pages joined, repeated headers dropped, rows and merged
  cells cut by page breaks rejoined;
- ``shape.py``: stacked tables split, column roles, merged cells filled, 合计 rows.

Every tolerance is in ``settings.TableSettings``.
"""

from .ruled import find_page_tables
from .stitch import TableBuilder, continuation, extend_table, finish_tables, start_table
from .text import chars_to_text, ink_box, line_glyphs, line_text, table_from_text_rows
from .unruled import find_unruled_tables

__all__ = [
    "TableBuilder",
    "chars_to_text",
    "continuation",
    "extend_table",
    "find_page_tables",
    "find_unruled_tables",
    "finish_tables",
    "ink_box",
    "line_glyphs",
    "line_text",
    "start_table",
    "table_from_text_rows",
]
