"""The production configuration end to end: runs queued by the webserver, launched by the daemon.

Dagster's own production parts run here as separate processes (tests/deploy/production.py)
on an instance from deploy/dagster.yaml, stored in PostgreSQL. A nightly labor partition
and the month-end accrual partition are submitted through the webserver's GraphQL API,
wait in the run queue, are launched by the daemon, and post into the Odoo sandbox. The
test reads every result back from the PostgreSQL-backed instance and staging database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType
from dagster_graphql import DagsterGraphQLClient

from resources.odoo import ODOO_API_POOL
from resources.staging import StagingDatabase
from staging.__main__ import main as staging_command
from staging.batches import current_batch
from tests.browser.dagster_ui import LOCATION
from tests.deploy.production import ProductionDeployment
from tests.fixtures.databases import POSTGRES_ADMIN_URL, temporary_database

pytestmark = pytest.mark.postgres

NIGHTLY_DATE = "2026-11-16"
MONTH_END_PERIOD = "2026-11-01"


@pytest.fixture
def deployment(tmp_path, monkeypatch) -> Iterator[ProductionDeployment]:
    with temporary_database(POSTGRES_ADMIN_URL, "PostgreSQL", '"', " WITH (FORCE)") as instance_url, \
            temporary_database(POSTGRES_ADMIN_URL, "PostgreSQL", '"', " WITH (FORCE)") as staging_url:
        staging_url = staging_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        running = ProductionDeployment(tmp_path, instance_url, staging_url)
        try:
            running.start()
            for name, value in running.instance_environment.items():
                monkeypatch.setenv(name, value)
            monkeypatch.setenv("STAGING_DATABASE_URL", staging_url)  # for the approval command
            yield running
        finally:
            running.stop()


def launch_and_wait(deployment: ProductionDeployment, job: str, partition_key: str, timeout: float = 300) -> dg.DagsterRun:
    """Submit one partition through the webserver and wait until the daemon's run has ended."""
    client = DagsterGraphQLClient("127.0.0.1", port_number=deployment.webserver_port)
    run_id = client.submit_job_execution(job, repository_location_name=LOCATION,
                                         tags={"dagster/partition": partition_key})
    instance = dg.DagsterInstance.from_config(str(deployment.dagster_home))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished:
            return run
        time.sleep(1)
    raise AssertionError(
        f"run {run_id} of {job} did not finish within {timeout} s\ndaemon:\n{deployment.log_tail('daemon')}"
        f"\ncode server:\n{deployment.log_tail('code_server')}"
    )


def failures(instance: dg.DagsterInstance, run_id: str) -> str:
    """The run's step and run failure messages, for an assertion message."""
    messages = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        error = entry.dagster_event.step_failure_data.error
        while error is not None and error.cause is not None:
            error = error.cause  # Dagster wraps the asset's own error, whose message is in the cause
        messages.append(f"{entry.step_key}: {error.message if error else entry.dagster_event.message}")
    return "\n".join(messages)


def event_types(instance: dg.DagsterInstance, run_id: str) -> list[DagsterEventType]:
    return [entry.dagster_event.event_type for entry in instance.all_logs(run_id) if entry.dagster_event]


def test_nightly_and_month_end_run_through_the_daemon(deployment: ProductionDeployment):
    instance = dg.DagsterInstance.from_config(str(deployment.dagster_home))
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    staging_db = StagingDatabase(url=deployment.staging_url)

    # The nightly labor run: queued by the webserver, dequeued and launched by the daemon, posted.
    nightly = launch_and_wait(deployment, "labor_nightly", NIGHTLY_DATE)
    assert nightly.status == dg.DagsterRunStatus.SUCCESS, failures(instance, nightly.run_id)
    kinds = event_types(instance, nightly.run_id)
    assert DagsterEventType.RUN_ENQUEUED in kinds
    assert kinds.index(DagsterEventType.RUN_ENQUEUED) < kinds.index(DagsterEventType.RUN_STARTING)
    assert nightly.tags["dagster/partition"] == NIGHTLY_DATE
    posted = instance.fetch_materializations(dg.AssetKey("labor_timesheets"), limit=1).records[0]
    assert posted.partition_key == NIGHTLY_DATE
    assert posted.asset_materialization.metadata["rows_posted"].value > 0
    assert current_batch(staging_db.engine, "labor", NIGHTLY_DATE)["status"] == "reconciled"

    # The month-end run stops for a controller's approval, then posts when run again.
    first = launch_and_wait(deployment, "accruals_month_end", MONTH_END_PERIOD)
    batch = current_batch(staging_db.engine, "accruals", MONTH_END_PERIOD)
    assert batch["status"] == "awaiting_approval", failures(instance, first.run_id)
    staging_command(["approve", "--batch", batch["batch_id"], "--approver", "Dana Controller",
                     "--reason", "month-end close"])
    second = launch_and_wait(deployment, "accruals_month_end", MONTH_END_PERIOD)
    assert second.status == dg.DagsterRunStatus.SUCCESS, failures(instance, second.run_id)
    assert current_batch(staging_db.engine, "accruals", MONTH_END_PERIOD)["status"] == "reconciled"

    # Every Odoo write went through the odoo_api pool, which the instance limits to one step at a time.
    assert instance.event_log_storage.get_concurrency_info(ODOO_API_POOL).slot_count == 1
