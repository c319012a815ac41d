"""The code location loads, and its schedule and sensor ask for the right partitions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from demo.extracts import sample_labor_rows
from pipelines.labor import labor_drop_sensor, labor_nightly_schedule
from tests.pipeline.harness import LaborHarness

DEMO_ENVIRONMENT = {
    "LABOR_SFTP_HOST": "127.0.0.1",
    "LABOR_SFTP_PORT": "2222",
    "LABOR_SFTP_USER": "fieldexport",
    "LABOR_SFTP_PASSWORD": "not-used",
    "LABOR_SFTP_KNOWN_HOSTS": "/nonexistent/known_hosts",
    "LABOR_MAPPING": "procore_timecards",
    "LABOR_REMOTE_DIR": "/drop/labor",
    "LABOR_MAX_HOURS_PER_DAY": "16.00",
    "LANDING_DIR": "/tmp/landing",
    "ODOO_HOST": "127.0.0.1",
    "ODOO_PORT": "8069",
    "ODOO_PROTOCOL": "jsonrpc",
    "ODOO_DATABASE": "summit_ridge",
    "ODOO_LOGIN": "pipeline-api",
    "ODOO_PASSWORD": "not-used",
    "ODOO_CHUNK_SIZE": "200",
    "STAGING_DATABASE_URL": "sqlite:////tmp/staging-definitions-test.sqlite",
    "PROJECT_CONTROLS_DATABASE_URL": "sqlite:////tmp/project-controls-definitions-test.sqlite",
    "EQUIPMENT_DATABASE_URL": "sqlite:////tmp/equipment-definitions-test.sqlite",
}


def test_definitions_load_with_labor_group(monkeypatch):
    for key, value in DEMO_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    from pipelines.definitions import defs

    repository = defs.get_repository_def()

    assert {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()} >= {
        "labor_extract", "labor_batch", "labor_timesheets"
    }
    assert repository.get_job("labor_nightly")
    assert repository.get_schedule_def("labor_nightly_schedule")
    assert repository.get_sensor_def("labor_drop_sensor")
    check_names = {key.name for key in repository.asset_graph.asset_check_keys}
    assert {"control_totals_match", "rows_accounted_for", "no_rows_held_for_review", "odoo_matches_staging"} <= check_names


def test_every_asset_has_owner_group_description(monkeypatch):
    for key, value in DEMO_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    from pipelines.definitions import defs

    asset_graph = defs.get_repository_def().asset_graph

    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        assert node.owners, f"{key.to_user_string()} has no owner"
        assert node.group_name != "default", f"{key.to_user_string()} is in no group"
        assert node.description, f"{key.to_user_string()} has no description"
    for check_key in asset_graph.asset_check_keys:
        assert asset_graph.get_check_spec(check_key).description, f"{check_key.name} has no description"


def test_nightly_schedule_runs_previous_business_date():
    tick = datetime(2026, 11, 17, 2, 0, tzinfo=ZoneInfo("America/Chicago"))
    context = dg.build_schedule_context(scheduled_execution_time=tick)

    requests = list(labor_nightly_schedule.evaluate_tick(context).run_requests)

    assert [request.partition_key for request in requests] == ["2026-11-16"]


@pytest.mark.parametrize("with_marker", [True, False])
def test_drop_sensor_requests_complete_files_only(labor: LaborHarness, with_marker):
    labor.drop(datetime(2026, 11, 16).date(), sample_labor_rows(datetime(2026, 11, 16).date()), done_marker=with_marker)
    context = dg.build_sensor_context(resources={"sftp": labor.sftp.resource(), "labor_feed": labor.resources()["labor_feed"]})

    requests = list(labor_drop_sensor(context) or [])

    if with_marker:
        assert [request.partition_key for request in requests] == ["2026-11-16"]
        assert requests[0].run_key.startswith("/drop/labor/timecards_20261116.csv|")
    else:
        assert requests == []
