"""Insert many staging rows at once: PostgreSQL's COPY, or executemany on other databases.

Staging 100,000 labor lines with SQLAlchemy's executemany (batches of multi-row INSERT
statements) took about 12 s on the local PostgreSQL, and about 2 s with COPY
(benchmarks.labor_volume). COPY runs in the caller's transaction, so a failed batch still
leaves nothing staged.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from sqlalchemy import Connection, Table, insert

_NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert_rows(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` inside the connection's transaction."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    text = copy_text(rows, columns)
    column_list = ", ".join(f'"{column}"' for column in columns)
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({column_list}) FROM STDIN', io.StringIO(text))
    finally:
        cursor.close()


def copy_text(rows: list[dict], columns: list[str]) -> str:
    """Render rows in COPY's text format: tab-separated, \\N for NULL, with backslash escapes."""
    tabs = len(columns) - 1
    lines = []
    for row in rows:
        values = [row[column] for column in columns]
        line = "\t".join(map(str, values))
        # Most rows need no escape, and checking the joined line is cheaper than each value.
        if None in values or "\\" in line or "\n" in line or "\r" in line or line.count("\t") != tabs:
            line = "\t".join(_copy_value(value) for value in values)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _copy_value(value: object) -> str:
    if value is None:
        return _NULL
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).translate(_ESCAPES)
