"""Insert many staging rows at once: PostgreSQL's COPY, or executemany on other databases.

Staging 100,000 labor lines with SQLAlchemy's executemany (batches of multi-row INSERT
statements) took about 12 s on the local PostgreSQL, and about 2 s with COPY
(benchmarks.labor_volume). COPY runs in the caller's transaction, so a failed batch still
leaves nothing staged.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from operator import itemgetter

import pandas as pd
from sqlalchemy import Connection, Table, insert

# Rows rendered and sent at a time: the text of a whole batch would take gigabytes at millions of rows.
ROWS_PER_STATEMENT = 100_000
_NULL = r"\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert_rows(connection: Connection, table: Table, rows: list[dict] | pd.DataFrame,
                constants: dict | None = None) -> None:
    """Insert `rows` (dicts with the same keys, or a frame) into `table` inside the connection's transaction.

    `constants` are columns with one value for every row, such as the batch id.
    """
    if len(rows) == 0:
        return
    constants = constants or {}
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        if isinstance(rows, pd.DataFrame):
            part = rows.iloc[start:start + ROWS_PER_STATEMENT]
        else:
            part = rows[start:start + ROWS_PER_STATEMENT]

        if connection.dialect.name == "postgresql":
            _copy(connection, table, part, constants)
        else:
            records = part.astype(object).to_dict("records") if isinstance(part, pd.DataFrame) else part
            connection.execute(insert(table), [{**constants, **row} for row in records])


def _copy(connection: Connection, table: Table, rows: list[dict] | pd.DataFrame, constants: dict) -> None:
    columns = list(rows.columns) if isinstance(rows, pd.DataFrame) else list(rows[0])
    prefix = "".join(_copy_value(value) + "\t" for value in constants.values())
    text = frame_copy_text(rows, prefix) if isinstance(rows, pd.DataFrame) else copy_text(rows, columns, prefix)
    column_list = ", ".join(f'"{column}"' for column in [*constants, *columns])
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({column_list}) FROM STDIN', io.StringIO(text))
    finally:
        cursor.close()


def frame_copy_text(frame: pd.DataFrame, prefix: str = "") -> str:
    """Render a frame in COPY's text format column by column; see copy_text."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if values.isna().any():
            texts = [_copy_value(None if _is_missing(value) else value) for value in values]
        else:
            texts = list(map(str, values.tolist()))
            # One scan of the joined column finds whether any value needs an escape.
            joined = "".join(texts)
            if any(character in joined for character in "\\\t\n\r"):
                texts = [text.translate(_ESCAPES) for text in texts]
        columns.append(texts)
    return "".join(prefix + "\t".join(line) + "\n" for line in zip(*columns, strict=True))


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


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT


def _copy_value(value: object) -> str:
    if value is None:
        return _NULL
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).translate(_ESCAPES)
