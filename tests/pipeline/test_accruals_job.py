"""Month-end accruals end to end: project-controls database -> staging -> approval -> Odoo entries."""

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ingest.project_controls import demo_control_totals
from staging.__main__ import main as staging_command
from staging.batch_workbook import write_batch_workbook
from staging.batches import batch_exceptions
from staging.journal import audit_entries
from tests.pipeline.accrual_harness import NOVEMBER, AccrualHarness
from tests.pipeline.harness import check_outcomes, materialized


@pytest.fixture
def accruals(fresh_odoo_sandbox, sqlite_staging, tmp_path) -> AccrualHarness:
    return AccrualHarness(fresh_odoo_sandbox, sqlite_staging, f"sqlite:///{tmp_path / 'project_controls.sqlite'}")


def approve(accruals: AccrualHarness, monkeypatch, batch_id: str) -> int:
    monkeypatch.setenv("STAGING_DATABASE_URL", accruals.staging.url)
    return staging_command(["approve", "--batch", batch_id, "--approver", "Dana Controller", "--reason", "November close"])


def test_manual_policy_waits_then_posts_after_approval(accruals: AccrualHarness, monkeypatch):
    first = accruals.run()

    assert not first.success
    batch = accruals.batch()
    assert batch["status"] == "awaiting_approval"
    assert not materialized(first, "accrual_entries")
    assert accruals.moves() == []

    assert approve(accruals, monkeypatch, batch["batch_id"]) == 0
    second = accruals.run()

    assert second.success
    moves = accruals.moves()
    assert [(move["date"], move["state"]) for move in moves] == [("2026-11-30", "posted"), ("2026-12-01", "posted")]
    assert moves[1]["reversed_entry_id"][0] == moves[0]["id"]
    assert accruals.batch()["status"] == "reconciled"
    held = batch_exceptions(accruals.staging.engine, batch["batch_id"])
    assert [(item["source_record_id"] or item["value"], item["reason"]) for item in held] == [("AC-2611-004", "approval_missing")] or \
        [item["reason"] for item in held] == ["approval_missing"]


def test_auto_policy_posts_balanced_entries_once(accruals: AccrualHarness):
    accruals.approval_policy = "auto"

    first = accruals.run()
    second = accruals.run()

    assert first.success and second.success
    moves = accruals.moves()
    assert len(moves) == 2
    metadata = second.asset_materializations_for_node("accrual_entries")[0].metadata
    assert metadata["entries_created_now"].value == 0
    client = accruals.resources()["odoo"].get_client()
    lines = client.search_read("account.move.line", [("move_id", "=", moves[0]["id"])], ["debit", "credit", "analytic_distribution"])
    debit = sum(Decimal(str(line["debit"])) for line in lines)
    credit = sum(Decimal(str(line["credit"])) for line in lines)
    count, total = demo_control_totals("2026-11")
    assert debit == credit
    assert debit - Decimal("0.00") >= total - Decimal("23150.00") - Decimal("850.00")
    assert all(line["analytic_distribution"] for line in lines if line["debit"] and line["debit"] > 0)


def test_stale_approval_does_not_post(accruals: AccrualHarness, monkeypatch):
    accruals.run()
    approve(accruals, monkeypatch, accruals.batch()["batch_id"])
    accruals.set_source("AC-2611-001", amount=Decimal("19300.00"))
    accruals.set_control("2026-11", control_amount=demo_control_totals("2026-11")[1] + Decimal("100.00"))

    result = accruals.run()

    assert not result.success
    assert accruals.batch()["status"] == "awaiting_approval"
    assert accruals.moves() == []


def test_corrected_period_reverses_posted_entries(accruals: AccrualHarness):
    accruals.approval_policy = "auto"
    assert accruals.run().success
    first_batch = accruals.batch()["batch_id"]
    accruals.set_source("AC-2611-001", amount=Decimal("19300.00"))
    accruals.set_control("2026-11", control_amount=demo_control_totals("2026-11")[1] + Decimal("100.00"))

    result = accruals.run()

    assert result.success
    moves = accruals.moves()
    assert len(moves) == 6  # accrual + reversal, their two correction reversals, the new accrual + reversal
    assert all(move["state"] == "posted" for move in moves)
    corrections = [move for move in moves if move["ref"].endswith("-CORR")]
    assert len(corrections) == 2
    new_batch = accruals.batch()["batch_id"]
    audit = audit_entries(accruals.staging.engine, new_batch)
    assert any(item["action"] == "reversed_earlier_batch" and item["related_batch_id"] == first_batch for item in audit)


def test_locked_period_is_held(accruals: AccrualHarness):
    accruals.approval_policy = "auto"

    result = accruals.run("2026-10-01")

    assert not result.success
    assert check_outcomes(result)["period_open"] is False
    batch = accruals.batch("2026-10-01")
    assert batch["status"] == "held"
    assert "period locked through 2026-10-31" in batch["status_reason"]
    assert accruals.moves() == []


def test_control_total_mismatch_is_held(accruals: AccrualHarness):
    accruals.approval_policy = "auto"
    accruals.set_control("2026-11", control_amount=demo_control_totals("2026-11")[1] + Decimal("0.01"))

    result = accruals.run()

    assert not result.success
    assert check_outcomes(result)["control_totals_match"] is False
    assert accruals.moves() == []


def test_blank_approval_flags_post_nothing(accruals: AccrualHarness):
    accruals.approval_policy = "auto"
    for accrual_id in ("AC-2611-001", "AC-2611-002", "AC-2611-003", "AC-2611-005", "AC-2611-006", "AC-2611-007"):
        accruals.set_source(accrual_id, approved=None)

    result = accruals.run()

    batch = accruals.batch()
    assert batch["rows_staged"] == 0
    assert batch["rows_excepted"] == 7
    assert batch["status"] == "held"
    assert not materialized(result, "accrual_entries") or not result.success
    assert accruals.moves() == []


def test_provisional_month_to_date_never_posts(accruals: AccrualHarness):
    accruals.approval_policy = "auto"

    result = accruals.run(NOVEMBER, provisional=True)

    assert result.success
    assert accruals.batch()["status"] == "provisional"
    assert accruals.moves() == []


def test_swing_against_last_month_warns(accruals: AccrualHarness):
    accruals.approval_policy = "auto"

    result = accruals.run()

    assert result.success
    assert check_outcomes(result)["accrual_swing_within_threshold"] is False


def test_accepted_swing_warning_passes_on_the_next_run(accruals: AccrualHarness):
    from staging.decisions import Decision, record_decision

    accruals.approval_policy = "auto"
    first = accruals.run()
    swing = next(e for e in first.get_asset_check_evaluations() if e.check_name == "accrual_swing_within_threshold")
    batch_id = accruals.batch()["batch_id"]

    assert swing.metadata["batch_id"].value == batch_id
    assert "| J-2417 | 31 23 00 | 6240.00 | 14880.00 | 138.5 |" in swing.metadata["findings"].value

    record_decision(accruals.staging.engine, Decision(
        batch_id=batch_id, decision="accept_warning", check_name="accrual_swing_within_threshold",
        decided_by="Dana Controller", reason="rental extended through December"))
    second = accruals.run()

    accepted = next(e for e in second.get_asset_check_evaluations() if e.check_name == "accrual_swing_within_threshold")
    assert accepted.passed
    assert accepted.description == "Accepted by Dana Controller: rental extended through December"


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_source_database_backends(backend, request, fresh_odoo_sandbox, sqlite_staging):
    url = request.getfixturevalue(f"{backend}_server_url")
    accruals = AccrualHarness(fresh_odoo_sandbox, sqlite_staging, url, approval_policy="auto")

    result = accruals.run()

    assert result.success
    assert len(accruals.moves()) == 2
    assert accruals.batch()["rows_in"] == 7


def test_month_end_schedule_closes_previous_month():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import dagster as dg

    from pipelines.accruals import MONTH_END_CLOSE_DAY, accruals_month_end_schedule

    tick = datetime(2026, 12, MONTH_END_CLOSE_DAY, 6, 0, tzinfo=ZoneInfo("America/Chicago"))
    context = dg.build_schedule_context(scheduled_execution_time=tick)

    request = accruals_month_end_schedule(context)

    assert request.partition_key == NOVEMBER


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"job": "J-1990", "cost_code": "31 23 00"}, "job_closed"),
        ({"job": "J-9999"}, "unknown_job"),
        ({"cost_code": "99 99 99"}, "unknown_cost_code"),
    ],
)
def test_master_data_problem_holds_accrual_row(accruals: AccrualHarness, changes, reason):
    accruals.approval_policy = "auto"
    accruals.set_source("AC-2611-001", **changes)

    result = accruals.run()

    assert result.success
    held = batch_exceptions(accruals.staging.engine, accruals.batch()["batch_id"])
    assert {item["reason"] for item in held} == {"approval_missing", reason}
    batch = accruals.batch()
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"] == 7
    assert len(accruals.moves()) == 2


def test_month_not_ended_never_posts(accruals: AccrualHarness, monkeypatch):
    from datetime import datetime

    from sqlalchemy import create_engine, insert

    from ingest.project_controls import accrual_batches, accruals as accrual_rows

    accruals.approval_policy = "auto"
    engine = create_engine(accruals.source_url)
    with engine.begin() as connection:
        connection.execute(insert(accrual_rows).values(
            accrual_id="AC-2612-001", period="2026-12", job="J-2301", cost_code="033000", cost_type="S",
            vendor="Ridgeline Concrete Pumping", description="Pumping to date", amount=Decimal("5000.00"), approved="Y"))
        connection.execute(insert(accrual_batches).values(
            batch_ref="ACR-2026-12", period="2026-12", control_count=1, control_amount=Decimal("5000.00"),
            exported_at=datetime(2026, 12, 4, 6, 0)))
    engine.dispose()

    result = accruals.run("2026-12-01")

    assert not result.success
    failure = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert "ends on 2026-12-31" in failure
    assert accruals.moves() == []


def test_batch_listing_and_audit_commands(accruals: AccrualHarness, monkeypatch, capsys):
    accruals.run()
    batch_id = accruals.batch()["batch_id"]
    monkeypatch.setenv("STAGING_DATABASE_URL", accruals.staging.url)

    staging_command(["batches", "--status", "awaiting_approval"])
    listed = capsys.readouterr().out
    approve(accruals, monkeypatch, batch_id)
    capsys.readouterr()
    staging_command(["audit", "--batch", batch_id])
    audit = capsys.readouterr().out

    assert batch_id in listed
    assert "113,892.75" in listed
    assert "approved by Dana Controller" in audit
    approved = [item for item in audit_entries(accruals.staging.engine, batch_id) if item["action"] == "approved"]
    assert [item["actor"] for item in approved] == ["Dana Controller"]


def test_batch_listing_filters(accruals: AccrualHarness, monkeypatch, capsys):
    accruals.run()
    monkeypatch.setenv("STAGING_DATABASE_URL", accruals.staging.url)

    staging_command(["batches", "--held-rows"])
    held = capsys.readouterr().out
    staging_command(["batches", "--status", "rejected"])
    rejected = capsys.readouterr().out

    assert accruals.batch()["batch_id"] in held
    assert held.splitlines()[0].split()[:3] == ["date", "batch", "id"]
    assert rejected.strip() == "No batches match."
    with pytest.raises(SystemExit):
        staging_command(["batches", "--status", "bogus"])


def staged_source_row(accruals: AccrualHarness, batch_id: str, record_id: str) -> dict:
    from sqlalchemy import select

    from staging.tables import journal_source_rows

    with accruals.staging.engine.connect() as connection:
        return dict(connection.execute(select(journal_source_rows).where(
            (journal_source_rows.c.batch_id == batch_id) & (journal_source_rows.c.source_record_id == record_id)
        )).mappings().one())


def test_excluded_accrual_row_leaves_entry(accruals: AccrualHarness, monkeypatch, tmp_path):
    from staging.decisions import Decision, record_decision

    accruals.run()
    first = accruals.batch()
    precast = staged_source_row(accruals, first["batch_id"], "AC-2611-006")
    workbook = load_workbook(write_batch_workbook(accruals.staging.engine, first["batch_id"], tmp_path))
    staged = {row[0]: row[1:] for row in workbook["staged_rows"].iter_rows(min_row=2, values_only=True)}
    assert staged["project_controls:accruals:6"][0] == "AC-2611-006"
    assert staged["project_controls:accruals:6"][3] == float(precast["amount"])

    record_decision(accruals.staging.engine, Decision(
        batch_id=first["batch_id"], decision="exclude_rows", decided_by="Dana Controller",
        reason="Keystone precast invoiced in November", source_rows=((precast["source_file"], precast["source_row"]),)))
    accruals.run()
    second = accruals.batch()

    assert second["batch_id"] != first["batch_id"]
    assert second["status"] == "awaiting_approval"
    assert second["staged_amount"] == first["staged_amount"] - precast["amount"]
    assert second["rows_in"] == second["rows_staged"] + second["rows_excepted"]
    held = batch_exceptions(accruals.staging.engine, second["batch_id"])
    assert ("AC-2611-006", "excluded_by_reviewer") in [(item["value"], item["reason"]) for item in held]

    assert approve(accruals, monkeypatch, second["batch_id"]) == 0
    posted = accruals.run()

    assert posted.success
    assert accruals.batch()["batch_id"] == second["batch_id"]
    assert accruals.batch()["status"] == "reconciled"
    assert len(accruals.moves()) == 2


def test_held_accrual_row_shows_its_money(accruals: AccrualHarness, tmp_path):
    accruals.run()
    batch = accruals.batch()

    workbook = load_workbook(write_batch_workbook(accruals.staging.engine, batch["batch_id"], tmp_path))

    sheet = workbook["approval_missing"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]]))
    assert (row["Record id"], row["Job"], row["Cost code"]) == ("AC-2611-004", "J-2302", "04 20 00")
    assert row["Amount"] == float(batch["file_amount"] - batch["staged_amount"])
    assert "AC-2611-004" not in {values[1] for values in workbook["staged_rows"].iter_rows(min_row=2, values_only=True)}


def test_second_exclusion_follows_first(accruals: AccrualHarness):
    from staging.decisions import Decision, record_decision

    def exclude(record_id: str) -> None:
        batch_id = accruals.batch()["batch_id"]
        row = staged_source_row(accruals, batch_id, record_id)
        record_decision(accruals.staging.engine, Decision(
            batch_id=batch_id, decision="exclude_rows", decided_by="Dana Controller", reason="invoiced",
            source_rows=((row["source_file"], row["source_row"]),)))
        accruals.run()

    accruals.run()
    exclude("AC-2611-006")
    exclude("AC-2611-003")
    accruals.run()

    held = batch_exceptions(accruals.staging.engine, accruals.batch()["batch_id"])
    excluded = sorted(item["value"] for item in held if item["reason"] == "excluded_by_reviewer")
    assert excluded == ["AC-2611-003", "AC-2611-006"]


def test_exclusion_survives_corrected_source(accruals: AccrualHarness):
    from staging.decisions import Decision, record_decision

    accruals.run()
    first = accruals.batch()
    precast = staged_source_row(accruals, first["batch_id"], "AC-2611-006")
    record_decision(accruals.staging.engine, Decision(
        batch_id=first["batch_id"], decision="exclude_rows", decided_by="Dana Controller", reason="invoiced",
        source_rows=((precast["source_file"], precast["source_row"]),)))

    accruals.set_source("AC-2611-001", amount=Decimal("19300.00"))
    accruals.set_control("2026-11", control_amount=demo_control_totals("2026-11")[1] + Decimal("100.00"))
    accruals.run()

    corrected = accruals.batch()
    assert corrected["control_amount"] == corrected["file_amount"]
    held = batch_exceptions(accruals.staging.engine, corrected["batch_id"])
    assert ("AC-2611-006", "excluded_by_reviewer") in [(item["value"], item["reason"]) for item in held]


def test_rejected_accrual_batch_stays_rejected(accruals: AccrualHarness, monkeypatch):
    from staging.decisions import Decision, record_decision

    accruals.run()
    batch_id = accruals.batch()["batch_id"]
    record_decision(accruals.staging.engine, Decision(
        batch_id=batch_id, decision="reject", decided_by="Dana Controller", reason="keep October's accrual"))

    rerun = accruals.run()

    assert not rerun.success
    assert accruals.batch()["status"] == "rejected"
    assert approve(accruals, monkeypatch, batch_id) != 0
    assert accruals.moves() == []


def test_excluding_held_accrual_row_is_refused(accruals: AccrualHarness):
    from staging.decisions import Decision, DecisionRefused, record_decision

    accruals.run()
    batch = accruals.batch()
    held = batch_exceptions(accruals.staging.engine, batch["batch_id"])[0]

    with pytest.raises(DecisionRefused, match="is already held and does not post"):
        record_decision(accruals.staging.engine, Decision(
            batch_id=batch["batch_id"], decision="exclude_rows", decided_by="Dana Controller", reason="x",
            source_rows=((held["source_file"], held["source_row"]),)))


def test_excluding_unknown_accrual_row_is_refused(accruals: AccrualHarness):
    from staging.decisions import Decision, DecisionRefused, record_decision

    accruals.run()
    batch = accruals.batch()

    with pytest.raises(DecisionRefused, match="not in batch"):
        record_decision(accruals.staging.engine, Decision(
            batch_id=batch["batch_id"], decision="exclude_rows", decided_by="Dana Controller", reason="x",
            source_rows=(("project_controls:accruals", 99),)))
