"""Records shared by every reader and check: row exceptions and control records."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from enum import Enum


class OwnerRole(str, Enum):
    """Who resolves an exception."""

    FIELD = "field"  # the field time system or the person who exported the file
    FINANCE = "finance"  # finance reviewers: lock dates, duplicates, approvals
    MASTER_DATA = "master_data"  # whoever maintains employees, jobs and cost codes in Odoo
    INTEGRATION = "integration"  # integration owners: mappings, layouts, connections


class Reason(str, Enum):
    """Reason codes stored with every exception row; the workbook groups by them."""

    # schema (row)
    MISSING_VALUE = "missing_value"
    INVALID_NUMBER = "invalid_number"
    INVALID_DATE = "invalid_date"
    UNKNOWN_PAY_TYPE = "unknown_pay_type"
    UNKNOWN_COST_TYPE = "unknown_cost_type"
    INVALID_COST_CODE = "invalid_cost_code"
    HOURS_OUT_OF_RANGE = "hours_out_of_range"
    DATE_OUTSIDE_PARTITION = "date_outside_partition"
    # hours with non-zero digits beyond 0.01, which would need rounding to post
    HOURS_PRECISION = "hours_precision"
    # a value that does not match the layout's configured pattern (e.g. a combined job-cost string)
    INVALID_FORMAT = "invalid_format"
    # reasonableness / limits (row)
    HOURS_OVER_DAILY_LIMIT = "hours_over_daily_limit"
    # referential (row)
    UNKNOWN_EMPLOYEE = "unknown_employee"
    INACTIVE_EMPLOYEE = "inactive_employee"
    UNKNOWN_JOB = "unknown_job"
    JOB_CLOSED = "job_closed"
    UNKNOWN_COST_CODE = "unknown_cost_code"
    PERIOD_LOCKED = "period_locked"
    # duplicates (row)
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_POSTED = "already_posted"
    # equipment (row)
    UNKNOWN_EQUIPMENT = "unknown_equipment"
    INACTIVE_EQUIPMENT = "inactive_equipment"
    PLACEHOLDER_VALUE = "placeholder_value"
    STALE_READING = "stale_reading"
    NO_BRACKETING_READINGS = "no_bracketing_readings"
    METER_BACKWARDS = "meter_backwards"
    NO_ASSIGNMENT = "no_assignment"
    MISSING_RATE = "missing_rate"
    # a unit-day's assignments cannot split its usage: mixed hours and percent, or percent not 100
    INVALID_ASSIGNMENT = "invalid_assignment"
    # accruals (row)
    INVALID_AMOUNT = "invalid_amount"
    APPROVAL_MISSING = "approval_missing"
    NOT_APPROVED = "not_approved"
    ANALYTIC_INCOMPLETE = "analytic_incomplete"
    # review (row): a finance reviewer excluded the row from the batch
    EXCLUDED_BY_REVIEWER = "excluded_by_reviewer"
    # posting (row): Odoo refused the record with a validation fault
    ODOO_REJECTED = "odoo_rejected"


@dataclass(frozen=True)
class RowException:
    """One rejected row of an extract, with the file, row and value that failed."""

    source_file: str
    source_row: int  # 1-based row number in the file as a person sees it (header is row 1)
    column: str
    value: str
    reason: Reason
    owner: OwnerRole
    message: str

    def describe(self) -> str:
        return (
            f"{self.source_file} row {self.source_row}, column {self.column!r}, "
            f"value {self.value!r}: {self.message}"
        )

    def as_record(self) -> dict:
        record = asdict(self)
        record["reason"] = self.reason.value
        record["owner"] = self.owner.value
        return record


@dataclass(frozen=True)
class ControlRecord:
    """Record count and total hours the sender declared, from a trailer row or a companion file."""

    record_count: int
    total_hours: Decimal
    source: str  # "trailer row 14 of labor_20261203.csv" or the companion file name


class ExtractError(ValueError):
    """The whole file cannot be read: wrong layout, missing columns, unreadable control record."""

    def __init__(self, source_file: str, message: str, row: int | None = None):
        self.source_file = source_file
        self.row = row
        where = f"{source_file} row {row}" if row is not None else source_file
        super().__init__(f"{where}: {message}")
