"""Pandera contracts of the equipment usage frame and the equipment charge-lines frame.

Each validate function splits a frame into valid rows and RowException records, like
validate_labor_rows: a row with any failed check leaves the valid frame whole, and a fault of
the frame itself (a missing column, a wrong dtype) raises ExtractError because the reader is
broken, not the data.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from checks.labor_schema import COST_CODE_PATTERN
from checks.schema_support import Classify, display_value, split_valid_rows
from ingest.records import OwnerRole, Reason, RowException

MAX_USAGE_HOURS = Decimal(24)

PARTITION_CHECK = "work_date_in_partition"
USAGE_RANGE_CHECK = "usage_hours_in_range"
HUNDREDTHS_CHECK = "is_decimal_hundredths"
METER_CHECK = "meter_is_decimal_or_missing"
RATE_CHECK = "rate_is_positive_decimal"
DATE_ONLY_CHECK = "work_date_is_date_only"

PROVENANCE_COLUMNS = ("source_file", "source_row", "source_record_id", "line_id")


def _is_hundredths(value) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == -2


class UsageFrame(pa.DataFrameModel):
    """Canonical equipment usage: one row per unit and business date."""

    source_file: Series[str] = pa.Field(str_length={"min_value": 1})
    source_row: Series[int] = pa.Field(ge=1)
    source_record_id: Series[str] = pa.Field(str_length={"min_value": 1})
    unit_key: Series[str] = pa.Field(str_length={"min_value": 1})
    work_date: Series[pa.DateTime]
    meter_start: Series[object] = pa.Field(nullable=True)
    meter_end: Series[object] = pa.Field(nullable=True)
    usage_hours: Series[object]

    @pa.check("usage_hours", element_wise=True, name=HUNDREDTHS_CHECK)
    def usage_is_hundredths(cls, value) -> bool:
        return _is_hundredths(value)

    @pa.check("usage_hours", element_wise=True, name=USAGE_RANGE_CHECK)
    def usage_within_one_day(cls, value) -> bool:
        # A value of the wrong type fails HUNDREDTHS_CHECK and passes here, so it is reported once.
        if not isinstance(value, Decimal) or not value.is_finite():
            return True
        return Decimal(0) <= value <= MAX_USAGE_HOURS

    @pa.check("meter_start", "meter_end", element_wise=True, name=METER_CHECK)
    def meter_is_decimal(cls, value) -> bool:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return True
        return isinstance(value, Decimal) and value.is_finite() and value >= 0

    @pa.check("work_date", name=DATE_ONLY_CHECK)
    def work_date_is_date_only(cls, series: pd.Series) -> pd.Series:
        return series == series.dt.normalize()

    class Config:
        strict = False
        coerce = False


class ChargeLineFrame(pa.DataFrameModel):
    """Priced equipment charge lines: one per unit-day and job/cost code."""

    line_id: Series[str] = pa.Field(str_length={"min_value": 1}, unique=True)
    source_file: Series[str] = pa.Field(str_length={"min_value": 1})
    source_row: Series[int] = pa.Field(ge=1)
    source_record_id: Series[str] = pa.Field(str_length={"min_value": 1})
    unit_id: Series[str] = pa.Field(str_length={"min_value": 1})
    equipment_class: Series[str] = pa.Field(str_length={"min_value": 1})
    job: Series[str] = pa.Field(str_length={"min_value": 1})
    cost_code: Series[str] = pa.Field(str_matches=COST_CODE_PATTERN)
    work_date: Series[pa.DateTime]
    hours: Series[object]
    rate: Series[object]
    amount: Series[object]

    @pa.check("hours", "amount", element_wise=True, name=HUNDREDTHS_CHECK)
    def is_hundredths(cls, value) -> bool:
        return _is_hundredths(value)

    @pa.check("hours", element_wise=True, name=USAGE_RANGE_CHECK)
    def hours_within_one_day(cls, value) -> bool:
        if not isinstance(value, Decimal) or not value.is_finite():
            return True
        return Decimal(0) <= value <= MAX_USAGE_HOURS

    @pa.check("rate", element_wise=True, name=RATE_CHECK)
    def rate_is_positive(cls, value) -> bool:
        return isinstance(value, Decimal) and value.is_finite() and value > 0

    @pa.check("work_date", name=DATE_ONLY_CHECK)
    def work_date_is_date_only(cls, series: pd.Series) -> pd.Series:
        return series == series.dt.normalize()

    class Config:
        strict = False
        coerce = False


def validate_usage_rows(frame: pd.DataFrame, business_date: date) -> tuple[pd.DataFrame, list[RowException]]:
    """Validate a usage frame lazily and split it into valid rows and exceptions."""
    schema = _with_partition(UsageFrame.to_schema(), business_date)
    return split_valid_rows(frame, schema, "equipment usage frame", _classifier(business_date))


def validate_charge_lines(frame: pd.DataFrame, business_date: date) -> tuple[pd.DataFrame, list[RowException]]:
    """Validate a charge-lines frame lazily and split it into valid lines and exceptions."""
    # Usage rows of one file and row are one unit-day, and its charge lines stand or fall together.
    schema = _with_partition(ChargeLineFrame.to_schema(), business_date)
    return split_valid_rows(frame, schema, "equipment charge lines frame", _classifier(business_date))


def _with_partition(schema: pa.DataFrameSchema, business_date: date) -> pa.DataFrameSchema:
    partition_day = pd.Timestamp(business_date)
    in_partition = pa.Check(lambda series: series.dt.normalize() == partition_day, name=PARTITION_CHECK)
    work_date = schema.columns["work_date"]
    return schema.update_column("work_date", checks=[*work_date.checks, in_partition])


def _classifier(business_date: date) -> Classify:
    return lambda column, check, value: _classify(column, check, value, business_date)


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
    if check == USAGE_RANGE_CHECK:
        return Reason.HOURS_OUT_OF_RANGE, OwnerRole.FIELD, f"{column} {value} are outside 0 to {MAX_USAGE_HOURS}"
    if check == HUNDREDTHS_CHECK:
        reason = Reason.INVALID_AMOUNT if column == "amount" else Reason.INVALID_NUMBER
        return reason, OwnerRole.INTEGRATION, f"{column} must be a Decimal with 2 decimal places"
    if check == METER_CHECK:
        return Reason.INVALID_NUMBER, OwnerRole.INTEGRATION, f"{column} must be a Decimal of zero or more, or missing"
    if check == RATE_CHECK:
        return Reason.MISSING_RATE, OwnerRole.MASTER_DATA, "rate must be a positive Decimal"
    if check == DATE_ONLY_CHECK:
        return Reason.INVALID_DATE, OwnerRole.INTEGRATION, "work date must be a date without a time of day"
    if column == "cost_code":
        return Reason.INVALID_COST_CODE, OwnerRole.INTEGRATION, "cost code is not in the canonical form 'DD SS SS'"
    if column == "line_id":
        return Reason.DUPLICATE_IN_FILE, OwnerRole.INTEGRATION, f"line id {value} occurs more than once"
    return Reason.INVALID_FORMAT, OwnerRole.INTEGRATION, f"{column} failed {check}"
