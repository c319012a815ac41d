"""Equipment charges end to end: telematics on SFTP or the equipment database -> one entry in Odoo."""

from datetime import date
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import create_engine, update

from assets.equipment import equipment_assets
from demo.equipment import write_fleet_snapshots
from ingest.equipment_db import batch_control, create_demo_equipment_db
from pipelines.equipment import equipment_nightly_job
from resources.equipment_source import EquipmentSource
from resources.odoo import OdooResource
from staging.batches import batch_exceptions, current_batch
from tests.pipeline.equipment_harness import add_usage_hour
from tests.pipeline.harness import check_outcomes

DAY = date(2026, 11, 17)


@pytest.fixture
def equipment(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path):
    url = f"sqlite:///{tmp_path / 'equipment.sqlite'}"
    create_demo_equipment_db(url)
    drop = embedded_sftp.root / "drop" / "equipment"
    write_fleet_snapshots(drop, formats=("xml",))

    def run(source: str, business_date: date = DAY):
        resources = {
            "equipment_source": EquipmentSource(source=source, url=url, remote_dir="/drop/equipment",
                                                landing_dir=str(tmp_path / "landing")),
            "sftp": embedded_sftp.resource(),
            "odoo": OdooResource(host="127.0.0.1", port=fresh_odoo_sandbox.port, protocol="jsonrpc",
                                 database=fresh_odoo_sandbox.database, login=fresh_odoo_sandbox.api_login,
                                 password=fresh_odoo_sandbox.api_password, timeout_seconds=10.0, backoff_seconds=0.01),
            "staging": sqlite_staging,
        }
        defs = dg.Definitions(assets=equipment_assets, jobs=[equipment_nightly_job], resources=resources)
        return defs.resolve_job_def("equipment_nightly").execute_in_process(
            partition_key=business_date.isoformat(), raise_on_error=False
        )

    def moves():
        client = fresh_odoo_sandbox.connect("jsonrpc", secret=fresh_odoo_sandbox.api_password)
        model = client.get_model("account.move")
        return model.search_read([("ref", "=like", "EQP-%")], ["ref", "name", "state", "date", "amount_total"])

    def batch(business_date: date = DAY):
        return current_batch(sqlite_staging.engine, "equipment", business_date.isoformat())

    run.moves, run.batch, run.url, run.staging = moves, batch, url, sqlite_staging
    return run


@pytest.mark.parametrize("source", ["telematics", "database"])
def test_day_posts_one_balanced_entry(equipment, source):
    result = equipment(source)

    assert result.success, source
    moves = equipment.moves()
    assert len(moves) == 1
    assert moves[0]["state"] == "posted"
    assert moves[0]["date"] == DAY.isoformat()
    batch = equipment.batch()
    assert batch["status"] == "reconciled"
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"]
    assert Decimal(str(moves[0]["amount_total"])) == batch["staged_amount"]


def test_rerun_posts_nothing_twice(equipment):
    first = equipment("database")
    second = equipment("database")

    assert first.success and second.success
    assert len(equipment.moves()) == 1
    assert second.asset_materializations_for_node("equipment_entry")[0].metadata["entries_created_now"].value == 0


def test_archived_and_unknown_units_are_held(equipment):
    result = equipment("database", date(2026, 11, 18))

    assert result.success
    batch = equipment.batch(date(2026, 11, 18))
    held = {item["reason"] for item in batch_exceptions(equipment.staging.engine, batch["batch_id"])}
    assert "unknown_equipment" in held
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"]


def test_control_mismatch_holds_day(equipment):
    engine = create_engine(equipment.url)
    with engine.begin() as connection:
        connection.execute(update(batch_control).where(batch_control.c.business_date == DAY)
                           .values(total_hours=batch_control.c.total_hours + Decimal("0.50")))
    engine.dispose()

    result = equipment("database")

    assert not result.success
    assert check_outcomes(result)["control_totals_match"] is False
    assert equipment.moves() == []


def test_corrected_day_reverses_posted_entry(equipment):
    assert equipment("database").success
    add_usage_hour(equipment.url, DAY)

    result = equipment("database")

    assert result.success
    moves = equipment.moves()
    assert len(moves) == 3  # the first entry, its correction reversal, the corrected entry
    assert sum(1 for move in moves if move["ref"].endswith("-CORR")) == 1
    assert all(move["state"] == "posted" for move in moves)


def test_excluded_unit_day_corrects_posted_day(equipment):
    from sqlalchemy import select

    from staging.decisions import Decision, record_decision
    from staging.tables import journal_source_rows

    assert equipment("database").success
    first = equipment.batch()
    with equipment.staging.engine.connect() as connection:
        lines = connection.execute(select(journal_source_rows)
                                   .where(journal_source_rows.c.batch_id == first["batch_id"])).mappings().all()
    excavator = [line for line in lines if line["source_record_id"].startswith("EX-104")]
    file, row = excavator[0]["source_file"], excavator[0]["source_row"]

    record_decision(equipment.staging.engine, Decision(
        batch_id=first["batch_id"], decision="exclude_rows", decided_by="Dana Controller",
        reason="EX-104 was idling on the lowboy, not working", source_rows=((file, row),)))
    result = equipment("database")

    assert result.success
    second = equipment.batch()
    assert second["batch_id"] != first["batch_id"]
    assert second["staged_amount"] == first["staged_amount"] - sum(line["amount"] for line in excavator)
    held = batch_exceptions(equipment.staging.engine, second["batch_id"])
    assert [(item["source_row"], item["reason"]) for item in held if item["reason"] == "excluded_by_reviewer"] == [(row, "excluded_by_reviewer")]
    moves = equipment.moves()
    assert len(moves) == 3  # the first entry, its correction reversal, the entry without EX-104
    assert sum(1 for move in moves if move["ref"].endswith("-CORR")) == 1


def test_new_assignment_corrects_posted_day(equipment):
    from ingest.equipment_db import equipment_assignments

    day = date(2026, 11, 19)  # CRN-310 has no assignment that day, so its usage is held
    assert equipment("database", day).success
    first_batch = equipment.batch(day)["batch_id"]
    engine = create_engine(equipment.url)
    with engine.begin() as connection:
        connection.execute(equipment_assignments.insert().values(
            unit_id="CRN-310", start_date=day, end_date=day, job="J-2417", cost_code="03 11 00", share_percent=100))
    engine.dispose()

    assert equipment("database", day).success
    assert equipment("database", day).success  # a rerun after the correction changes nothing

    moves = equipment.moves()
    assert len(moves) == 3
    assert sum(1 for move in moves if move["ref"].endswith("-CORR")) == 1
    from staging.tables import batches
    with equipment.staging.engine.connect() as connection:
        statuses = dict(connection.execute(batches.select().with_only_columns(batches.c.batch_id, batches.c.status)).all())
    assert statuses[first_batch] == "reversed"


def test_other_days_snapshot_change_does_not_repost(equipment, embedded_sftp):
    day = date(2026, 11, 18)
    assert equipment("telematics", day).success
    later = embedded_sftp.root / "drop" / "equipment" / "fleet_20261120.xml"
    if not later.exists():
        later = embedded_sftp.root / "drop" / "equipment" / "fleet_20261119.xml"
    text = later.read_text()
    later.write_text(text.replace("<Hour>", "<Hour>1", 1))

    assert equipment("telematics", day).success

    assert len(equipment.moves()) == 1
