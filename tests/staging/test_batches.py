"""Staging database behaviour on SQLite and PostgreSQL: replace per partition, exact totals, ledger."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ingest.records import OwnerRole, Reason, RowException
from staging.batches import (
    BatchHeader,
    PostingLeaseTaken,
    acquire_posting_lease,
    batch_exceptions,
    current_batch,
    excepted_row_count,
    iter_staged_labor_lines,
    ledger_batches_for,
    record_posted,
    release_posting_lease,
    replace_staged_batch,
    set_batch_status,
    staged_labor_lines,
    staged_totals,
)


def header(batch_id: str, partition: str = "2026-11-16", rows_staged: int = 2, hours: str = "16.25") -> BatchHeader:
    return BatchHeader(
        batch_id=batch_id,
        domain="labor",
        partition_key=partition,
        source_file="labor_20261116.csv",
        content_hash="ab" * 32,
        mapping="procore_timecards",
        rows_in=rows_staged + 1,
        rows_staged=rows_staged,
        rows_excepted=1,
        staged_hours=Decimal(hours),
        file_hours=Decimal(hours),
        counted_rows=rows_staged + 1,
        control_count=rows_staged + 1,
        control_hours=Decimal(hours),
        control_source="labor_20261116.ctl",
    )


def line(line_no: int, hours: str) -> dict:
    return {
        "line_no": line_no,
        "external_id": f"labor_procore_{line_no}",
        "source_record_id": str(line_no),
        "source_file": "labor_20261116.csv",
        "source_row": line_no + 2,
        "job": "J-2301",
        "cost_code": "03 30 00",
        "cost_type": "L",
        "employee_id": "E1001",
        "craft": "Carpenter",
        "pay_type": "RT",
        "work_date": date(2026, 11, 16),
        "hours": Decimal(hours),
        "odoo_project_id": 1,
        "odoo_task_id": 2,
        "odoo_employee_id": 3,
    }


def exception(row: int) -> RowException:
    return RowException("labor_20261116.csv", row, "cost_code", "09 91 00", Reason.UNKNOWN_COST_CODE, OwnerRole.MASTER_DATA, "unknown")


def test_staged_totals_are_exact_decimals(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10"), line(1, "8.15")], [(2, exception(4))])

    count, hours = staged_totals(staging_db.engine, "b1")

    assert count == 2
    assert hours == Decimal("16.25")
    assert isinstance(staged_labor_lines(staging_db.engine, "b1")[0]["hours"], Decimal)


def test_restaging_partition_replaces_batch(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10"), line(1, "8.15")], [(2, exception(4))])
    replace_staged_batch(staging_db.engine, header("b2", rows_staged=1, hours="4.00"), [line(0, "4.00")], [])

    assert current_batch(staging_db.engine, "labor", "2026-11-16")["batch_id"] == "b2"
    assert staged_labor_lines(staging_db.engine, "b1") == []
    assert batch_exceptions(staging_db.engine, "b1") == []
    assert staged_totals(staging_db.engine, "b2") == (1, Decimal("4.00"))


def test_restaging_keeps_posted_batch_header(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10"), line(1, "8.15")], [])
    set_batch_status(staging_db.engine, "b1", "posted")
    record_posted(staging_db.engine, batch_id="b1", domain="labor", odoo_model="account.analytic.line", chunk_no=1,
                  ids_by_external_id={"labor_procore_0": 10, "labor_procore_1": 11})

    replace_staged_batch(staging_db.engine, header("b2"), [line(0, "8.10"), line(1, "8.15")], [])

    assert ledger_batches_for(staging_db.engine, ["labor_procore_0", "labor_procore_1"]) == {
        "labor_procore_0": "b1",
        "labor_procore_1": "b1",
    }
    assert current_batch(staging_db.engine, "labor", "2026-11-16")["batch_id"] == "b2"


def test_ledger_ignores_rows_it_already_holds(staging_db):
    first = record_posted(staging_db.engine, batch_id="b1", domain="labor", odoo_model="account.analytic.line",
                          chunk_no=1, ids_by_external_id={"x1": 1, "x2": 2})
    second = record_posted(staging_db.engine, batch_id="b1", domain="labor", odoo_model="account.analytic.line",
                           chunk_no=1, ids_by_external_id={"x1": 1, "x2": 2, "x3": 3})

    assert first == 2
    assert second == 1


def test_excepted_rows_count_lines_and_unparsed_rows_once(staging_db):
    unparsed = RowException("f.csv", 9, "hours", "abc", Reason.INVALID_NUMBER, OwnerRole.FIELD, "not a number")
    replace_staged_batch(
        staging_db.engine,
        header("b1"),
        [],
        # line 4 has two problems, unparsed row 9 has two problems, line 5 one problem
        [(4, exception(6)), (4, exception(6)), (None, unparsed), (None, unparsed), (5, exception(6))],
    )

    assert excepted_row_count(staging_db.engine, "b1") == 3


def test_restaging_posted_batch_keeps_first_posted_at(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10"), line(1, "8.15")], [])
    set_batch_status(staging_db.engine, "b1", "posted")
    first = current_batch(staging_db.engine, "labor", "2026-11-16")["posted_at"]

    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10"), line(1, "8.15")], [])
    set_batch_status(staging_db.engine, "b1", "posted")

    assert current_batch(staging_db.engine, "labor", "2026-11-16")["posted_at"] == first


def test_posting_lease_admits_one_run(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [])

    acquire_posting_lease(staging_db.engine, "b1", "run-a")

    with pytest.raises(PostingLeaseTaken, match="run-a"):
        acquire_posting_lease(staging_db.engine, "b1", "run-b")
    with pytest.raises(PostingLeaseTaken, match="run-a"):
        replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [])
    release_posting_lease(staging_db.engine, "b1", "run-a")
    acquire_posting_lease(staging_db.engine, "b1", "run-b")


def test_expired_posting_lease_is_taken_over(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [])
    acquire_posting_lease(staging_db.engine, "b1", "run-a")

    acquire_posting_lease(staging_db.engine, "b1", "run-b", lease=timedelta(seconds=-1))

    with pytest.raises(PostingLeaseTaken, match="run-b"):
        acquire_posting_lease(staging_db.engine, "b1", "run-c")


def test_restaging_after_held_batch_stages_new_batch(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [])
    set_batch_status(staging_db.engine, "b1", "held", "control totals differ")

    replace_staged_batch(staging_db.engine, header("b2"), [line(0, "8.10")], [])

    batch = current_batch(staging_db.engine, "labor", "2026-11-16")
    assert (batch["batch_id"], batch["status"], batch["status_reason"]) == ("b2", "staged", None)


def test_lease_of_ended_holder_is_taken_over(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [])
    acquire_posting_lease(staging_db.engine, "b1", "run-a")

    with pytest.raises(PostingLeaseTaken):
        acquire_posting_lease(staging_db.engine, "b1", "run-b", holder_ended=lambda run_id: False)
    acquire_posting_lease(staging_db.engine, "b1", "run-b", holder_ended=lambda run_id: run_id == "run-a")
    with pytest.raises(PostingLeaseTaken, match="run-b"):
        acquire_posting_lease(staging_db.engine, "b1", "run-c")


def test_restaging_passes_only_ended_lease(staging_db):
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [])
    acquire_posting_lease(staging_db.engine, "b1", "run-a")

    with pytest.raises(PostingLeaseTaken, match="run-a"):
        replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [], holder_ended=lambda run_id: False)
    replace_staged_batch(staging_db.engine, header("b1"), [line(0, "8.10")], [],
                         holder_ended=lambda run_id: run_id == "run-a")

    acquire_posting_lease(staging_db.engine, "b1", "run-b")
    assert current_batch(staging_db.engine, "labor", "2026-11-16")["posting_run_id"] == "run-b"


def test_staged_lines_page_in_line_order(staging_db):
    lines = [line(line_no, "1.25") for line_no in (4, 0, 6, 2, 5, 1, 3)]
    replace_staged_batch(staging_db.engine, header("paged", rows_staged=7), lines, [])

    pages = list(iter_staged_labor_lines(staging_db.engine, "paged", page_size=3))

    assert [line["line_no"] for line in pages] == list(range(7))
    assert pages == staged_labor_lines(staging_db.engine, "paged")


def test_every_coded_value_fits_its_column():
    # SQLite ignores VARCHAR lengths and PostgreSQL enforces them: "awaiting_approval" once
    # failed every manual-approval accrual batch on PostgreSQL alone.
    from ingest.records import OwnerRole, Reason
    from staging.__main__ import BATCH_STATUSES, DOMAINS
    from staging.decisions import DECISIONS
    from staging.tables import audit_log, batches, decisions, exceptions

    coded = [
        (batches.c.status, BATCH_STATUSES),
        (audit_log.c.action, BATCH_STATUSES),
        (exceptions.c.reason, [reason.value for reason in Reason]),
        (exceptions.c.owner, [owner.value for owner in OwnerRole]),
        (decisions.c.decision, DECISIONS),
        (batches.c.domain, DOMAINS),
    ]
    for column, values in coded:
        too_long = [value for value in values if len(value) > column.type.length]
        assert too_long == [], f"{column} holds {column.type.length} characters"
