"""Column-wise parsing of large CSV labor extracts.

The row reader in ingest.labor_reader parses every cell of every row in Python. This module
takes CSV extracts in a long layout: one canonical row per source row, and no split, unpivot
or trailer rule. It reads their cells with pandas' C parser and parses each distinct value
of a column once, with the row reader's own parsers. Rows with a bad value go back to the
row reader, which names their problems. So the canonical rows, the exceptions and their order
match the row reader's, and tests/ingest compares the two on the layout quirks and on the
generated bad-input corpus.

Some files fall back to the row reader: a quoted value that spans lines (row numbers would
shift), a row longer than the first one, and a header that is not the first row.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable

import pandas as pd

from ingest.mapping import LaborMapping
from ingest.values import InvalidValue

# Canonical columns whose parser only strips the text and zero-pads digits, so whole columns can do it.
TEXT_COLUMNS = frozenset({"job", "employee_id"})


def reads_column_wise(mapping: LaborMapping) -> bool:
    """Return whether the mapping's layout can take the column-wise path."""
    return (
        mapping.format == "csv"
        and mapping.split is None
        and not mapping.unpivot
        and (mapping.control is None or mapping.control.kind == "companion_file")
    )


def read_csv_table(raw: bytes, mapping: LaborMapping, *, encoding: str | None = None) -> pd.DataFrame | None:
    """Read a CSV file's bytes into a frame of text cells indexed by 1-based line number.

    The caller has already checked that the bytes decode in the mapping's encoding. pandas
    decodes them itself, which takes far less memory than a decoded Python string would.
    Blank rows are left out, as the row reader leaves them out. `encoding` replaces the
    mapping's. Returns None, so that the caller uses the row reader, when a record spans
    lines, a row is longer than the first, or the encoding does not write line breaks as
    single bytes.
    """
    encoding = encoding or mapping.encoding
    if not raw or not line_breaks_are_bytes(encoding):
        return None
    try:
        table = pd.read_csv(
            io.BytesIO(raw), sep=mapping.delimiter, quotechar=mapping.quotechar, header=None, dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL,
            encoding=encoding,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, UnicodeDecodeError):
        return None
    if len(table) != physical_line_count(raw):
        return None  # a quoted value spans lines, so row numbers would not be line numbers
    table.index = pd.RangeIndex(1, len(table) + 1)
    table.columns = range(table.shape[1])

    # A row is blank when every cell is; only rows whose first cell is blank can be.
    maybe_blank = table[0].str.strip() == ""
    if maybe_blank.any():
        candidates = table[maybe_blank]
        blank = candidates.apply(lambda column: column.str.strip() == "").all(axis=1)
        table = table.drop(index=candidates.index[blank])
    return table


def physical_line_count(raw: bytes) -> int:
    """Count the lines of CSV bytes as an editor shows them: CR, LF and CRLF each end one."""
    line_breaks = raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")
    return line_breaks + (0 if raw.endswith((b"\n", b"\r")) else 1)


def line_breaks_are_bytes(encoding: str) -> bool:
    """Return whether the encoding writes CR, LF and the CSV punctuation as the same single bytes as ASCII."""
    try:
        return b"\r\n,;|\t\"'".decode(encoding) == "\r\n,;|\t\"'"
    except (LookupError, UnicodeDecodeError):
        return False


def parse_text_column(cells: pd.Series, *, zero_pad: int | None = None) -> tuple[pd.Series, pd.Series]:
    """Strip a text column and zero-pad digit-only values. Return the values and a mask of missing ones."""
    text = cells.str.strip()
    if zero_pad:
        digits = text.str.isdigit()
        text = text.where(~digits, text.str.zfill(zero_pad))
    return text, text == ""


def parse_distinct_values(cells: pd.Series, parse: Callable[[object], object]) -> tuple[pd.Series, pd.Series]:
    """Parse each distinct cell once. Return the parsed column and a mask of invalid cells."""
    parsed: dict[object, object] = {}
    invalid: list[object] = []
    for value in cells.unique():
        try:
            parsed[value] = parse(value)
        except InvalidValue:
            invalid.append(value)
    values = cells.map(parsed)
    return values, cells.isin(invalid) if invalid else pd.Series(False, index=cells.index)


def business_record_ids(frame: pd.DataFrame, source_system: str, occurrences: dict[str, int] | None = None) -> pd.Series:
    """Build record ids for rows without a vendor id, as the row reader does.

    The key joins source system, job, cost code, cost type, employee, craft, pay type, work
    date and hours with "|". The id is the first 20 hex digits of the key's SHA-256, then "-"
    and the count of identical rows up to and including this one. `occurrences` counts the
    keys of the file's earlier parts and is updated with this one's.
    """
    if frame.empty:
        return pd.Series([], dtype=object, index=frame.index)
    dates = frame["work_date"].map({day: day.isoformat() for day in frame["work_date"].unique()})
    hours = frame["hours"].map({value: str(value) for value in frame["hours"].unique()})
    keys = source_system
    for column in (frame["job"], frame["cost_code"], frame["cost_type"], frame["employee_id"], frame["craft"],
                   frame["pay_type"], dates, hours):
        keys = keys + "|" + column
    digests = pd.Series([hashlib.sha256(key.encode("utf-8")).hexdigest()[:20] for key in keys], index=frame.index)
    occurrence = digests.groupby(digests, sort=False).cumcount() + 1
    if occurrences is not None:
        if occurrences:
            occurrence += pd.Series([occurrences.get(digest, 0) for digest in digests], index=digests.index)
        for digest, count in digests.value_counts(sort=False).items():
            occurrences[digest] = occurrences.get(digest, 0) + int(count)
    return digests + "-" + occurrence.astype(str)
