"""Accrual jobs: the month-end close, the provisional month-to-date run, and the approval sensor."""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy import select

from assets.accruals import accrual_assets, accrual_batch
from pipelines.partitions import COMPANY_TIMEZONE, monthly_partitions
from resources.staging import StagingDatabase
from staging.tables import approvals, batches

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
    config=dg.RunConfig(ops={"accrual_batch": {"config": {"provisional": True}}}),
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


@dg.sensor(job=accruals_month_end_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def accrual_approval_sensor(context: dg.SensorEvaluationContext, staging: StagingDatabase):
    """Run a period again once finance approves its waiting batch, keyed by batch id and approval id."""
    last_seen = int(context.cursor or 0)
    with staging.engine.connect() as connection:
        rows = connection.execute(
            select(approvals.c.id, approvals.c.batch_id, batches.c.partition_key, batches.c.status)
            .join(batches, batches.c.batch_id == approvals.c.batch_id)
            .where(approvals.c.id > last_seen)
            .where(batches.c.domain == "accruals")
            .order_by(approvals.c.id)
        ).all()
    for approval_id, batch_id, partition_key, status in rows:
        last_seen = max(last_seen, approval_id)
        if status == "awaiting_approval":
            yield dg.RunRequest(run_key=f"{batch_id}:{approval_id}", partition_key=partition_key)
    context.update_cursor(str(last_seen))
