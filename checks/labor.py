"""Asset checks of the labor domain: the gate in front of posting, and the reconciliation after it.

The checks are evaluated inside the assets that own the data (the staged batch, the
posted timesheets) and reported through ``check_results``. They are partitioned like
their assets, so each business date shows its own results, and the blocking ones stop
the posting step of the same run when they fail.
"""

from __future__ import annotations

import warnings
from decimal import Decimal

import dagster as dg

from checks.reporting import EXCEPTION_COLUMNS, count_by, markdown_table, rows_held_text
from pipelines.company import company_asset_key
from pipelines.partitions import daily_partitions

LABOR_BATCH_KEY = company_asset_key("labor_batch")
LABOR_TIMESHEETS_KEY = company_asset_key("labor_timesheets")

CONTROL_TOTALS_MATCH = "control_totals_match"
ROWS_ACCOUNTED_FOR = "rows_accounted_for"
NO_ROWS_HELD = "no_rows_held_for_review"
OVERTIME_AFTER_REGULAR = "overtime_after_regular_hours"
ODOO_MATCHES_STAGING = "odoo_matches_staging"

# NOTE: partitioned check specs are a preview feature in dagster 1.13 (PreviewWarning),
# used because without them a check result shows no business date in the UI. The
# exact dagster pin in pyproject.toml keeps a patch release from changing them unseen.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)
    batch_check_specs = [
        dg.AssetCheckSpec(
            CONTROL_TOTALS_MATCH,
            asset=LABOR_BATCH_KEY,
            blocking=True,
            partitions_def=daily_partitions,
            description="Record count and total hours of the file equal its control record (trailer or companion file).",
        ),
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED_FOR,
            asset=LABOR_BATCH_KEY,
            blocking=True,
            partitions_def=daily_partitions,
            description="Rows in the file = rows staged + rows held in the exceptions table.",
        ),
        dg.AssetCheckSpec(
            NO_ROWS_HELD,
            asset=LABOR_BATCH_KEY,
            blocking=False,
            partitions_def=daily_partitions,
            description="Warns when rows were held for review; the accepted rows still post.",
        ),
        dg.AssetCheckSpec(
            OVERTIME_AFTER_REGULAR,
            asset=LABOR_BATCH_KEY,
            blocking=False,
            partitions_def=daily_partitions,
            description="Warns about overtime on a day with fewer regular hours than the daily rule; the rows still post.",
        ),
    ]

    timesheet_check_specs = [
        # Blocking, so that a mismatch fails the step and the run instead of passing quietly.
        dg.AssetCheckSpec(
            ODOO_MATCHES_STAGING,
            asset=LABOR_TIMESHEETS_KEY,
            blocking=True,
            partitions_def=daily_partitions,
            description="Count and hours of the batch read back from Odoo equal staging and the control record.",
        ),
    ]


def control_totals_result(
    *, rows_in: int, file_hours: Decimal, control_count: int | None, control_hours: Decimal | None, control_source: str | None
) -> dg.AssetCheckResult:
    metadata = {
        "rows_in_file": rows_in,
        "hours_in_file": str(file_hours),
        "control_count": control_count if control_count is not None else "missing",
        "control_hours": str(control_hours) if control_hours is not None else "missing",
        "control_source": control_source or "missing",
    }
    if control_count is None or control_hours is None:
        return dg.AssetCheckResult(
            check_name=CONTROL_TOTALS_MATCH,
            asset_key=LABOR_BATCH_KEY,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description="The extract has no control record; ask the sender for the trailer row or control file.",
            metadata=metadata,
        )
    count_ok = control_count == rows_in
    hours_ok = control_hours == file_hours
    metadata["count_difference"] = rows_in - control_count
    metadata["hours_difference"] = str(file_hours - control_hours)
    description = (
        "File matches its control record."
        if count_ok and hours_ok
        else f"File has {rows_in} rows and {file_hours} hours; its control record says {control_count} rows and "
        f"{control_hours} hours. A balancing failure cannot be accepted: the batch is held until a corrected extract arrives."
    )
    return dg.AssetCheckResult(
        check_name=CONTROL_TOTALS_MATCH,
        asset_key=LABOR_BATCH_KEY,
        passed=count_ok and hours_ok,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata=metadata,
    )


def rows_accounted_result(*, rows_in: int, rows_staged: int, rows_excepted: int) -> dg.AssetCheckResult:
    passed = rows_in == rows_staged + rows_excepted
    return dg.AssetCheckResult(
        check_name=ROWS_ACCOUNTED_FOR,
        asset_key=LABOR_BATCH_KEY,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if passed else f"{rows_in - rows_staged - rows_excepted} rows are neither staged nor held.",
        metadata={"rows_in": rows_in, "rows_staged": rows_staged, "rows_excepted": rows_excepted},
    )


def rows_held_result(exception_rows: list[dict], rows_excepted: int) -> dg.AssetCheckResult:
    metadata: dict = {
        "rows_held": rows_excepted,
        "exceptions_by_reason": count_by(exception_rows, "reason"),
        "exceptions_by_owner": count_by(exception_rows, "owner"),
    }
    if exception_rows:
        metadata["first_exceptions"] = dg.MetadataValue.md(markdown_table(exception_rows, EXCEPTION_COLUMNS))
    return dg.AssetCheckResult(
        check_name=NO_ROWS_HELD,
        asset_key=LABOR_BATCH_KEY,
        passed=not exception_rows,
        severity=dg.AssetCheckSeverity.WARN,
        description=None if not exception_rows else f"{rows_held_text(rows_excepted)} for review; the review workbook lists them.",
        metadata=metadata,
    )


def reconciliation_result(
    *,
    odoo_count: int,
    odoo_hours: Decimal,
    staged_count: int,
    staged_hours: Decimal,
    expected_count: int,
    expected_hours: Decimal,
) -> dg.AssetCheckResult:
    passed = odoo_count == staged_count == expected_count and odoo_hours == staged_hours == expected_hours
    return dg.AssetCheckResult(
        check_name=ODOO_MATCHES_STAGING,
        asset_key=LABOR_TIMESHEETS_KEY,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None
        if passed
        else f"Odoo holds {odoo_count} lines / {odoo_hours} h for this batch, staging {staged_count} / {staged_hours} h, "
        f"expected from the control record {expected_count} / {expected_hours} h.",
        metadata={
            "odoo_count": odoo_count,
            "odoo_hours": str(odoo_hours),
            "staged_count": staged_count,
            "staged_hours": str(staged_hours),
            "expected_count": expected_count,
            "expected_hours": str(expected_hours),
        },
    )


def overtime_result(findings: list[dict], regular_hours_rule) -> dg.AssetCheckResult:
    metadata: dict = {"employee_days": len(findings), "regular_hours_before_overtime": str(regular_hours_rule)}
    if findings:
        metadata["employee_days_found"] = dg.MetadataValue.md(
            markdown_table(findings, ("employee_id", "work_date", "regular_hours", "overtime_hours"))
        )
    return dg.AssetCheckResult(
        check_name=OVERTIME_AFTER_REGULAR,
        asset_key=LABOR_BATCH_KEY,
        passed=not findings,
        severity=dg.AssetCheckSeverity.WARN,
        description=None
        if not findings
        else f"{len(findings)} employee-days have overtime before {regular_hours_rule} regular hours; check the time cards.",
        metadata=metadata,
    )
