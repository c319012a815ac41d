"""The equipment usage feed and the equipment database with units, rates and assignments."""

from __future__ import annotations

import dagster as dg
from pydantic import Field


class EquipmentSource(dg.ConfigurableResource):
    """The equipment feed: telematics snapshots on SFTP, or usage rows in the equipment database."""

    source: str = Field(default="telematics", description="telematics (AEMP 2.0 snapshots on SFTP) or database")
    url: str = Field(description="SQLAlchemy URL of the equipment database: units, rates, assignments (and usage)")
    remote_dir: str = Field(default="/drop/equipment", description="SFTP folder with fleet_YYYYMMDD.xml or .json")
    landing_dir: str = Field(default=".demo/landing", description="local folder of immutable, hash-keyed copies")
    max_reading_age_days: int = Field(default=3, description="readings older than this many days are stale")
