"""The code location: every asset, check, job, schedule, sensor and resource, wired from the environment.

Settings and secrets come from environment variables (see README.md); `dagster dev`
reads a `.env` file in the repository root, which `make demo` writes for the local
sandbox and SFTP server.
"""

from __future__ import annotations

import os

import dagster as dg

from assets.labor import labor_assets
from pipelines.labor import labor_drop_sensor, labor_nightly_job, labor_nightly_schedule
from resources.labor_feed import LaborFeed
from resources.odoo import OdooResource
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
        "staging": StagingDatabase(url=dg.EnvVar("STAGING_DATABASE_URL")),
    }


defs = dg.Definitions(
    assets=[*labor_assets],
    jobs=[labor_nightly_job],
    schedules=[labor_nightly_schedule],
    sensors=[labor_drop_sensor],
    resources=build_resources(),
)
