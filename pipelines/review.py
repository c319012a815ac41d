"""Finance review from the Dagster UI: a job that records a decision, and the sensor that replays it."""

import dagster as dg
from pydantic import Field

from pipelines.accruals import accruals_month_end_job
from pipelines.equipment import equipment_nightly_job
from pipelines.labor import labor_nightly_job
from resources.staging import StagingDatabase
from staging.decisions import (
    Decision,
    DecisionRefused,
    awaits_replay,
    decisions_after,
    record_decision,
)

JOB_BY_DOMAIN = {"labor": "labor_nightly", "equipment": "equipment_nightly", "accruals": "accruals_month_end"}


class DecisionConfig(dg.Config):
    """A finance decision, entered in the launchpad. Example:

    batch_id: labor-2026-11-18-29d8ae2dc361
    decision: exclude_rows
    decided_by: Dana Controller
    reason: cost code 09 91 00 is not billable on this job
    source_rows: ["timecards_20261118.csv:13"]
    """

    batch_id: str = Field(description="batch id, from the asset's metadata or `python -m staging batches`")
    decision: str = Field(description="accept_warning, exclude_rows, reject or approve")
    decided_by: str = Field(description="name of the reviewer")
    reason: str = Field(description="why; it goes into the audit log")
    check_name: str | None = Field(default=None, description="accept_warning: the warning's check name")
    source_rows: list[str] = Field(default_factory=list, description='exclude_rows: "FILE:ROW" values')


@dg.op(description="Validate and record one finance decision on a staged batch.")
def record_decision_op(context: dg.OpExecutionContext, config: DecisionConfig, staging: StagingDatabase) -> int:
    try:
        rows = tuple((text.rsplit(":", 1)[0], int(text.rsplit(":", 1)[1])) for text in config.source_rows)
    except (IndexError, ValueError) as error:
        raise dg.Failure(description=f"source_rows takes FILE:ROW values, e.g. timecards_20261118.csv:13 ({error})")
    try:
        decision_id = record_decision(staging.engine, Decision(
            batch_id=config.batch_id, decision=config.decision, decided_by=config.decided_by, reason=config.reason,
            check_name=config.check_name, source_rows=rows,
        ))
    except DecisionRefused as refused:
        raise dg.Failure(description=f"Decision rejected: {refused}") from refused
    context.log.info("Decision %d (%s) on %s recorded by %s", decision_id, config.decision, config.batch_id, config.decided_by)
    return decision_id


@dg.job(description="Record a finance decision (accept a warning, exclude rows, reject, approve); the replay sensor runs the partition again.")
def record_decision_job():
    record_decision_op()


@dg.sensor(
    jobs=[labor_nightly_job, equipment_nightly_job, accruals_month_end_job],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def decision_replay_sensor(context: dg.SensorEvaluationContext, staging: StagingDatabase):
    """Run a partition again after each new decision, keyed by batch id and decision id."""
    last_seen = int(context.cursor or 0)
    for decision in decisions_after(staging.engine, last_seen):
        last_seen = max(last_seen, decision["id"])
        if not awaits_replay(staging.engine, decision):
            context.log.info("Decision %d on %s was applied by a later run; not replayed", decision["id"], decision["batch_id"])
            continue
        yield dg.RunRequest(
            run_key=f"{decision['batch_id']}:{decision['id']}",
            job_name=JOB_BY_DOMAIN[decision["domain"]],
            partition_key=decision["partition_key"],
            tags={"decision": decision["decision"], "decided_by": decision["decided_by"]},
        )
    context.update_cursor(str(last_seen))
