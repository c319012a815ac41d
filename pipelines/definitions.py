"""The code location: every asset, check, job, schedule, sensor and resource, wired from the environment.

Settings and secrets come from environment variables (see README.md); `dagster dev`
reads a `.env` file in the repository root, which `make demo` writes for the local
sandbox and SFTP server.
"""

from __future__ import annotations

import os

import dagster as dg

from assets.accruals import accrual_assets
from assets.equipment import equipment_assets
from assets.integration_health import integration_health_assets
from assets.labor import labor_assets
from assets.reporting import reporting_assets
from pipelines.accruals import (
    accruals_month_end_job,
    accruals_month_end_schedule,
    accruals_month_to_date_job,
)
from pipelines.equipment import equipment_nightly_job, equipment_nightly_schedule
from pipelines.health import (
    failed_check_alert_sensor,
    integration_health_job,
    integration_health_schedule,
)
from pipelines.labor import labor_drop_sensor, labor_nightly_job, labor_nightly_schedule
from pipelines.reporting import month_end_reports_job, reports_after_month_end_posting
from pipelines.review import decision_replay_sensor, record_decision_job
from resources.equipment_source import EquipmentSource
from resources.labor_feed import LaborFeed
from resources.odoo import OdooResource
from resources.project_controls import ProjectControlsSource
from resources.sftp import SFTPResource
from resources.staging import StagingDatabase


def _optional(name: str) -> dg.EnvVar | None:
    """Return an EnvVar only when the variable is set, for settings such as a password or a key."""
    return dg.EnvVar(name) if os.environ.get(name) else None


def build_resources() -> dict:
    return {
        "sftp": SFTPResource(
            host=dg.EnvVar("LABOR_SFTP_HOST"),
            port=dg.EnvVar.int("LABOR_SFTP_PORT"),
            username=dg.EnvVar("LABOR_SFTP_USER"),
            password=_optional("LABOR_SFTP_PASSWORD"),
            private_key_path=_optional("LABOR_SFTP_KEY_PATH"),
            private_key_passphrase=_optional("LABOR_SFTP_KEY_PASSPHRASE"),
            known_hosts_path=dg.EnvVar("LABOR_SFTP_KNOWN_HOSTS"),
            # Two listings 2 s apart must agree on size and mtime, besides the .done marker.
            poll_interval_seconds=2.0,
        ),
        "labor_feed": LaborFeed(
            mapping=dg.EnvVar("LABOR_MAPPING"),
            remote_dir=dg.EnvVar("LABOR_REMOTE_DIR"),
            landing_dir=dg.EnvVar("LANDING_DIR"),
            max_hours_per_day=dg.EnvVar("LABOR_MAX_HOURS_PER_DAY"),
        ),
        "odoo": OdooResource(
            host=dg.EnvVar("ODOO_HOST"),
            port=dg.EnvVar.int("ODOO_PORT"),
            protocol=dg.EnvVar("ODOO_PROTOCOL"),
            database=dg.EnvVar("ODOO_DATABASE"),
            login=dg.EnvVar("ODOO_LOGIN"),
            password=dg.EnvVar("ODOO_PASSWORD"),
            chunk_size=dg.EnvVar.int("ODOO_CHUNK_SIZE"),
        ),
        "staging": StagingDatabase(url=dg.EnvVar("STAGING_DATABASE_URL"), **_settings(review_dir="REVIEW_DIR", reports_dir="REPORTS_DIR")),
        "equipment_source": EquipmentSource(
            url=dg.EnvVar("EQUIPMENT_DATABASE_URL"),
            **_settings(source="EQUIPMENT_SOURCE", remote_dir="EQUIPMENT_REMOTE_DIR", landing_dir="LANDING_DIR"),
        ),
        "project_controls": ProjectControlsSource(
            url=dg.EnvVar("PROJECT_CONTROLS_DATABASE_URL"),
            **_settings(approval_policy="ACCRUALS_APPROVAL_POLICY", swing_threshold_pct="ACCRUAL_SWING_THRESHOLD_PCT"),
        ),
    }


def _settings(**variables: str) -> dict:
    """Keyword arguments for the optional settings whose environment variable is set."""
    return {name: dg.EnvVar(variable) for name, variable in variables.items() if os.environ.get(variable)}


defs = dg.Definitions(
    assets=[*labor_assets, *equipment_assets, *accrual_assets, *reporting_assets, *integration_health_assets],
    jobs=[labor_nightly_job, equipment_nightly_job, accruals_month_end_job, accruals_month_to_date_job, record_decision_job,
          integration_health_job, month_end_reports_job],
    schedules=[labor_nightly_schedule, equipment_nightly_schedule, accruals_month_end_schedule, integration_health_schedule],
    sensors=[labor_drop_sensor, decision_replay_sensor, failed_check_alert_sensor, reports_after_month_end_posting],
    resources=build_resources(),
)
