"""Month-end reporting: the report job, and the sensor that runs it once the period's accruals posted."""

import dagster as dg

from assets.accruals import ACCRUAL_ENTRIES_KEY
from assets.reporting import reporting_assets
from pipelines.partitions import monthly_partitions

month_end_reports_job = dg.define_asset_job(
    "month_end_reports",
    selection=dg.AssetSelection.assets(*reporting_assets),
    partitions_def=monthly_partitions,
    description="Job-cost report and WIP schedule of a period, read from Odoo and project controls; posts nothing.",
    tags={"domain": "reporting"},
)


@dg.asset_sensor(
    asset_key=ACCRUAL_ENTRIES_KEY,
    job=month_end_reports_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def reports_after_month_end_posting(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    """Run the period's reports each time its accrual entries post, so they include the close."""
    partition_key = asset_event.dagster_event.partition if asset_event.dagster_event else None
    if partition_key is None:
        return dg.SkipReason("accrual_entries materialized without a period")
    return dg.RunRequest(run_key=f"reports-{partition_key}-{asset_event.timestamp}", partition_key=partition_key)
