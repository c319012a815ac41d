"""Fixtures for the browser tests: headless chromium, a screenshot folder, and a live Dagster UI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.project_controls import create_demo_project_controls_db
from resources.staging import StagingDatabase
from tests.browser.dagster_ui import CHROMIUM, CHROMIUM_ARGS, ROOT, DagsterUI
from tests.fixtures.services import require_service

ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "test-artifacts"))


@dataclass
class LiveDeployment:
    """A running Dagster UI and the test's own Odoo sandbox and staging database behind it."""

    ui: DagsterUI
    sandbox: object
    staging: StagingDatabase


def pipeline_environment(workdir: Path, sandbox) -> dict[str, str]:
    """The variables pipelines/definitions.py reads, pointed at this test's components.

    The labor SFTP settings are placeholders: nothing in these tests reads the labor drop.
    """
    return {
        "LABOR_SFTP_HOST": "127.0.0.1", "LABOR_SFTP_PORT": "22", "LABOR_SFTP_USER": "unused",
        "LABOR_SFTP_KNOWN_HOSTS": str(workdir / "known_hosts"), "LABOR_MAPPING": "procore_timecards",
        "LABOR_REMOTE_DIR": "/drop/labor", "LABOR_MAX_HOURS_PER_DAY": "16.00", "LANDING_DIR": str(workdir / "landing"),
        "ODOO_HOST": "127.0.0.1", "ODOO_PORT": str(sandbox.port), "ODOO_PROTOCOL": "jsonrpc",
        "ODOO_DATABASE": sandbox.database, "ODOO_LOGIN": sandbox.api_login, "ODOO_PASSWORD": sandbox.api_key,
        "ODOO_CHUNK_SIZE": "25",
        "STAGING_DATABASE_URL": f"sqlite:///{workdir / 'staging.sqlite'}", "REVIEW_DIR": str(workdir / "review"),
        "REPORTS_DIR": str(workdir / "reports"),
        "PROJECT_CONTROLS_DATABASE_URL": f"sqlite:///{workdir / 'project_controls.sqlite'}",
        "EQUIPMENT_DATABASE_URL": f"sqlite:///{workdir / 'equipment.sqlite'}",
        "COMPANY_TIMEZONE": "America/Chicago",
    }


@pytest.fixture
def chromium():
    """Headless Debian chromium, driven by Playwright. Playwright's own browser download is never used."""
    if not Path(CHROMIUM).exists():
        require_service("chromium", f"{CHROMIUM} not found; .ci/run installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(request) -> Path:
    """A folder per test for its screenshots, kept after the run."""
    folder = ARTIFACTS_DIR / "browser" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture
def live_deployment(tmp_path, fresh_odoo_sandbox) -> Iterator[LiveDeployment]:
    """`dagster dev` over the demo's project-controls data, a fresh sandbox and an empty staging database."""
    workdir = tmp_path / "deployment"
    workdir.mkdir()
    environment = pipeline_environment(workdir, fresh_odoo_sandbox)
    create_demo_project_controls_db(environment["PROJECT_CONTROLS_DATABASE_URL"])
    ui = DagsterUI(workdir, environment)
    staging = StagingDatabase(url=environment["STAGING_DATABASE_URL"], review_dir=environment["REVIEW_DIR"])
    try:
        yield LiveDeployment(ui, fresh_odoo_sandbox, staging)
    finally:
        ui.stop()
