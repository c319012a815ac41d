"""Run the accrual jobs against real components: the sandbox, a project-controls database, staging."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
from sqlalchemy import create_engine, update

from assets.accruals import accrual_assets
from ingest.project_controls import accrual_batches, accruals, create_demo_project_controls_db
from pipelines.accruals import accruals_month_end_job, accruals_month_to_date_job
from resources.odoo import OdooResource
from resources.project_controls import ProjectControlsSource
from resources.staging import StagingDatabase
from staging.batches import current_batch

NOVEMBER = "2026-11-01"


@dataclass
class AccrualHarness:
    sandbox: object
    staging: StagingDatabase
    source_url: str
    approval_policy: str = "manual"

    def __post_init__(self) -> None:
        create_demo_project_controls_db(self.source_url)

    def resources(self) -> dict:
        return {
            "odoo": OdooResource(
                host="127.0.0.1", port=self.sandbox.port, protocol="jsonrpc", database=self.sandbox.database,
                login=self.sandbox.api_login, password=self.sandbox.api_password, timeout_seconds=10.0,
                backoff_seconds=0.01,
            ),
            "project_controls": ProjectControlsSource(url=self.source_url, approval_policy=self.approval_policy),
            "staging": self.staging,
        }

    def run(self, partition_key: str = NOVEMBER, *, provisional: bool = False) -> dg.ExecuteInProcessResult:
        defs = dg.Definitions(
            assets=accrual_assets, jobs=[accruals_month_end_job, accruals_month_to_date_job], resources=self.resources()
        )
        name = "accruals_month_to_date" if provisional else "accruals_month_end"
        return defs.resolve_job_def(name).execute_in_process(partition_key=partition_key, raise_on_error=False)

    def batch(self, partition_key: str = NOVEMBER) -> dict | None:
        return current_batch(self.staging.engine, "accruals", partition_key)

    def set_source(self, accrual_id: str, **values) -> None:
        engine = create_engine(self.source_url)
        with engine.begin() as connection:
            connection.execute(update(accruals).where(accruals.c.accrual_id == accrual_id).values(**values))
        engine.dispose()

    def set_control(self, period: str, **values) -> None:
        engine = create_engine(self.source_url)
        with engine.begin() as connection:
            connection.execute(update(accrual_batches).where(accrual_batches.c.period == period).values(**values))
        engine.dispose()

    def moves(self) -> list[dict]:
        client = self.resources()["odoo"].get_client()
        return client.search_read(
            "account.move", [("ref", "=like", "ACR-%")], ["ref", "name", "state", "date", "reversed_entry_id"],
            order="id",
        )
