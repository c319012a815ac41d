"""Settings of the labor feed: which layout, where it is dropped, where it lands, and limits."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
from pydantic import Field


class LaborFeed(dg.ConfigurableResource):
    """Drop folder, layout and row limits of the labor extract."""

    mapping: str = Field(
        default="procore_timecards",
        description="name of the layout mapping in mappings/labor/ (procore_timecards, adp_paydata, crew_timesheet_xlsx)",
    )
    remote_dir: str = Field(default="/drop/labor", description="folder on the SFTP server that receives the extracts")
    landing_dir: str = Field(default=".demo/landing", description="local folder of immutable, hash-keyed copies")
    max_hours_per_day: str = Field(default="16.00", description="maximum hours of one employee on one day")

    @property
    def max_hours(self) -> Decimal:
        return Decimal(self.max_hours_per_day)
