"""Labor jobs, the nightly schedule and the SFTP drop sensor."""


import re

import dagster as dg

from assets.labor import labor_assets
from ingest.mapping import load_mapping
from pipelines.partitions import daily_partitions
from resources.labor_feed import LaborFeed
from resources.sftp import SFTPResource

# Extract, stage, gate and post run as one job so that a failed blocking check stops
# the post in the same run (Dagster does not stop a later run's downstream step).
labor_nightly_job = dg.define_asset_job(
    "labor_nightly",
    selection=dg.AssetSelection.assets(*labor_assets),
    partitions_def=daily_partitions,
    description="Land, validate, stage and post one business date of labor into Odoo timesheets.",
    tags={"domain": "labor"},
)

# 02:00 in the company's time zone, for the business date that has just ended.
labor_nightly_schedule = dg.build_schedule_from_partitioned_job(
    labor_nightly_job, hour_of_day=2, minute_of_hour=0, name="labor_nightly_schedule"
)

_DATE_PLACEHOLDER = re.compile(r"\{date:[^}]*\}")


@dg.sensor(job=labor_nightly_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def labor_drop_sensor(context: dg.SensorEvaluationContext, sftp: SFTPResource, labor_feed: LaborFeed):
    """Start the labor job for a business date as soon as its extract is complete on the SFTP drop."""
    mapping = load_mapping(labor_feed.mapping)
    pattern = _DATE_PLACEHOLDER.sub("*", mapping.file_name_pattern or "*")
    partition_keys = set(daily_partitions.get_partition_keys())

    for remote_file in sftp.list_complete_files(labor_feed.remote_dir, pattern=pattern):
        business_date = mapping.date_from_file_name(remote_file.name)
        if business_date is None:
            context.log.warning("Skipping %s: its name carries no business date", remote_file.path)
            continue
        partition_key = business_date.isoformat()
        if partition_key not in partition_keys:
            context.log.warning("Skipping %s: %s is not a labor partition yet", remote_file.path, partition_key)
            continue
        # path + size + mtime: a replaced file starts a new run, an unchanged one never does.
        yield dg.RunRequest(run_key=remote_file.cursor_key, partition_key=partition_key)
