"""Pandera contract of the canonical accrual frame and the row split into valid rows and exceptions.

Row rules: the amount is a Decimal with at most 2 decimal places and is not zero. Negative
amounts are credits and are valid. The period equals the partition, cost code and cost type
are canonical, an accrual id appears once, and the row is approved. A missing approval flag
(<NA>) is APPROVAL_MISSING and an explicit False is NOT_APPROVED. Both mean the row must not
post, and finance owns both.

Counting rule: a row that fails several rules carries one RowException per failure but counts
once, so `len(frame) == len(valid) + count_excepted_rows(exceptions)`.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from checks.schema_support import failure_cases, row_exception
from ingest.mapping import COST_TYPES
from ingest.records import OwnerRole, Reason, RowException

COST_CODE_PATTERN = r"^\d{2} \d{2} \d{2}(\.\d{2})?$"
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

AMOUNT_TYPE_CHECK = "amount_is_decimal_hundredths"
AMOUNT_NONZERO_CHECK = "amount_is_not_zero"
PERIOD_CHECK = "period_is_partition"

# Columns the reader fills itself, so a problem there is a reader fault.
PROVENANCE_COLUMNS = ("source_file", "source_row", "source_record_id")
APPROVAL_MISSING_MESSAGE = "approval flag missing"


class AccrualFrame(pa.DataFrameModel):
    """Canonical accrual rows: one row per accrual of one period."""

    source_file: Series[str] = pa.Field(str_length={"min_value": 1})
    source_row: Series[int] = pa.Field(ge=1)
    source_record_id: Series[str] = pa.Field(str_length={"min_value": 1})
    period: Series[str] = pa.Field(str_matches=PERIOD_PATTERN)
    job: Series[str] = pa.Field(str_length={"min_value": 1})
    cost_code: Series[str] = pa.Field(str_matches=COST_CODE_PATTERN)
    cost_type: Series[str] = pa.Field(isin=list(COST_TYPES))
    vendor: Series[str]  # may be the empty string
    description: Series[str]  # may be the empty string
    amount: Series[object]
    # Nullable on purpose: <NA> means no approval was recorded, and the approval rule
    # below turns it into an exception. Coercion stays off so NA can never become True.
    approved: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    @pa.check("amount", element_wise=True, name=AMOUNT_TYPE_CHECK)
    def amount_is_decimal_hundredths(cls, value) -> bool:
        return isinstance(value, Decimal) and value.is_finite() and value == value.quantize(Decimal("0.01"))

    @pa.check("amount", element_wise=True, name=AMOUNT_NONZERO_CHECK)
    def amount_is_not_zero(cls, value) -> bool:
        # Values of the wrong type fail AMOUNT_TYPE_CHECK and pass here, so they are reported once.
        if not isinstance(value, Decimal) or not value.is_finite():
            return True
        return value != 0

    class Config:
        strict = False  # callers may carry their own columns through validation
        coerce = False


def accrual_schema(period: str) -> pa.DataFrameSchema:
    """AccrualFrame's schema plus the rule that every row's period equals the partition `period`."""
    schema = AccrualFrame.to_schema()
    in_partition = pa.Check(lambda series: series == period, name=PERIOD_CHECK)
    column = schema.columns["period"]
    return schema.update_column("period", checks=[*column.checks, in_partition])


def validate_accrual_rows(frame: pd.DataFrame, period: str) -> tuple[pd.DataFrame, list[RowException]]:
    """Validate a canonical accrual frame for partition `period` and split it into valid rows and exceptions.

    Problems with the frame as a whole (missing column, wrong dtype such as an `approved`
    column that is not the nullable boolean dtype) mean the reader is broken, so they raise
    ExtractError. The returned frame has a fresh 0-based index and keeps extra columns.
    """
    if not re.match(PERIOD_PATTERN, str(period)):
        raise ValueError(f"period {period!r} is not a month written YYYY-MM")
    frame = frame.reset_index(drop=True)
    exceptions = _schema_exceptions(frame, period)
    exceptions.extend(_approval_exceptions(frame))
    exceptions.extend(_duplicate_exceptions(frame))

    failed = {(item.source_file, item.source_row) for item in exceptions}
    keep = [key not in failed for key in zip(frame["source_file"], frame["source_row"])]
    exceptions.sort(key=lambda item: (item.source_file, item.source_row))
    return frame[keep], exceptions


def count_excepted_rows(exceptions: list[RowException]) -> int:
    """Return the number of distinct source rows (file, row) that carry at least one exception."""
    return len({(item.source_file, item.source_row) for item in exceptions})


def approval_summary(exceptions: list[RowException]) -> str | None:
    """Return the batch-level approval finding, e.g. "approval flag missing on 3 rows", or None."""
    parts = []
    for reason, text in ((Reason.APPROVAL_MISSING, APPROVAL_MISSING_MESSAGE), (Reason.NOT_APPROVED, "not approved")):
        rows = count_excepted_rows([item for item in exceptions if item.reason == reason])
        if rows:
            parts.append(f"{text} on {rows} row{'s' if rows != 1 else ''}")
    return "; ".join(parts) or None


def _schema_exceptions(frame: pd.DataFrame, period: str) -> list[RowException]:
    exceptions = []
    for case in failure_cases(frame, accrual_schema(period), "accrual frame"):
        reason, owner, message = _classify(case.column, case.check, case.value, period)
        exceptions.append(_row_exception(frame, case.index, case.column, case.value, reason, owner, message))
    return exceptions


def _approval_exceptions(frame: pd.DataFrame) -> list[RowException]:
    approved = frame["approved"]
    exceptions = []
    for index in frame.index[approved.isna()]:
        exceptions.append(_row_exception(
            frame, index, "approved", "", Reason.APPROVAL_MISSING, OwnerRole.FINANCE, APPROVAL_MISSING_MESSAGE,
        ))
    for index in frame.index[approved.eq(False).fillna(False)]:
        exceptions.append(_row_exception(
            frame, index, "approved", "False", Reason.NOT_APPROVED, OwnerRole.FINANCE,
            "accrual is marked not approved; it posts only after approval in project controls",
        ))
    return exceptions


def _duplicate_exceptions(frame: pd.DataFrame) -> list[RowException]:
    counts = Counter(frame["source_record_id"])
    exceptions = []
    for index in frame.index[frame["source_record_id"].duplicated(keep="first")]:
        record_id = frame.at[index, "source_record_id"]
        exceptions.append(_row_exception(
            frame, index, "source_record_id", record_id, Reason.DUPLICATE_IN_FILE, OwnerRole.FIELD,
            f"accrual id {record_id!r} appears {counts[record_id]} times; only its first row is kept",
        ))
    return exceptions


def _row_exception(frame, index, column, value, reason, owner, message) -> RowException:
    # Plain str() and not display_value, so a stray timestamp value shows with its time of day.
    return row_exception(frame, index, column, "" if value is None else str(value), reason, owner, message)


def _classify(column: str, check: str, value: object, period: str) -> tuple[Reason, OwnerRole, str]:
    if check == "not_nullable" or check.startswith("str_length"):
        owner = OwnerRole.INTEGRATION if column in PROVENANCE_COLUMNS else OwnerRole.FIELD
        return Reason.MISSING_VALUE, owner, f"{column} is missing"
    if check == PERIOD_CHECK:
        return Reason.DATE_OUTSIDE_PARTITION, OwnerRole.FIELD, f"period {value} is not the period {period} of this batch"
    if check == AMOUNT_TYPE_CHECK:
        return (
            Reason.INVALID_AMOUNT,
            OwnerRole.FIELD,
            f"amount {value} is not exact to the cent; send amounts with at most 2 decimal places",
        )
    if check == AMOUNT_NONZERO_CHECK:
        return Reason.INVALID_AMOUNT, OwnerRole.FIELD, "amount is zero; leave the accrual out instead of accruing nothing"
    if column == "cost_type":
        # The reader passes cost types through as sent, so an unknown one is a source fault.
        return Reason.UNKNOWN_COST_TYPE, OwnerRole.FIELD, f"cost type {value!r} is not one of {list(COST_TYPES)}"
    by_column = {
        "period": (Reason.INVALID_DATE, "period is not a month written YYYY-MM"),
        "cost_code": (Reason.INVALID_COST_CODE, "cost code is not in the canonical form 'DD SS SS'"),
        "source_row": (Reason.INVALID_NUMBER, "source row must be a 1-based row number"),
    }
    reason, message = by_column.get(column, (Reason.INVALID_FORMAT, f"{column} failed {check}"))
    return reason, OwnerRole.INTEGRATION, message
