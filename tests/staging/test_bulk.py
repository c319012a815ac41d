"""Bulk inserts: COPY on PostgreSQL and executemany on SQLite store every value exactly."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from staging.batches import as_utc
from staging.bulk import copy_text, frame_copy_text, insert_rows
from staging.tables import exceptions, labor_lines

AWKWARD_TEXT = ["tab\there", "new\nline", "carriage\rreturn", "back\\slash", r"\N", "None", "", " spaced ", "né"]


def line(line_no: int, craft: str) -> dict:
    return {
        "batch_id": "b1", "line_no": line_no, "external_id": f"labor_x_{line_no}", "source_record_id": str(line_no),
        "source_file": "timecards.csv", "source_row": line_no + 2, "job": "J-2301", "cost_code": "03 30 00",
        "cost_type": "L", "employee_id": "E1001", "craft": craft, "pay_type": "RT", "work_date": date(2026, 11, 16),
        "hours": Decimal("8.25"), "odoo_project_id": 1, "odoo_task_id": 2, "odoo_employee_id": 3,
    }


@pytest.mark.parametrize("rows_per_statement", [100_000, 2])
@pytest.mark.parametrize("shape", ["dicts", "frame"])
def test_awkward_text_round_trips(staging_db, shape, rows_per_statement, monkeypatch):
    monkeypatch.setattr("staging.bulk.ROWS_PER_STATEMENT", rows_per_statement)
    rows = [line(number, craft) for number, craft in enumerate(AWKWARD_TEXT)]
    if shape == "frame":
        rows = pd.DataFrame(rows).drop(columns="batch_id")

    with staging_db.engine.begin() as connection:
        insert_rows(connection, labor_lines, rows, {"batch_id": "b1"} if shape == "frame" else None)

    with staging_db.engine.connect() as connection:
        stored = connection.execute(select(labor_lines).order_by(labor_lines.c.line_no)).mappings().all()
    assert [row["craft"] for row in stored] == AWKWARD_TEXT
    assert {row["hours"] for row in stored} == {Decimal("8.25")}
    assert {row["work_date"] for row in stored} == {date(2026, 11, 16)}


def test_nulls_and_times_round_trip(staging_db):
    recorded_at = datetime(2026, 11, 17, 6, 30, 15, tzinfo=UTC)
    row = {"batch_id": "b1", "domain": "labor", "partition_key": "2026-11-16", "source_file": "timecards.csv",
           "source_row": 7, "line_no": None, "source_record_id": None, "employee_id": None, "work_date": None,
           "hours": None, "column_name": "hours", "value": "", "reason": "invalid_number", "owner": "field",
           "message": "hours '' are missing", "recorded_at": recorded_at}

    with staging_db.engine.begin() as connection:
        insert_rows(connection, exceptions, [row])

    with staging_db.engine.connect() as connection:
        stored = connection.execute(select(exceptions)).mappings().one()
    assert stored["line_no"] is None
    assert stored["hours"] is None
    assert stored["value"] == ""
    assert as_utc(stored["recorded_at"]) == recorded_at


def test_frame_with_missing_values_writes_nulls():
    frame = pd.DataFrame({"a": ["x\ty", None], "b": [1.5, float("nan")]})

    assert frame_copy_text(frame, "b1\t") == "b1\tx\\ty\t1.5\nb1\t\\N\t\\N\n"


def test_copy_text_escapes_only_where_needed():
    text = copy_text([{"a": "x\ty", "b": None}, {"a": "plain", "b": 1}], ["a", "b"])

    assert text == "x\\ty\t\\N\nplain\t1\n"
