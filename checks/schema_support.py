"""Turn pandera failure cases into RowException records, shared by the contract modules.

Each contract module keeps its own rules for which reason, owner and message a failed check
gets, and passes them in as a classify function. This module runs the schema, walks the
failure cases, builds the RowException records and splits the frame into valid rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ingest.records import ExtractError, OwnerRole, Reason, RowException

# Function from (column, check name, failing value) to the reason, owner and message of one RowException.
Classify = Callable[[str, str, object], tuple[Reason, OwnerRole, str]]


class FailureCase(NamedTuple):
    """One failed check on one row of a validated frame."""

    index: int  # row label of the frame that was validated
    column: str
    check: str
    value: object  # the failing value exactly as pandera reports it


def failure_cases(frame: pd.DataFrame, schema: pa.DataFrameSchema, frame_name: str) -> list[FailureCase]:
    """Validate `frame` lazily and return its row-level failure cases, or [] when it is valid.

    A failure of the frame as a whole (missing column, wrong dtype) means the reader or the
    mapping is broken, not the data, so it raises ExtractError naming the source files and
    `frame_name`, for example "labor frame".
    """
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return []

    whole_frame = cases[cases["index"].isna()]
    if not whole_frame.empty:
        problems = sorted(
            {f"{row.column or '(frame)'}: {row.check} {row.failure_case}" for row in whole_frame.itertuples()}
        )
        source = ", ".join(sorted(frame["source_file"].dropna().astype(str).unique())) if "source_file" in frame else ""
        raise ExtractError(source or f"({frame_name})", f"{frame_name} breaks its contract: {problems}")

    return [
        FailureCase(int(case.index), str(case.column), str(case.check), case.failure_case)
        for case in cases.itertuples()
    ]


def split_valid_rows(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, frame_name: str, classify: Classify
) -> tuple[pd.DataFrame, list[RowException]]:
    """Validate `frame` lazily and split it into valid rows and one RowException per failed check.

    A row leaves the valid frame when it fails a check or when it shares its source file and
    row with a row that failed, so all canonical rows of one source row are kept or dropped together.
    The returned frame has a fresh 0-based index and keeps any extra columns of the caller.
    """
    frame = with_fresh_index(frame)
    cases = failure_cases(frame, schema, frame_name)
    if not cases:
        return frame, []

    exceptions = []
    failed_index = set()
    for case in cases:
        failed_index.add(case.index)
        reason, owner, message = classify(case.column, case.check, case.value)
        exceptions.append(
            row_exception(frame, case.index, case.column, display_value(case.value), reason, owner, message)
        )

    # Whole columns: a million-row frame with a few failed rows must not build a tuple per row.
    failed = frame.index.isin(list(failed_index))
    rows_by_file: dict[str, set[int]] = {}
    for item in exceptions:
        rows_by_file.setdefault(item.source_file, set()).add(item.source_row)
    for source_file, rows in rows_by_file.items():
        failed |= ((frame["source_file"] == source_file) & frame["source_row"].isin(rows)).to_numpy()
    return frame[~failed], exceptions


def with_fresh_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with a 0-based index, sharing its columns instead of copying them."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1:
        return frame
    shallow = frame.copy(deep=False)
    shallow.index = pd.RangeIndex(len(frame))
    return shallow


def row_exception(
    frame: pd.DataFrame, index: int, column: str, value: str, reason: Reason, owner: OwnerRole, message: str
) -> RowException:
    """Build the RowException for row `index` of `frame`, taking file and row from its provenance columns.

    `value` is the failing value as text for people to read. A missing source row becomes row 0.
    """
    source_row = frame.at[index, "source_row"]
    return RowException(
        source_file=str(frame.at[index, "source_file"]),
        source_row=int(source_row) if pd.notna(source_row) else 0,
        column=column,
        value=value,
        reason=reason,
        owner=owner,
        message=message,
    )


def display_value(value: object) -> str:
    """Format a failing value for a RowException: a midnight timestamp as its ISO date, None as ""."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return "" if value is None else str(value)
