"""A table of one-line cells laid out as plain text at its natural width, without Rich's
measuring and rendering machinery (which costs ~1 ms a row: 0.2-0.3 s for a few hundred rows).

It lays out exactly what Rich would print for the tables the commands make (the ``SIMPLE_HEAD``
box without edges, one space of padding on the right, no padding at the table's edges) and
answers None for anything else, so the caller can fall back to Rich.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.console import Console

SEPARATOR = " "
"""The box's vertical line between two columns."""
RULE = "─"
"""The box's line under the header."""


def plain_lines(table: Any, console: Console) -> list[str] | None:
    """The lines ``console`` would print for ``table`` at its natural width, trailing spaces
    removed; None when the table is not of the simple kind laid out here (a cell of several
    lines, a tab, a control character, a fixed or proportional width, a footer, a title, …).

    ``console`` turns string cells holding markup into text (its markup setting applies; emoji
    codes are left as written, as `show_table` prints them)."""
    if not _simple(table):
        return None
    columns = table.columns
    grid: list[list[str]] = []
    for column in columns:
        cells = [_plain(cell, console) for cell in (column.header, *column._cells)]
        texts = [cell for cell in cells if cell is not None]
        if len(texts) != len(cells):
            return None
        grid.append(texts)
    return _laid_out(
        [list(row) for row in zip(*grid, strict=True)],
        right={n for n, c in enumerate(columns) if c.justify == "right"},
        min_widths=[c.min_width or 0 for c in columns],
    )


def lay_out(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()
) -> list[str] | None:
    """The lines `plain_lines` gives for a table of these one-line cells (the columns numbered
    in ``right`` set to the right), made without Rich's tables; None when a cell is not one
    printable line (the caller falls back to Rich)."""
    if not all(cell.isprintable() for row in (header, *rows) for cell in row):
        return None
    return _laid_out([list(header), *map(list, rows)], right=right, min_widths=[0] * len(header))


def _laid_out(
    rows: list[list[str]], *, right: Collection[int], min_widths: Sequence[int]
) -> list[str]:
    """``rows`` (the header first) as lines: each column as wide as its widest cell."""
    last = len(min_widths) - 1
    widths = []
    for n, least in enumerate(min_widths):
        width = max(least, *(cell_len(row[n]) for row in rows))
        widths.append(width + (0 if n == last else 1))  # the padding on the right
    lines = []
    for r, row in enumerate(rows):
        parts = []
        for n, cell in enumerate(row):
            pad = 0 if n == last else 1
            room = widths[n] - pad - cell_len(cell)
            if n in right:
                parts.append(" " * room + cell + " " * pad)
            else:
                parts.append(cell + " " * (room + pad))
        lines.append(" ".join(parts).rstrip())  # padding and separator: spaces
        if r == 0:
            lines.append(RULE * (sum(widths) + len(SEPARATOR) * last))
    return lines


def _simple(table: Any) -> bool:
    """Whether ``table`` is laid out exactly by ``plain_lines``."""
    from rich import box
    from rich.table import Table

    if not isinstance(table, Table) or not table.columns or not table.show_header:
        return False
    if (
        table.box is not box.SIMPLE_HEAD
        or table.show_edge
        or table.pad_edge
        or tuple(table.padding) != (0, 1, 0, 0)
        or table.collapse_padding
        or table.show_footer
        or table.show_lines
        or table.leading
        or table.title is not None
        or table.caption is not None
        or table.width is not None
        or table.min_width is not None
        or table.expand
        or any(row.end_section for row in table.rows)
    ):
        return False
    return all(
        c.width is None
        and c.max_width is None
        and c.ratio is None
        and c.justify in ("left", "right")
        and len(c._cells) == len(table.rows)
        for c in table.columns
    )


def _plain(cell: Any, console: Console) -> str | None:
    """The text of a one-line cell as Rich shows it, or None when it is not such a cell."""
    from rich.text import Text

    if isinstance(cell, str):
        if "[" in cell:  # markup, read as Rich reads it (emoji codes are left as written)
            cell = console.render_str(cell, emoji=False, highlight=False)
        else:
            return cell if cell.isprintable() else None
    if not isinstance(cell, Text) or cell.justify not in (None, "default", "left"):
        return None
    plain = cell.plain
    return plain if plain.isprintable() else None
