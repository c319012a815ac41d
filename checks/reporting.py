"""Markdown tables and counts that make check results readable for a finance reviewer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

EXCEPTION_COLUMNS = ("source_file", "source_row", "source_record_id", "employee_id", "hours", "column_name", "value",
                     "reason", "owner", "message")


def markdown_table(rows: Iterable[dict], columns: Iterable[str], limit: int = 20) -> str:
    """A Markdown table of the first ``limit`` rows; pipes in values are escaped."""
    columns = list(columns)
    rows = list(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        cells = [_cell_text(row.get(column)) for column in columns]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > limit:
        lines.append(f"\n{len(rows) - limit} more rows not shown.")
    return "\n".join(lines)


def _cell_text(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def rows_held_text(count: int) -> str:
    return "1 row held" if count == 1 else f"{count} rows held"


def count_by(rows: Iterable[dict], key: str) -> dict[str, int]:
    return dict(sorted(Counter(str(row[key]) for row in rows).items()))
