"""Asset checks shared by the journal-entry domains (equipment charges, accruals)."""

from __future__ import annotations

import warnings
from decimal import Decimal

import dagster as dg

from checks.reporting import EXCEPTION_COLUMNS, count_by, markdown_table, rows_held_text

CONTROL_TOTALS_MATCH = "control_totals_match"
ROWS_ACCOUNTED_FOR = "rows_accounted_for"
ENTRIES_BALANCED = "entries_balanced"
ANALYTIC_COMPLETE = "analytic_distribution_complete"
PERIOD_OPEN = "period_open"
NO_ROWS_HELD = "no_rows_held_for_review"
ODOO_MATCHES_STAGING = "odoo_matches_staging"


def journal_check_specs(asset_key: dg.AssetKey, partitions_def, extra: list[tuple[str, bool, str]] = ()) -> list:
    """Build the check specs of a journal batch's gate: blocking ERROR checks first, then WARN ones."""
    specs = [
        (CONTROL_TOTALS_MATCH, True, "Row count and amount equal the source's control total."),
        (ROWS_ACCOUNTED_FOR, True, "Rows in = rows staged + rows held in the exceptions table."),
        (ENTRIES_BALANCED, True, "Debits equal credits in every entry, compared as exact decimals after rounding."),
        (ANALYTIC_COMPLETE, True, "Every job-cost line carries a 100 % analytic distribution to its job and cost code."),
        (PERIOD_OPEN, True, "No entry is dated on or before the company's lock date."),
        (NO_ROWS_HELD, False, "Warns when rows were held for review; the accepted rows still post."),
        *extra,
    ]
    with warnings.catch_warnings():
        # NOTE: partitioned check specs are a preview feature in dagster 1.13 (see checks/labor.py).
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [
            dg.AssetCheckSpec(name, asset=asset_key, blocking=blocking, partitions_def=partitions_def, description=text)
            for name, blocking, text in specs
        ]


def posted_check_specs(asset_key: dg.AssetKey, partitions_def) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [
            # Blocking, so that a mismatch fails the step and the run instead of passing quietly.
            dg.AssetCheckSpec(
                ODOO_MATCHES_STAGING, asset=asset_key, partitions_def=partitions_def, blocking=True,
                description="Each posted entry read back from Odoo is posted, on its intended date, with the staged totals.",
            )
        ]


def result(asset_key, name: str, passed: bool, description: str | None, metadata: dict, *, warn: bool = False):
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset_key,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR,
        description=None if passed else description,
        metadata=metadata,
    )


def money_control_result(asset_key, *, rows_in: int, amount: Decimal, control_count, control_amount, source: str):
    metadata = {"rows_in": rows_in, "amount": str(amount), "control_count": control_count if control_count is not None else "missing",
                "control_amount": str(control_amount) if control_amount is not None else "missing", "control_source": source}
    if control_count is None or control_amount is None:
        return result(asset_key, CONTROL_TOTALS_MATCH, False, "The source has no control total for this period.", metadata)
    passed = control_count == rows_in and control_amount == amount
    return result(
        asset_key, CONTROL_TOTALS_MATCH, passed,
        f"Source rows give {rows_in} rows and {amount}; its control total says {control_count} rows and {control_amount}. "
        "A balancing failure cannot be accepted: the batch is held until the source is corrected.",
        metadata,
    )


def held_rows_result(asset_key, exception_rows: list[dict], rows_excepted: int):
    metadata: dict = {
        "rows_held": rows_excepted,
        "exceptions_by_reason": count_by(exception_rows, "reason"),
        "exceptions_by_owner": count_by(exception_rows, "owner"),
    }
    if exception_rows:
        metadata["first_exceptions"] = dg.MetadataValue.md(markdown_table(exception_rows, EXCEPTION_COLUMNS))
    return result(asset_key, NO_ROWS_HELD, not exception_rows, f"{rows_held_text(rows_excepted)} for review.", metadata, warn=True)
