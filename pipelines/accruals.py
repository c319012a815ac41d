"""Accrual jobs: the month-end close, the provisional month-to-date run, and the approval sensor."""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from assets.accruals import ACCRUAL_BATCH_KEY, accrual_assets, accrual_batch
from pipelines.partitions import COMPANY_TIMEZONE, monthly_partitions

# Day of the month on which the previous month is closed (accruals staged, then posted
# once approved). 3 leaves two working days for late invoices; firms set their own.
MONTH_END_CLOSE_DAY = int(os.environ.get("MONTH_END_CLOSE_DAY", "3"))

accruals_month_end_job = dg.define_asset_job(
    "accruals_month_end",
    selection=dg.AssetSelection.assets(*accrual_assets),
    partitions_def=monthly_partitions,
    description="Stage, check and (once approved) post the period's accruals and their reversal.",
    tags={"domain": "accruals"},
)

accruals_month_to_date_job = dg.define_asset_job(
    "accruals_month_to_date",
    selection=dg.AssetSelection.assets(accrual_batch),
    partitions_def=monthly_partitions,
    description="A provisional accrual of the month so far, for review: staged and checked, never posted.",
    # The op of a prefixed asset is named after its whole key, e.g. north_fork__accrual_batch.
    config=dg.RunConfig(ops={ACCRUAL_BATCH_KEY.to_python_identifier(): {"config": {"provisional": True}}}),
    tags={"domain": "accruals", "provisional": "true"},
)


def previous_month_key(moment: datetime) -> str:
    """Return the partition key of the month before ``moment`` in the company's time zone."""
    local = moment.astimezone(ZoneInfo(COMPANY_TIMEZONE))
    previous = date(local.year - 1, 12, 1) if local.month == 1 else date(local.year, local.month - 1, 1)
    return previous.isoformat()


@dg.schedule(
    job=accruals_month_end_job,
    cron_schedule=f"0 6 {MONTH_END_CLOSE_DAY} * *",
    execution_timezone=COMPANY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def accruals_month_end_schedule(context: dg.ScheduleEvaluationContext):
    """Close the previous month on the configured close day at 06:00 company time."""
    partition_key = previous_month_key(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"month-end-{partition_key}", partition_key=partition_key)
