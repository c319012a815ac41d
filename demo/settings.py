"""Demo state folders, generated secrets and the environment variables handed to the pipeline."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# DEMO_DIR moves the demo's state elsewhere, so the secrets scan test can run a whole demo in a
# temporary folder. The .env for `dagster dev` then goes there too, not into the repository.
DEMO_DIR = Path(os.environ.get("DEMO_DIR") or ROOT / ".demo").resolve()
SECRETS_FILE = DEMO_DIR / "secrets.env"
DOTENV_FILE = ROOT / ".env" if DEMO_DIR == (ROOT / ".demo").resolve() else DEMO_DIR / ".env"

REMOTE_DIR = "/drop/labor"
SFTP_USER = "fieldexport"
ODOO_DATABASE = "summit_ridge"
ODOO_API_LOGIN = "pipeline-api"
LAYOUT = "procore_timecards"


@dataclass(frozen=True)
class DemoSettings:
    sftp_port: int
    odoo_port: int
    sftp_password: str
    odoo_admin_password: str
    odoo_api_password: str
    odoo_api_key: str

    @property
    def sftp_root(self) -> Path:
        return DEMO_DIR / "sftp"

    @property
    def sftp_host_key(self) -> Path:
        return DEMO_DIR / "sftp_host_key"

    @property
    def known_hosts(self) -> Path:
        return DEMO_DIR / "known_hosts"

    @property
    def odoo_data_dir(self) -> Path:
        return DEMO_DIR / "odoo"

    def pipeline_environment(self) -> dict[str, str]:
        """Environment variables that pipelines/definitions.py reads."""
        return {
            "LABOR_SFTP_HOST": "127.0.0.1",
            "LABOR_SFTP_PORT": str(self.sftp_port),
            "LABOR_SFTP_USER": SFTP_USER,
            "LABOR_SFTP_PASSWORD": self.sftp_password,
            "LABOR_SFTP_KNOWN_HOSTS": str(self.known_hosts),
            "LABOR_MAPPING": LAYOUT,
            "LABOR_REMOTE_DIR": REMOTE_DIR,
            "LABOR_MAX_HOURS_PER_DAY": "16.00",
            "LANDING_DIR": str(DEMO_DIR / "landing"),
            "ODOO_HOST": "127.0.0.1",
            "ODOO_PORT": str(self.odoo_port),
            "ODOO_PROTOCOL": "jsonrpc",
            "ODOO_DATABASE": ODOO_DATABASE,
            "ODOO_LOGIN": ODOO_API_LOGIN,
            "ODOO_PASSWORD": self.odoo_api_key,
            "ODOO_CHUNK_SIZE": "25",
            "STAGING_DATABASE_URL": f"sqlite:///{DEMO_DIR / 'staging.sqlite'}",
            "REVIEW_DIR": str(DEMO_DIR / "review"),
            "REPORTS_DIR": str(DEMO_DIR / "reports"),
            "PROJECT_CONTROLS_DATABASE_URL": f"sqlite:///{DEMO_DIR / 'project_controls.sqlite'}",
            "EQUIPMENT_DATABASE_URL": f"sqlite:///{DEMO_DIR / 'equipment.sqlite'}",
            "EQUIPMENT_SOURCE": "telematics",
            "EQUIPMENT_REMOTE_DIR": "/drop/equipment",
            "COMPANY_TIMEZONE": "America/Chicago",
        }


def load_settings() -> DemoSettings:
    """Read the demo's generated secrets, creating them on the first run.

    The secrets only protect the local demo servers; they live in .demo/ and .env, which
    git ignores, and are never printed.
    """
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    if not SECRETS_FILE.exists():
        values = {
            "DEMO_SFTP_PASSWORD": secrets.token_urlsafe(18),
            "DEMO_ODOO_ADMIN_PASSWORD": secrets.token_urlsafe(18),
            "DEMO_ODOO_API_PASSWORD": secrets.token_urlsafe(18),
            "DEMO_ODOO_API_KEY": secrets.token_hex(20),
        }
        SECRETS_FILE.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
        SECRETS_FILE.chmod(0o600)
    values = dict(line.split("=", 1) for line in SECRETS_FILE.read_text().splitlines() if "=" in line)
    return DemoSettings(
        sftp_port=int(os.environ.get("DEMO_SFTP_PORT", "2222")),
        odoo_port=int(os.environ.get("DEMO_ODOO_PORT", "8069")),
        sftp_password=values["DEMO_SFTP_PASSWORD"],
        odoo_admin_password=values["DEMO_ODOO_ADMIN_PASSWORD"],
        odoo_api_password=values["DEMO_ODOO_API_PASSWORD"],
        odoo_api_key=values["DEMO_ODOO_API_KEY"],
    )


def write_dotenv(settings: DemoSettings) -> None:
    """Write .env for `dagster dev`, which loads it from the repository root."""
    lines = ["# Written by `make demo` for the local demo servers; git ignores this file."]
    lines += [f"{key}={value}" for key, value in settings.pipeline_environment().items()]
    DOTENV_FILE.write_text("\n".join(lines) + "\n")
    DOTENV_FILE.chmod(0o600)
