"""Run the labor job against real components: the embedded SFTP server, the sandbox, a staging DB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from assets.labor import labor_assets
from demo.extracts import write_labor_extract
from odoo_io.timesheets import EXTERNAL_ID_MODULE, TIMESHEET_MODEL
from pipelines.labor import labor_nightly_job
from resources.labor_feed import LaborFeed
from resources.odoo import OdooResource
from resources.staging import StagingDatabase
from staging.batches import current_batch

REMOTE_DIR = "/drop/labor"


@dataclass
class LaborHarness:
    sftp: object  # tests.fixtures.sftp.EmbeddedSFTP
    sandbox: object  # the sandbox fixture's handle
    staging: StagingDatabase
    landing_dir: Path
    mapping: str = "procore_timecards"
    protocol: str = "jsonrpc"
    chunk_size: int = 50

    @property
    def drop_dir(self) -> Path:
        path = self.sftp.root / REMOTE_DIR.lstrip("/")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def odoo(self, **overrides) -> OdooResource:
        password = self.sandbox.api_key if self.protocol.startswith("json2") else self.sandbox.api_password
        settings = dict(
            host="127.0.0.1",
            port=self.sandbox.port,
            protocol=self.protocol,
            database=self.sandbox.database,
            login=self.sandbox.api_login,
            password=password,
            chunk_size=self.chunk_size,
            timeout_seconds=10.0,
            backoff_seconds=0.01,
        )
        settings.update(overrides)
        return OdooResource(**settings)

    def resources(self, **odoo_overrides) -> dict:
        return {
            "sftp": self.sftp.resource(),
            "labor_feed": LaborFeed(mapping=self.mapping, remote_dir=REMOTE_DIR, landing_dir=str(self.landing_dir)),
            "odoo": self.odoo(**odoo_overrides),
            "staging": self.staging,
        }

    def drop(self, business_date: date, rows: list[dict], **kwargs) -> list[Path]:
        kwargs.setdefault("done_marker", True)
        return write_labor_extract(self.mapping, business_date, self.drop_dir, rows, **kwargs)

    def run(self, business_date: date, **odoo_overrides) -> dg.ExecuteInProcessResult:
        return self.run_with(business_date, self.resources(**odoo_overrides))

    def run_with(self, business_date: date, resources: dict) -> dg.ExecuteInProcessResult:
        defs = dg.Definitions(assets=labor_assets, jobs=[labor_nightly_job], resources=resources)
        return defs.resolve_job_def("labor_nightly").execute_in_process(
            partition_key=business_date.isoformat(), raise_on_error=False
        )

    def batch(self, business_date: date) -> dict | None:
        return current_batch(self.staging.engine, "labor", business_date.isoformat())

    def odoo_lines(self) -> list[dict]:
        client = self.odoo().get_client()
        return client.search_read(
            TIMESHEET_MODEL,
            [("ref", "=like", f"{EXTERNAL_ID_MODULE}.%")],
            ["ref", "unit_amount", "date", "employee_id", "project_id", "task_id", "amount"],
        )


def materialized(result: dg.ExecuteInProcessResult, asset_name: str) -> bool:
    return any(
        event.asset_key == dg.AssetKey(asset_name) for event in result.get_asset_materialization_events()
    )


def check_outcomes(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    outcomes = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            outcomes[evaluation.check_name] = evaluation.passed
    return outcomes
