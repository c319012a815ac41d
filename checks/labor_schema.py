"""Pandera contract of the canonical labor frame and the row split into valid rows and exceptions.

Counting rule: a source row is accepted or rejected whole. When any canonical row of a source
row fails, every canonical row of that source row (all pay types of one ADP paydata line)
leaves the valid frame. So
`count_source_rows(frame) == count_source_rows(valid) + count_excepted_rows(exceptions)`,
and for long layouts, where each source row is one canonical row, the same holds for row
counts. A row that fails two rules counts once but carries two RowException records.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from checks.schema_support import display_value, split_valid_rows
from ingest.mapping import COST_TYPES, PAY_TYPES
from ingest.records import OwnerRole, Reason, RowException

COST_CODE_PATTERN = r"^\d{2} \d{2} \d{2}(\.\d{2})?$"
MAX_HOURS = Decimal(24)
MIN_HOURS = Decimal(-24)  # negative hours are correction rows that reverse earlier hours

PARTITION_CHECK = "work_date_in_partition"
HOURS_RANGE_CHECK = "hours_in_range"
HOURS_TYPE_CHECK = "hours_is_decimal_hundredths"
DATE_ONLY_CHECK = "work_date_is_date_only"

# Columns the reader fills itself; a problem there is a reader or mapping fault.
PROVENANCE_COLUMNS = ("source_file", "source_row", "source_record_id")


class LaborFrame(pa.DataFrameModel):
    """Canonical labor rows: one row per source detail row and pay type."""

    source_file: Series[str] = pa.Field(str_length={"min_value": 1})
    source_row: Series[int] = pa.Field(ge=1)
    source_record_id: Series[str] = pa.Field(str_length={"min_value": 1})
    job: Series[str] = pa.Field(str_length={"min_value": 1})
    cost_code: Series[str] = pa.Field(str_matches=COST_CODE_PATTERN)
    cost_type: Series[str] = pa.Field(isin=list(COST_TYPES))
    employee_id: Series[str] = pa.Field(str_length={"min_value": 1})
    craft: Series[str]  # may be the empty string
    pay_type: Series[str] = pa.Field(isin=list(PAY_TYPES))
    work_date: Series[pa.DateTime]
    hours: Series[object]

    # The hours checks take the whole column: pandera's element-wise checks cost several times
    # as much per row, which shows at a million rows.
    @pa.check("hours", name=HOURS_TYPE_CHECK)
    def hours_are_decimal_hundredths(cls, series: pd.Series) -> pd.Series:
        return pd.Series([_is_hundredths(value) for value in series], index=series.index, dtype=bool)

    @pa.check("hours", name=HOURS_RANGE_CHECK)
    def hours_within_one_day(cls, series: pd.Series) -> pd.Series:
        # Values of the wrong type fail HOURS_TYPE_CHECK and pass here, so they are reported once.
        return pd.Series([_within_one_day(value) for value in series], index=series.index, dtype=bool)

    @pa.check("work_date", name=DATE_ONLY_CHECK)
    def work_date_is_date_only(cls, series: pd.Series) -> pd.Series:
        return series == series.dt.normalize()

    class Config:
        # Callers may carry their own columns (external ids, line numbers) through validation,
        # so only the canonical columns are required and checked.
        strict = False
        coerce = False


def _is_hundredths(value) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == -2


def _within_one_day(value) -> bool:
    if not isinstance(value, Decimal) or not value.is_finite():
        return True
    return MIN_HOURS <= value <= MAX_HOURS


def labor_schema(business_date: date) -> pa.DataFrameSchema:
    """LaborFrame's schema plus the rule that every work date equals the partition date."""
    schema = LaborFrame.to_schema()
    partition_day = pd.Timestamp(business_date)
    # Compare calendar days, so a stray time of day fails only DATE_ONLY_CHECK.
    in_partition = pa.Check(lambda series: series.dt.normalize() == partition_day, name=PARTITION_CHECK)
    work_date = schema.columns["work_date"]
    return schema.update_column("work_date", checks=[*work_date.checks, in_partition])


def validate_labor_rows(frame: pd.DataFrame, business_date: date) -> tuple[pd.DataFrame, list[RowException]]:
    """Validate a canonical labor frame lazily and split it into valid rows and exceptions.

    Every failed row check becomes a RowException naming file, row, column and value. The
    owner is the field for source data (missing values, hours out of range, dates outside
    the partition) and integration for values the mapping should have made canonical
    (pay type, cost type, cost code, hours type). Problems with the frame as a whole
    (missing or extra column, wrong dtype) mean the reader or mapping is broken, so they
    raise ExtractError instead. The returned frame has a fresh 0-based index and keeps any
    extra columns the caller added.
    """
    return split_valid_rows(
        frame,
        labor_schema(business_date),
        "labor frame",
        lambda column, check, value: _classify(column, check, value, business_date),
    )


def count_excepted_rows(exceptions: list[RowException]) -> int:
    """Number of distinct source rows (file, row) that carry at least one exception."""
    return len({(e.source_file, e.source_row) for e in exceptions})


def count_source_rows(frame: pd.DataFrame) -> int:
    """Number of distinct source rows (file, row) behind the canonical rows of a frame."""
    return len(frame[["source_file", "source_row"]].drop_duplicates())


def _classify(column: str, check: str, value: object, business_date: date) -> tuple[Reason, OwnerRole, str]:
    if check == "not_nullable" or check.startswith("str_length"):
        owner = OwnerRole.INTEGRATION if column in PROVENANCE_COLUMNS else OwnerRole.FIELD
        return Reason.MISSING_VALUE, owner, f"{column} is missing"
    if check == PARTITION_CHECK:
        return (
            Reason.DATE_OUTSIDE_PARTITION,
            OwnerRole.FIELD,
            f"work date {display_value(value)} is not the business date {business_date.isoformat()} of this batch",
        )
    if check == HOURS_RANGE_CHECK:
        return Reason.HOURS_OUT_OF_RANGE, OwnerRole.FIELD, f"hours {value} are outside {MIN_HOURS} to {MAX_HOURS}"
    if check == HOURS_TYPE_CHECK:
        return Reason.INVALID_NUMBER, OwnerRole.INTEGRATION, "hours must be a Decimal with 2 decimal places"
    if check == DATE_ONLY_CHECK:
        return Reason.INVALID_DATE, OwnerRole.INTEGRATION, "work date must be a date without a time of day"
    by_column = {
        "cost_code": (Reason.INVALID_COST_CODE, "cost code is not in the canonical form 'DD SS SS'"),
        "cost_type": (Reason.UNKNOWN_COST_TYPE, f"cost type is not one of {list(COST_TYPES)}"),
        "pay_type": (Reason.UNKNOWN_PAY_TYPE, f"pay type is not one of {list(PAY_TYPES)}"),
        "source_row": (Reason.INVALID_NUMBER, "source row must be a 1-based row number"),
    }
    reason, message = by_column.get(column, (Reason.INVALID_FORMAT, f"{column} failed {check}"))
    return reason, OwnerRole.INTEGRATION, message
