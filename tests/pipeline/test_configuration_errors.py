"""Every configuration mistake a person can make stops the run before any data moves, saying what to fix."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from demo.extracts import sample_labor_rows
from resources.labor_feed import LaborFeed
from tests.pipeline.harness import REMOTE_DIR, LaborHarness

DAY = date(2026, 11, 16)
ROOT = Path(__file__).resolve().parents[2]


def failure_text(result) -> str:
    return "\n".join(str(event.event_specific_data.error) for event in result.get_step_failure_events())


@pytest.mark.parametrize(("odoo_settings", "message"), [
    ({"port": 1}, "cannot reach Odoo at jsonrpc://127.0.0.1:1/"),
    ({"database": "summit_ridge_typo"}, "has no database 'summit_ridge_typo'; check ODOO_DATABASE"),
    ({"password": "wrong-key"}, "check ODOO_LOGIN and ODOO_PASSWORD"),
])
def test_wrong_odoo_settings_stop_before_landing(labor: LaborHarness, odoo_settings, message):
    labor.drop(DAY, sample_labor_rows(DAY))

    result = labor.run(DAY, **odoo_settings)

    assert not result.success
    assert message in failure_text(result)
    assert not labor.landing_dir.exists() or not any(labor.landing_dir.rglob("*.csv"))
    assert labor.batch(DAY) is None


def test_unknown_mapping_stops_before_landing(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))
    resources = labor.resources()
    resources["labor_feed"] = LaborFeed(mapping="procore_timecard", remote_dir=REMOTE_DIR,
                                        landing_dir=str(labor.landing_dir))

    result = labor.run_with(DAY, resources)

    assert not result.success
    assert "labor mapping file not found" in failure_text(result)
    assert "LABOR_MAPPING" in failure_text(result)
    assert not labor.landing_dir.exists() or not any(labor.landing_dir.rglob("*.csv"))


def test_unknown_time_zone_stops_the_code_location():
    env = {**os.environ, "COMPANY_TIMEZONE": "America/Chicgo", "PYTHONPATH": str(ROOT)}

    result = subprocess.run([sys.executable, "-c", "import pipelines.partitions"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode != 0
    assert "COMPANY_TIMEZONE 'America/Chicgo' is not a time zone" in result.stderr
