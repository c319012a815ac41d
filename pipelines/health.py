"""Integration health: the morning report job and its schedule, and the alert sensor for failed checks."""

import json

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from assets.integration_health import integration_health
from pipelines.partitions import COMPANY_TIMEZONE
from reporting.alerts import DEFAULT_OWNER, Alert, record_alert
from resources.staging import StagingDatabase

integration_health_job = dg.define_asset_job(
    "integration_health_job",
    selection=dg.AssetSelection.assets(integration_health),
    description="Write the integration health report: posting lag, open exceptions and waiting batches per domain.",
    tags={"domain": "reporting"},
)


@dg.schedule(
    job=integration_health_job,
    cron_schedule="0 7 * * *",
    execution_timezone=COMPANY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def integration_health_schedule(context: dg.ScheduleEvaluationContext):
    """Write the health report every morning at 07:00 company time, after the nightly runs."""
    return dg.RunRequest(run_key=f"integration-health-{context.scheduled_execution_time:%Y-%m-%d}")


# Executions read per check and tick: PAGE_SIZE records a query, at most MAX_PAGES queries.
PAGE_SIZE = 100
MAX_PAGES = 10


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def failed_check_alert_sensor(context: dg.SensorEvaluationContext, staging: StagingDatabase):
    """Log and store one alert for each failed asset check evaluation since the last tick.

    It reads the asset check executions of every check in the code location, not the event
    log: ``instance.get_event_records`` with a storage-id cursor is deprecated (Dagster 1.13)
    and raises on the default run-sharded SQLite event log storage. The cursor holds, per
    check, the highest execution id read with no unfinished execution below it.
    """
    cursor = json.loads(context.cursor) if context.cursor else {}
    storage = context.instance.event_log_storage
    finished_runs: dict[str, bool] = {}
    raised = 0

    for check_key in sorted(context.repository_def.asset_graph.asset_check_keys, key=lambda key: key.to_user_string()):
        name = check_key.to_user_string()
        watermark = cursor.get(name, 0)
        records, complete = _executions_after(storage, check_key, watermark)
        if not complete:
            context.log.warning(
                f"Check {name} has more than {PAGE_SIZE * MAX_PAGES} executions since the last tick; "
                "older failures among them get no alert."
            )

        pending = [record.id for record in records if _still_running(context.instance, record, finished_runs)]
        for record in sorted(records, key=lambda record: record.id):
            if record.status != AssetCheckExecutionRecordStatus.FAILED or record.event is None:
                continue
            alert = alert_from_record(context.instance, record)
            if record_alert(staging.engine, alert):
                raised += 1
                log = context.log.error if alert.severity == "ERROR" else context.log.warning
                log(f"Alert: {alert.log_line()}")

        if pending:
            cursor[name] = min(pending) - 1
        elif records:
            cursor[name] = max(record.id for record in records)

    context.update_cursor(json.dumps(cursor, sort_keys=True))
    return dg.SkipReason(f"{raised} alerts raised for failed checks." if raised else "No new failed checks.")


def alert_from_record(instance: dg.DagsterInstance, record: AssetCheckExecutionRecord) -> Alert:
    """Build the alert of a failed check execution from its evaluation event and the run's partition."""
    evaluation = record.event.dagster_event.event_specific_data
    partition = evaluation.partition or record.partition
    if partition is None:
        # Checks without partitions of their own evaluate in a partitioned run; the run's tag names it.
        run = instance.get_run_by_id(record.run_id)
        partition = run.tags.get("dagster/partition") if run else None

    batch_id = evaluation.metadata.get("batch_id")
    owners = evaluation.metadata.get("exceptions_by_owner")
    owner_names = sorted(owners.value) if owners is not None and isinstance(owners.value, dict) else []
    return Alert(
        asset=evaluation.asset_key.to_user_string(),
        check_name=evaluation.check_name,
        partition_key=partition,
        severity=evaluation.severity.value,
        batch_id=None if batch_id is None else str(batch_id.value),
        owner=", ".join(owner_names) or DEFAULT_OWNER,
        description=evaluation.description,
        run_id=record.run_id,
        check_execution_id=record.id,
    )


def _executions_after(storage, check_key: dg.AssetCheckKey, watermark: int) -> tuple[list[AssetCheckExecutionRecord], bool]:
    """Executions of one check with an id above ``watermark``, newest first, and whether all were read."""
    found: list[AssetCheckExecutionRecord] = []
    before = None
    for _ in range(MAX_PAGES):
        page = storage.get_asset_check_execution_history(check_key, limit=PAGE_SIZE, cursor=before)
        found.extend(record for record in page if record.id > watermark)
        if len(page) < PAGE_SIZE or page[-1].id <= watermark:
            return found, True
        before = page[-1].id
    return found, False


def _still_running(instance: dg.DagsterInstance, record: AssetCheckExecutionRecord, finished_runs: dict[str, bool]) -> bool:
    """Tell whether a planned execution may still report a result, because its run has not finished."""
    if record.status != AssetCheckExecutionRecordStatus.PLANNED:
        return False
    if record.run_id not in finished_runs:
        run = instance.get_run_by_id(record.run_id)
        finished_runs[record.run_id] = run is None or run.is_finished
    return not finished_runs[record.run_id]
