"""The same nightly run on the production-shaped components: PostgreSQL staging and OpenSSH sshd."""

import shutil
import uuid
from datetime import date
from decimal import Decimal

import pytest

from demo.extracts import sample_labor_rows, write_labor_extract
from resources.labor_feed import LaborFeed
from staging.batches import batch_exceptions
from staging.journal import source_rows_of
from tests.pipeline.accrual_harness import NOVEMBER, AccrualHarness
from tests.pipeline.harness import LaborHarness

DAY = date(2026, 11, 16)


@pytest.mark.postgres
def test_run_and_rerun_on_postgres_staging(embedded_sftp, fresh_odoo_sandbox, postgres_staging, tmp_path):
    labor = LaborHarness(embedded_sftp, fresh_odoo_sandbox, postgres_staging, tmp_path / "landing")
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, [*rows, {**rows[0], "cost_code": "09 91 00"}])

    first = labor.run(DAY)
    second = labor.run(DAY)

    assert first.success and second.success
    batch = labor.batch(DAY)
    assert batch["status"] == "reconciled"
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"] == len(rows) + 1
    assert len(labor.odoo_lines()) == len(rows)


@pytest.mark.postgres
def test_accrual_batch_posts_on_postgres_staging(fresh_odoo_sandbox, postgres_staging, tmp_path):
    accruals = AccrualHarness(fresh_odoo_sandbox, postgres_staging, f"sqlite:///{tmp_path / 'pc.sqlite'}",
                              approval_policy="auto")

    assert accruals.run(NOVEMBER).success

    batch = accruals.batch(NOVEMBER)
    assert batch["status"] == "reconciled"
    assert len(source_rows_of(postgres_staging.engine, batch["batch_id"])) == batch["rows_staged"]
    assert {move["state"] for move in accruals.moves()} == {"posted"}


@pytest.mark.sshd
def test_run_against_openssh_sftp(openssh_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path):
    # The sshd's drop folder is a local path that is the same absolute path over SFTP.
    drop = openssh_sftp.drop_dir / f"labor-{uuid.uuid4().hex[:8]}"
    drop.mkdir(parents=True)
    try:
        rows = sample_labor_rows(DAY)
        write_labor_extract("procore_timecards", DAY, drop, rows, done_marker=True)
        labor = LaborHarness(None, fresh_odoo_sandbox, sqlite_staging, tmp_path / "landing")
        resources = {
            "sftp": openssh_sftp.resource(),
            "labor_feed": LaborFeed(mapping="procore_timecards", remote_dir=str(drop), landing_dir=str(tmp_path / "landing")),
            "odoo": labor.odoo(),
            "staging": sqlite_staging,
        }

        result = labor.run_with(DAY, resources)

        assert result.success
        assert labor.batch(DAY)["status"] == "reconciled"
        assert len(labor.odoo_lines()) == len(rows)
    finally:
        shutil.rmtree(drop, ignore_errors=True)


@pytest.mark.postgres
def test_absurd_hours_are_held_on_postgres_staging(embedded_sftp, fresh_odoo_sandbox, postgres_staging, tmp_path):
    labor = LaborHarness(embedded_sftp, fresh_odoo_sandbox, postgres_staging, tmp_path / "landing")
    rows = sample_labor_rows(DAY)
    total = sum(Decimal(str(row["hours"])) for row in rows)
    labor.drop(DAY, [*rows, {**rows[0], "hours": "10000000000.00"}],
               control_override={"record_count": len(rows) + 1, "total_hours": str(total)})

    labor.run(DAY)

    batch = labor.batch(DAY)
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"] == len(rows) + 1
    assert batch["rows_excepted"] == 1
    exceptions = batch_exceptions(postgres_staging.engine, batch["batch_id"])
    assert [(item["column_name"], item["reason"]) for item in exceptions] == [("Hours", "hours_out_of_range")]
