"""The integration_health asset, its job and schedule, as a code location would load them."""

from datetime import UTC, datetime

import dagster as dg
from openpyxl import load_workbook

from assets.integration_health import integration_health
from ingest.records import OwnerRole
from pipelines.health import failed_check_alert_sensor, integration_health_job, integration_health_schedule
from pipelines.partitions import COMPANY_TIMEZONE
from reporting.alerts import Alert
from tests.health.png import read_chunks
from tests.health.staged import stage


def test_asset_writes_files_and_metadata(sqlite_staging, tmp_path):
    engine = sqlite_staging.engine
    stage(engine, "labor-17", "labor", "2026-11-17", "reconciled", (OwnerRole.MASTER_DATA,))
    stage(engine, "labor-18", "labor", "2026-11-18", "held", (OwnerRole.FIELD, OwnerRole.FIELD))
    stage(engine, "accruals-11", "accruals", "2026-11-01", "awaiting_approval")
    out_dir = tmp_path / "health"

    result = dg.materialize(
        [integration_health],
        resources={"staging": sqlite_staging},
        run_config=dg.RunConfig(ops={"integration_health": {"config": {"out_dir": str(out_dir)}}}),
    )

    assert result.success
    metadata = result.asset_materializations_for_node("integration_health")[0].metadata
    assert metadata["labor_last_posted_partition"].value == "2026-11-17"
    assert metadata["labor_lag_days"].value >= 0
    assert metadata["equipment_last_posted_partition"].value == "never"
    assert metadata["equipment_lag_days"].value == -1
    assert metadata["labor_open_exceptions"].value == 3
    assert metadata["labor_held"].value == 1
    assert metadata["accruals_awaiting_approval"].value == 1
    assert metadata["open_exceptions"].value == 3
    assert "| labor | 2026-11-17 |" in metadata["health"].value
    assert metadata["chart"].value == str(out_dir / "open_exceptions_per_day.png")
    assert metadata["workbook_path"].value == str(out_dir / "integration_health.xlsx")
    assert load_workbook(out_dir / "integration_health.xlsx").active.cell(2, 2).value == "2026-11-17"
    assert [kind for kind, _ in read_chunks((out_dir / "open_exceptions_per_day.png").read_bytes())] == [
        b"IHDR", b"IDAT", b"IEND",
    ]


def test_asset_defaults_to_reports_dir(sqlite_staging, tmp_path, monkeypatch):
    # A scheduled run passes no config, so its files must go under REPORTS_DIR, not the working directory.
    monkeypatch.chdir(tmp_path)
    stage(sqlite_staging.engine, "labor-17", "labor", "2026-11-17", "reconciled", ())

    result = dg.materialize([integration_health], resources={"staging": sqlite_staging})

    assert result.success
    health_dir = tmp_path / "reports" / "health"
    assert (health_dir / "integration_health.xlsx").is_file()
    assert (health_dir / "open_exceptions_per_day.png").is_file()
    assert not (tmp_path / ".demo").exists()


def test_asset_group_and_description():
    spec = integration_health.specs_by_key[dg.AssetKey("integration_health")]

    assert spec.group_name == "integration_health"
    assert "posted to Odoo" in spec.description
    assert integration_health.partitions_def is None


def test_schedule_runs_at_seven_stopped():
    assert integration_health_schedule.cron_schedule == "0 7 * * *"
    assert integration_health_schedule.execution_timezone == COMPANY_TIMEZONE
    assert integration_health_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert integration_health_schedule.job_name == "integration_health_job"

    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 20, 13, tzinfo=UTC))
    request = integration_health_schedule.evaluate_tick(context).run_requests[0]
    assert request.run_key == "integration-health-2026-11-20"


def test_definitions_load(sqlite_staging):
    defs = dg.Definitions(
        assets=[integration_health],
        jobs=[integration_health_job],
        schedules=[integration_health_schedule],
        sensors=[failed_check_alert_sensor],
        resources={"staging": sqlite_staging},
    )

    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("integration_health_job").asset_layer.executable_asset_keys == {
        dg.AssetKey("integration_health")
    }
    assert failed_check_alert_sensor.default_status == dg.DefaultSensorStatus.STOPPED


def test_alert_log_line():
    alert = Alert(
        asset="labor_batch",
        check_name="no_rows_held_for_review",
        partition_key="2026-11-18",
        severity="WARN",
        batch_id="labor-2026-11-18-ab12",
        owner="master_data",
        description="3 rows held for review; see the exceptions table.",
        run_id="run-1",
        check_execution_id=7,
    )

    assert alert.log_line() == (
        "WARN check no_rows_held_for_review failed on labor_batch partition 2026-11-18 "
        "batch labor-2026-11-18-ab12 owner master_data: 3 rows held for review; see the exceptions table."
    )
