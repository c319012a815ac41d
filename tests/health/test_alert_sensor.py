"""failed_check_alert_sensor on a tiny partitioned asset of its own, in a throwaway Dagster instance."""

import json

import dagster as dg
import pytest
from dagster import DagsterInstance

from pipelines.health import failed_check_alert_sensor
from reporting.alerts import stored_alerts

PARTITIONS = dg.StaticPartitionsDefinition(["2026-11-18", "2026-11-19"])
HELD_ROWS = "rows_held"
TOTALS = "totals_match"


class TinyConfig(dg.Config):
    fail: bool = True


@dg.asset(
    partitions_def=PARTITIONS,
    check_specs=[dg.AssetCheckSpec(HELD_ROWS, asset="tiny_batch"), dg.AssetCheckSpec(TOTALS, asset="tiny_batch")],
)
def tiny_batch(context: dg.AssetExecutionContext, config: TinyConfig):
    batch_id = f"tiny-{context.partition_key}"
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name=HELD_ROWS,
                passed=not config.fail,
                severity=dg.AssetCheckSeverity.WARN,
                description="3 rows held for review.",
                metadata={"batch_id": batch_id, "exceptions_by_owner": {"master_data": 2, "field": 1}},
            ),
            dg.AssetCheckResult(
                check_name=TOTALS,
                passed=not config.fail,
                severity=dg.AssetCheckSeverity.ERROR,
                description="File total differs from its control record.",
            ),
        ]
    )


def materialize(instance: DagsterInstance, partition: str, fail: bool = True) -> None:
    result = dg.materialize(
        [tiny_batch],
        instance=instance,
        partition_key=partition,
        run_config=dg.RunConfig(ops={"tiny_batch": TinyConfig(fail=fail)}),
    )
    assert result.success


def evaluate(instance: DagsterInstance, staging, cursor: str | None = None) -> dg.SensorEvaluationContext:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"staging": staging},
        definitions=dg.Definitions(assets=[tiny_batch]),
    )
    failed_check_alert_sensor(context)
    return context


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


def test_sensor_alerts_warn_and_error(instance, sqlite_staging):
    materialize(instance, "2026-11-19")

    evaluate(instance, sqlite_staging)
    alerts = {alert["check_name"]: alert for alert in stored_alerts(sqlite_staging.engine)}

    assert set(alerts) == {HELD_ROWS, TOTALS}
    held = alerts[HELD_ROWS]
    assert held["asset"] == "tiny_batch"
    assert held["partition_key"] == "2026-11-19"
    assert held["severity"] == "WARN"
    assert held["batch_id"] == "tiny-2026-11-19"
    assert held["owner"] == "field, master_data"
    assert held["description"] == "3 rows held for review."
    totals = alerts[TOTALS]
    assert totals["severity"] == "ERROR"
    assert totals["partition_key"] == "2026-11-19"
    assert totals["batch_id"] is None
    assert totals["owner"] == "finance"
    assert totals["raised_at"] is not None


def test_sensor_cursor_skips_seen(instance, sqlite_staging):
    materialize(instance, "2026-11-18")
    first = evaluate(instance, sqlite_staging)
    assert len(stored_alerts(sqlite_staging.engine)) == 2

    again = evaluate(instance, sqlite_staging, first.cursor)
    assert len(stored_alerts(sqlite_staging.engine)) == 2
    assert json.loads(again.cursor) == json.loads(first.cursor)

    materialize(instance, "2026-11-19", fail=False)
    evaluate(instance, sqlite_staging, again.cursor)
    assert len(stored_alerts(sqlite_staging.engine)) == 2

    materialize(instance, "2026-11-19")
    evaluate(instance, sqlite_staging, again.cursor)
    partitions = sorted(alert["partition_key"] for alert in stored_alerts(sqlite_staging.engine))
    assert partitions == ["2026-11-18", "2026-11-18", "2026-11-19", "2026-11-19"]


def test_sensor_without_cursor_no_duplicates(instance, sqlite_staging):
    materialize(instance, "2026-11-18")
    evaluate(instance, sqlite_staging)

    # A sensor reset (no cursor) reads the same failures again; the alerts table keeps one each.
    evaluate(instance, sqlite_staging)

    assert len(stored_alerts(sqlite_staging.engine)) == 2


def test_sensor_on_sqlite_instance(tmp_path, sqlite_staging):
    # The default storage of a DAGSTER_HOME instance (as `make dev` uses) is run-sharded SQLite.
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        materialize(instance, "2026-11-19")
        context = evaluate(instance, sqlite_staging)

    assert len(stored_alerts(sqlite_staging.engine)) == 2
    cursor = json.loads(context.cursor)
    assert set(cursor) == {"tiny_batch:rows_held", "tiny_batch:totals_match"}
    assert all(execution_id > 0 for execution_id in cursor.values())
