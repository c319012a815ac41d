"""The equipment job and its nightly schedule."""

import dagster as dg

from assets.equipment import equipment_assets
from pipelines.partitions import daily_partitions

equipment_nightly_job = dg.define_asset_job(
    "equipment_nightly",
    selection=dg.AssetSelection.assets(*equipment_assets),
    partitions_def=daily_partitions,
    description="Price one business date of equipment usage and post it as a balanced journal entry.",
    tags={"domain": "equipment"},
)

# 02:30 company time, after the labor run, for the business date that has just ended.
equipment_nightly_schedule = dg.build_schedule_from_partitioned_job(
    equipment_nightly_job, hour_of_day=2, minute_of_hour=30, name="equipment_nightly_schedule"
)
