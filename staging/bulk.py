"""Insert many staging rows at once: PostgreSQL's COPY, or executemany on other databases.

Staging 100,000 labor lines with SQLAlchemy's executemany (batches of multi-row INSERT
statements) took about 12 s on the local PostgreSQL, and about 2 s with COPY
(benchmarks.labor_volume). COPY runs in the caller's transaction, so a failed batch still
leaves nothing staged.
"""

from __future__ import annotations

import io
from operator import itemgetter
from datetime import date, datetime

from sqlalchemy import Connection, Table, insert

_NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert_rows(connection: Connection, table: Table, rows: list[dict], constants: dict | None = None) -> None:
    """Insert `rows` (dicts with the same keys) into `table` inside the connection's transaction.

    `constants` are columns with one value for every row, such as the batch id.
    """
    if not rows:
        return
    constants = constants or {}
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), [{**constants, **row} for row in rows])
        return
    columns = list(rows[0])
    prefix = "".join(_copy_value(value) + "\t" for value in constants.values())
    text = copy_text(rows, columns, prefix)
    column_list = ", ".join(f'"{column}"' for column in [*constants, *columns])
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({column_list}) FROM STDIN', io.StringIO(text))
    finally:
        cursor.close()


def copy_text(rows: list[dict], columns: list[str], prefix: str = "") -> str:
    """Render rows in COPY's text format: tab-separated, \\N for NULL, with backslash escapes.

    `prefix` is put before every line as it is, for constant columns already rendered.
    """
    tabs = len(columns) - 1
    values_of = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    lines = []
    for row in rows:
        values = values_of(row)
        line = "\t".join(map(str, values))
        # Most rows need no escape, and checking the joined line is cheaper than each value.
        if None in values or "\\" in line or "\n" in line or "\r" in line or line.count("\t") != tabs:
            line = "\t".join(_copy_value(value) for value in values)
        lines.append(prefix + line)
    return "\n".join(lines) + "\n"


def _copy_value(value: object) -> str:
    if value is None:
        return _NULL
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).translate(_ESCAPES)
