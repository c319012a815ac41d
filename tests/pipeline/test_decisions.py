"""Finance decisions: validation of each refused case, and what the next run does with a decision."""

from datetime import date
from decimal import Decimal

import dagster as dg
import pytest

from demo.extracts import sample_labor_rows
from ingest.records import ControlRecord
from pipelines.review import decision_replay_sensor, record_decision_job
from staging.batches import batch_exceptions
from staging.decisions import Decision, DecisionRefused, record_decision
from staging.journal import audit_entries
from tests.pipeline.harness import LaborHarness, check_outcomes

DAY = date(2026, 11, 16)


def held_day(labor: LaborHarness) -> dict:
    """Stage a day whose control record is off by 2 hours, so the batch is held."""
    rows = sample_labor_rows(DAY)
    total = sum((Decimal(str(row["hours"])) for row in rows), Decimal("0.00"))
    labor.drop(DAY, [*rows, {**rows[0], "cost_code": "09 91 00"}],
               control_override=ControlRecord(len(rows) + 1, total + Decimal("2.00") + Decimal(str(rows[0]["hours"])), "t"))
    assert not labor.run(DAY).success
    return labor.batch(DAY)


def decide(labor: LaborHarness, batch_id: str, decision: str, **extra) -> int:
    return record_decision(labor.staging.engine, Decision(batch_id=batch_id, decision=decision,
                                                          decided_by="Dana Controller", reason="reviewed", **extra))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_id": "labor-2026-11-16-unknown"}, "no batch with this id was ever staged"),
        ({"decision": "waive"}, "unknown decision"),
        ({"reason": " "}, "needs the reviewer's name and a reason"),
        ({"decision": "accept_warning", "check_name": "control_totals_match"}, "cannot be accepted"),
        ({"decision": "accept_warning", "check_name": "made_up"}, "unknown warning"),
        ({"decision": "accept_warning", "check_name": "accrual_swing_within_threshold"}, "for a labor batch"),
        ({"decision": "exclude_rows", "source_rows": (("timecards_20261116.csv", 999),)}, "not in batch"),
        ({"decision": "exclude_rows"}, "at least one row"),
        ({"content_hash": "0" * 64}, "changed since it was reviewed"),
        ({"decision": "approve"}, "not waiting for approval"),
    ],
)
def test_refused_decisions(labor: LaborHarness, changes, message):
    batch = held_day(labor)
    decision = Decision(**{"batch_id": batch["batch_id"], "decision": "reject", "decided_by": "Dana Controller",
                           "reason": "reviewed", **changes})

    with pytest.raises(DecisionRefused, match=message):
        record_decision(labor.staging.engine, decision)


def test_decision_on_replaced_batch_is_refused(labor: LaborHarness):
    old = held_day(labor)["batch_id"]
    for path in labor.drop_dir.iterdir():
        path.unlink()
    labor.drop(DAY, sample_labor_rows(DAY))
    assert labor.run(DAY).success

    with pytest.raises(DecisionRefused, match="a newer batch of its date replaced it"):
        decide(labor, old, "reject")


def test_excluded_held_row_is_listed_once(labor: LaborHarness):
    batch = held_day(labor)
    held_row = next(item for item in batch_exceptions(labor.staging.engine, batch["batch_id"])
                    if item["reason"] == "unknown_cost_code")

    decide(labor, batch["batch_id"], "exclude_rows", source_rows=((held_row["source_file"], held_row["source_row"]),))
    labor.run(DAY)

    after = batch_exceptions(labor.staging.engine, labor.batch(DAY)["batch_id"])
    listed = [item for item in after if item["source_row"] == held_row["source_row"]]
    assert [item["reason"] for item in listed] == ["excluded_by_reviewer"]
    assert "held for unknown_cost_code" in listed[0]["message"]
    assert labor.batch(DAY)["rows_excepted"] == batch["rows_excepted"]


def test_exclusion_follows_record_into_corrected_file(labor: LaborHarness):
    from sqlalchemy import select

    from staging.tables import labor_lines

    batch = held_day(labor)
    with labor.staging.engine.connect() as connection:
        excluded = connection.execute(select(labor_lines).where(
            (labor_lines.c.batch_id == batch["batch_id"]) & (labor_lines.c.source_row == 2))).mappings().one()
    decide(labor, batch["batch_id"], "exclude_rows", source_rows=(("timecards_20261116.csv", 2),))

    for path in labor.drop_dir.iterdir():
        path.unlink()
    labor.drop(DAY, sample_labor_rows(DAY))  # the sender's corrected file, which balances
    assert labor.run(DAY).success

    corrected = labor.batch(DAY)
    assert corrected["batch_id"] != batch["batch_id"]
    held = batch_exceptions(labor.staging.engine, corrected["batch_id"])
    assert [(item["source_record_id"], item["reason"]) for item in held] == [
        (excluded["source_record_id"], "excluded_by_reviewer")]
    assert f"on batch {batch['batch_id']}" in held[0]["message"]
    assert corrected["rows_staged"] == corrected["rows_in"] - 1
    assert len(labor.odoo_lines()) == corrected["rows_staged"]


def test_audit_trail_covers_landing_and_held_rows(labor: LaborHarness):
    batch = held_day(labor)

    trail = [(item["action"], item["actor"]) for item in audit_entries(labor.staging.engine, batch["batch_id"])]

    assert trail[0] == ("landed", "pipeline")
    assert ("rows_held", "pipeline") in trail
    assert ("held", "pipeline") in trail


def test_excluding_posted_labor_row_is_refused(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))
    assert labor.run(DAY).success
    batch = labor.batch(DAY)

    with pytest.raises(DecisionRefused, match="already posted to Odoo .* does not reverse timesheet lines"):
        decide(labor, batch["batch_id"], "exclude_rows", source_rows=(("timecards_20261116.csv", 2),))


def test_rejecting_posted_batch_is_refused(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))
    assert labor.run(DAY).success

    with pytest.raises(DecisionRefused, match="has reached Odoo, and rejecting it would not take it out of the books"):
        decide(labor, labor.batch(DAY)["batch_id"], "reject")


def test_rejecting_twice_is_refused(labor: LaborHarness):
    batch = held_day(labor)
    decide(labor, batch["batch_id"], "reject")

    with pytest.raises(DecisionRefused, match="is already rejected"):
        decide(labor, batch["batch_id"], "reject")


def test_accepting_absent_held_rows_warning_is_refused(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))
    assert labor.run(DAY).success

    with pytest.raises(DecisionRefused, match="has no held rows"):
        decide(labor, labor.batch(DAY)["batch_id"], "accept_warning", check_name="no_rows_held_for_review")


def test_excluded_row_leaves_batch_and_is_listed(labor: LaborHarness):
    batch = held_day(labor)

    decide(labor, batch["batch_id"], "exclude_rows", source_rows=(("timecards_20261116.csv", 2),))
    labor.run(DAY)

    after = labor.batch(DAY)
    held = batch_exceptions(labor.staging.engine, after["batch_id"])
    assert any(item["reason"] == "excluded_by_reviewer" and item["source_row"] == 2 for item in held)
    assert after["rows_staged"] == batch["rows_staged"] - 1
    assert after["rows_in"] == after["rows_staged"] + after["rows_excepted"]


def test_rejected_batch_stays_rejected_and_never_posts(labor: LaborHarness):
    labor.drop(DAY, [*sample_labor_rows(DAY), {**sample_labor_rows(DAY)[0], "cost_code": "09 91 00"}])
    labor.sandbox.server.injector.add(
        __import__("odoo_sandbox.faults", fromlist=["FaultRule"]).FaultRule(
            model="account.analytic.line", method="create", count=1, status=500))
    assert not labor.run(DAY, max_attempts=1).success  # staged, the post failed
    batch_id = labor.batch(DAY)["batch_id"]

    decide(labor, batch_id, "reject")
    result = labor.run(DAY)

    assert not result.success
    assert labor.batch(DAY)["status"] == "rejected"
    assert labor.odoo_lines() == []
    actions = [item["action"] for item in audit_entries(labor.staging.engine, batch_id)]
    assert "decided_reject" in actions


def test_accepted_warning_passes_with_reviewer(labor: LaborHarness):
    labor.drop(DAY, [*sample_labor_rows(DAY), {**sample_labor_rows(DAY)[0], "cost_code": "09 91 00"}])
    first = labor.run(DAY)
    assert check_outcomes(first)["no_rows_held_for_review"] is False

    decide(labor, labor.batch(DAY)["batch_id"], "accept_warning", check_name="no_rows_held_for_review")
    second = labor.run(DAY)

    assert check_outcomes(second)["no_rows_held_for_review"] is True


def test_decision_job_and_replay_sensor(labor: LaborHarness):
    batch = held_day(labor)
    config = {"batch_id": batch["batch_id"], "decision": "exclude_rows", "decided_by": "Dana Controller",
              "reason": "not billable", "source_rows": ["timecards_20261116.csv:2"]}

    result = record_decision_job.execute_in_process(
        run_config={"ops": {"record_decision_op": {"config": config}}}, resources={"staging": labor.staging}
    )
    requests = list(decision_replay_sensor(dg.build_sensor_context(resources={"staging": labor.staging})))

    assert result.success
    assert [(r.job_name, r.partition_key) for r in requests] == [("labor_nightly", "2026-11-16")]
    assert requests[0].run_key.startswith(batch["batch_id"] + ":")


def test_replay_sensor_skips_applied_decisions(labor: LaborHarness):
    batch = held_day(labor)
    decide(labor, batch["batch_id"], "exclude_rows", source_rows=(("timecards_20261116.csv", 2),))
    labor.run(DAY)  # a controller ran the date by hand, which applied the decision
    pending = decide(labor, labor.batch(DAY)["batch_id"], "exclude_rows", source_rows=(("timecards_20261116.csv", 3),))

    requests = list(decision_replay_sensor(dg.build_sensor_context(resources={"staging": labor.staging})))

    assert [request.run_key for request in requests] == [f"{labor.batch(DAY)['batch_id']}:{pending}"]


def test_decision_job_reports_refusal(labor: LaborHarness):
    batch = held_day(labor)
    config = {"batch_id": batch["batch_id"], "decision": "accept_warning", "decided_by": "Dana Controller",
              "reason": "close enough", "check_name": "control_totals_match"}

    result = record_decision_job.execute_in_process(
        run_config={"ops": {"record_decision_op": {"config": config}}}, resources={"staging": labor.staging},
        raise_on_error=False,
    )

    assert not result.success
    assert "cannot be accepted" in str(result.get_step_failure_events()[0].event_specific_data.error)
