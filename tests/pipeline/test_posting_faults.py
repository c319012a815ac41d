"""Exactly-once posting under faults: transient errors, unknown outcomes, crashes, validation faults."""

from datetime import date
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import update

from assets.labor import labor_batch, labor_extract, labor_timesheets
from checks.labor_gate import PostingRefused, verify_labor_batch
from demo.extracts import sample_labor_rows
from ingest.records import ControlRecord
from odoo_io.client import OdooClient
from odoo_io.timesheets import (
    EXTERNAL_ID_MODULE,
    TIMESHEET_MODEL,
    PostingRejected,
    full_external_id,
    post_timesheets,
    read_back_totals,
    timesheet_values,
)
from odoo_sandbox.faults import FaultRule
from staging.batches import batch_exceptions, iter_staged_labor_lines, ledger_for_batch, staged_labor_lines
from staging.tables import labor_lines
from tests.fixtures.sandbox import start_sandbox
from tests.pipeline.harness import LaborHarness

DAY = date(2026, 11, 16)


def staged_and_ready(labor: LaborHarness) -> list[dict]:
    """Stage a batch with a run whose post fails before anything is created, and return its lines."""
    labor.drop(DAY, sample_labor_rows(DAY, crew_size=8))
    labor.sandbox.server.injector.add(FaultRule(model="account.analytic.line", method="create", count=1, status=500))
    result = labor.run(DAY, max_attempts=1)
    assert not result.success
    assert labor.odoo_lines() == []
    return staged_labor_lines(labor.staging.engine, labor.batch(DAY)["batch_id"])


def test_transient_502_is_retried_and_posts_once(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))
    labor.sandbox.server.injector.add(FaultRule(model="account.analytic.line", method="create", count=2, status=502))

    result = labor.run(DAY)

    assert result.success
    metadata = result.asset_materializations_for_node("labor_timesheets")[0].metadata
    assert metadata["transient_retries"].value >= 2
    assert len(labor.odoo_lines()) == len(sample_labor_rows(DAY))


def test_lookup_429_is_retried(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))
    labor.sandbox.server.injector.add(FaultRule(model="account.analytic.line", method="search", count=1, status=429))

    assert labor.run(DAY).success
    assert len(labor.odoo_lines()) == len(sample_labor_rows(DAY))


@pytest.mark.parametrize("action", ["status", "drop", "delay"])
def test_unknown_create_outcome_not_repeated(labor: LaborHarness, action):
    # The server commits the chunk, then the client sees a 503, a dropped connection or a timeout.
    labor.chunk_size = 4
    labor.drop(DAY, sample_labor_rows(DAY))
    labor.sandbox.server.injector.add(
        FaultRule(model="account.analytic.line", method="create", count=1, action=action, status=503,
                  when="after", delay_seconds=3.0 if action == "delay" else 0.0)
    )

    result = labor.run(DAY, timeout_seconds=1.0)

    assert result.success
    refs = [line["ref"] for line in labor.odoo_lines()]
    assert len(refs) == len(set(refs)) == len(sample_labor_rows(DAY))


def test_crash_between_chunks_then_rerun(labor: LaborHarness):
    labor.chunk_size = 3
    rows = sample_labor_rows(DAY, crew_size=8)
    labor.drop(DAY, rows)
    # Chunk 1 posts; chunk 2 is committed by the server but the run dies before it learns so.
    labor.sandbox.server.injector.add(FaultRule(model="account.analytic.line", method="create", count=1, status=503,
                                                when="after"))
    first = labor.run(DAY, max_attempts=1)
    assert not first.success
    assert labor.batch(DAY)["status"] == "posting"
    partly = len(labor.odoo_lines())
    assert 0 < partly < len(rows)

    second = labor.run(DAY)

    assert second.success
    refs = [line["ref"] for line in labor.odoo_lines()]
    assert len(refs) == len(set(refs)) == len(rows)
    assert labor.batch(DAY)["status"] == "reconciled"
    assert len(ledger_for_batch(labor.staging.engine, labor.batch(DAY)["batch_id"])) == len(rows)


def test_process_stopping_after_a_chunk_resumes_on_rerun(labor: LaborHarness):
    lines = staged_and_ready(labor)
    client = labor.odoo(chunk_size=2).get_client()

    class StopAfterFirstChunk(Exception):
        pass

    def stop(chunk_no: int) -> None:
        raise StopAfterFirstChunk(chunk_no)

    with pytest.raises(StopAfterFirstChunk):
        post_timesheets(client, labor.staging.engine, batch_id="b", lines=lines, chunk_size=2, after_chunk=stop)
    assert len(labor.odoo_lines()) == 2

    result = post_timesheets(client, labor.staging.engine, batch_id="b", lines=lines, chunk_size=2)

    assert result.created == len(lines) - 2
    assert result.already_in_odoo == 2
    assert len(labor.odoo_lines()) == len(lines)


def test_lines_paged_from_staging_post_once(labor: LaborHarness):
    # Pages of 3 lines against chunks of 2, so chunks straddle pages; a stop after chunk 2 then a rerun.
    lines = staged_and_ready(labor)
    batch_id = labor.batch(DAY)["batch_id"]
    client = labor.odoo(chunk_size=2).get_client()

    class StopAfterSecondChunk(Exception):
        pass

    def stop(chunk_no: int) -> None:
        if chunk_no == 2:
            raise StopAfterSecondChunk(chunk_no)

    with pytest.raises(StopAfterSecondChunk):
        post_timesheets(client, labor.staging.engine, batch_id=batch_id, chunk_size=2, after_chunk=stop,
                        lines=iter_staged_labor_lines(labor.staging.engine, batch_id, page_size=3))
    result = post_timesheets(client, labor.staging.engine, batch_id=batch_id, chunk_size=2,
                             lines=iter_staged_labor_lines(labor.staging.engine, batch_id, page_size=3))

    assert result.already_in_odoo == 4
    assert result.created == len(lines) - 4
    assert result.chunks == -(-len(lines) // 2)
    assert sorted(line["ref"] for line in labor.odoo_lines()) == sorted(
        full_external_id(line["external_id"]) for line in lines)
    count, hours = read_back_totals(client, (full_external_id(line["external_id"]) for line in lines), chunk_size=3)
    assert count == len(lines)
    assert hours == sum((line["hours"] for line in lines), Decimal("0.00"))


def record_calls(client: OdooClient, monkeypatch) -> list[tuple[str, str]]:
    """Record the (model, method) of every search_read and create_many the client sends, in order."""
    calls: list[tuple[str, str]] = []
    for method in ("search_read", "create_many"):
        original = getattr(client, method)

        def recorder(model, *args, _original=original, _method=method, **kwargs):
            calls.append((model, _method))
            return _original(model, *args, **kwargs)

        monkeypatch.setattr(client, method, recorder)
    return calls


def external_ids(labor: LaborHarness) -> dict[str, int]:
    """Map the name of each timesheet line's external id in the sandbox to its res_id."""
    admin = labor.sandbox.connect("jsonrpc", as_admin=True)
    rows = admin.get_model("ir.model.data").search_read(
        [("module", "=", EXTERNAL_ID_MODULE), ("model", "=", TIMESHEET_MODEL)], ["name", "res_id"]
    )
    return {row["name"]: row["res_id"] for row in rows}


def test_first_post_sends_three_calls_per_chunk(labor: LaborHarness, monkeypatch):
    lines = staged_and_ready(labor)
    client = labor.odoo().get_client()
    calls = record_calls(client, monkeypatch)

    result = post_timesheets(client, labor.staging.engine, batch_id="b", lines=lines, chunk_size=4)

    chunks = -(-len(lines) // 4)
    per_chunk = [(TIMESHEET_MODEL, "search_read"), (TIMESHEET_MODEL, "create_many"), ("ir.model.data", "create_many")]
    assert calls == per_chunk * chunks
    assert result.external_ids_registered == len(lines)
    assert result.external_id_warning is None
    ids_by_ref = {line["ref"]: line["id"] for line in labor.odoo_lines()}
    assert external_ids(labor) == {ref.split(".", 1)[1]: odoo_id for ref, odoo_id in ids_by_ref.items()}


def test_leftover_external_id_falls_back_to_lookup(labor: LaborHarness, monkeypatch):
    lines = staged_and_ready(labor)
    # An entry under one line's name that points to a record this post did not create.
    admin = labor.sandbox.connect("jsonrpc", as_admin=True)
    admin.get_model("ir.model.data").create(
        {"module": EXTERNAL_ID_MODULE, "name": lines[1]["external_id"], "model": TIMESHEET_MODEL, "res_id": 999}
    )
    client = labor.odoo().get_client()
    calls = record_calls(client, monkeypatch)

    result = post_timesheets(client, labor.staging.engine, batch_id="b", lines=lines, chunk_size=4)

    assert calls[:5] == [
        (TIMESHEET_MODEL, "search_read"), (TIMESHEET_MODEL, "create_many"),
        ("ir.model.data", "create_many"), ("ir.model.data", "search_read"), ("ir.model.data", "create_many"),
    ]
    assert result.created == len(lines)
    assert result.external_id_warning is None
    assert result.external_ids_registered == len(lines) - 1
    registered = external_ids(labor)
    assert len(registered) == len(lines)
    assert registered[lines[1]["external_id"]] == 999


def test_rerun_registers_ids_a_crash_left_out(labor: LaborHarness, monkeypatch):
    lines = staged_and_ready(labor)
    client = labor.odoo().get_client()
    # A run that died after the create of three lines and before their registration.
    client.create_many(TIMESHEET_MODEL, [timesheet_values(line) for line in lines[:3]])
    calls = record_calls(client, monkeypatch)

    result = post_timesheets(client, labor.staging.engine, batch_id="b", lines=lines, chunk_size=4)

    assert calls[:4] == [
        (TIMESHEET_MODEL, "search_read"), (TIMESHEET_MODEL, "create_many"),
        ("ir.model.data", "search_read"), ("ir.model.data", "create_many"),
    ]
    assert result.already_in_odoo == 3
    assert result.created == len(lines) - 3
    assert result.external_ids_registered == len(lines)
    assert len(labor.odoo_lines()) == len(lines)
    assert len(external_ids(labor)) == len(lines)


def test_validation_fault_isolates_the_refused_line(labor: LaborHarness):
    lines = staged_and_ready(labor)
    broken = [dict(line) for line in lines[:5]]
    broken[3]["odoo_employee_id"] = 999_999  # no such employee in Odoo
    client = labor.odoo().get_client()

    result = post_timesheets(client, labor.staging.engine, batch_id="b", lines=broken, chunk_size=10)

    assert [line["source_row"] for line, _ in result.rejected] == [broken[3]["source_row"]]
    assert "employee" in result.rejected[0][1].lower()
    assert result.created == 4
    assert client.transient_retries == 0
    assert len(labor.odoo_lines()) == 4


def test_employee_archived_before_post_is_held_not_lost(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, rows)
    staged = dg.materialize([labor_extract, labor_batch], partition_key=DAY.isoformat(), resources=labor.resources())
    assert staged.success
    # Master data changes in Odoo between staging and posting.
    admin = labor.sandbox.connect("jsonrpc", as_admin=True)
    employees = admin.get_model("hr.employee")
    employees.write(employees.search([("barcode", "=", rows[0]["employee_id"])]), {"active": False})

    result = dg.materialize([labor_timesheets], partition_key=DAY.isoformat(), resources=labor.resources(),
                            raise_on_error=False)

    assert result.success
    batch = labor.batch(DAY)
    held = [item for item in batch_exceptions(labor.staging.engine, batch["batch_id"]) if item["reason"] == "odoo_rejected"]
    employee_rows = [row for row in rows if row["employee_id"] == rows[0]["employee_id"]]
    assert len(held) == len(employee_rows)
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"] == len(rows)
    assert len(labor.odoo_lines()) == len(rows) - len(employee_rows)
    assert batch["status"] == "reconciled"


def test_gate_refuses_batch_whose_staging_was_changed(labor: LaborHarness):
    staged_and_ready(labor)
    batch = labor.batch(DAY)
    with labor.staging.engine.begin() as connection:
        connection.execute(update(labor_lines).where(labor_lines.c.line_no == 0).values(hours=Decimal("23.00")))

    with pytest.raises(PostingRefused, match="staging contains"):
        verify_labor_batch(labor.staging.engine, batch)


def test_post_alone_refuses_held_batch(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    claimed = ControlRecord(record_count=len(rows) + 1, total_hours=Decimal("1.00"), source="test")
    labor.drop(DAY, rows, control_override=claimed)
    assert not labor.run(DAY).success

    # A later run that selects only the posting asset: Dagster's blocking check does not
    # stop it, so the posting step's own gate must.
    result = dg.materialize([labor_timesheets], partition_key=DAY.isoformat(), resources=labor.resources(),
                            raise_on_error=False)

    assert not result.success
    assert "held" in str(result.get_step_failure_events()[0].event_specific_data.error)
    assert labor.odoo_lines() == []


@pytest.mark.parametrize(("protocol", "version"), [("xmlrpc", "17.0"), ("jsonrpc", "18.0"), ("json2", "19.0")])
def test_each_protocol_posts_and_reconciles(embedded_sftp, sqlite_staging, tmp_path, protocol, version):
    sandbox = start_sandbox(tmp_path / "sandbox.sqlite3", version=version)
    try:
        labor = LaborHarness(embedded_sftp, sandbox, sqlite_staging, tmp_path / "landing", protocol=protocol, chunk_size=4)
        rows = sample_labor_rows(DAY)
        labor.drop(DAY, rows)

        result = labor.run(DAY)

        assert result.success, protocol
        assert labor.batch(DAY)["status"] == "reconciled"
        assert len(labor.odoo_lines()) == len(rows)
    finally:
        sandbox.server.stop()


def test_batch_leased_by_other_run_skipped(labor: LaborHarness):
    from staging.batches import acquire_posting_lease

    staged_and_ready(labor)
    acquire_posting_lease(labor.staging.engine, labor.batch(DAY)["batch_id"], "other-run")

    result = dg.materialize([labor_timesheets], partition_key=DAY.isoformat(), resources=labor.resources(),
                            raise_on_error=False)

    assert not result.success
    assert "other-run" in str(result.get_step_failure_events()[0].event_specific_data.error)
    assert labor.odoo_lines() == []


def test_lease_of_an_ended_run_is_taken_over(labor: LaborHarness):
    from staging.batches import acquire_posting_lease

    @dg.op
    def dies():
        raise RuntimeError("killed mid-post")

    @dg.job
    def killed_post():
        dies()

    staged_and_ready(labor)
    with dg.instance_for_test() as instance:
        ended = killed_post.execute_in_process(instance=instance, raise_on_error=False)
        acquire_posting_lease(labor.staging.engine, labor.batch(DAY)["batch_id"], ended.run_id)

        result = dg.materialize([labor_timesheets], partition_key=DAY.isoformat(), resources=labor.resources(),
                                instance=instance, raise_on_error=False)

    assert result.success
    assert len(labor.odoo_lines()) == labor.batch(DAY)["rows_staged"]
