"""Reading accruals from the project-controls database on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import Boolean, Column, MetaData, Table, create_engine, insert

from checks.accrual_schema import approval_summary, validate_accrual_rows
from ingest.accruals import CANONICAL_COLUMNS, DATABASE_SOURCE, read_accruals
from ingest.project_controls import accrual_batches, accruals, create_demo_project_controls_db, demo_control_totals
from ingest.records import ExtractError, Reason

NOVEMBER_IDS = [f"AC-2611-00{n}" for n in range(1, 8)]


def test_demo_november_rows(demo_url):
    extract = read_accruals(demo_url, "2026-11")
    frame = extract.frame

    assert list(frame.columns) == CANONICAL_COLUMNS
    assert list(frame["source_record_id"]) == NOVEMBER_IDS
    assert list(frame["source_row"]) == [1, 2, 3, 4, 5, 6, 7]
    assert set(frame["source_file"]) == {DATABASE_SOURCE}
    assert set(frame["period"]) == {"2026-11"}
    assert list(frame["cost_code"]) == [
        "03 30 00", "05 12 00", "03 30 00", "04 20 00", "31 23 00", "03 41 00", "03 30 00",
    ]
    assert extract.exceptions == []


def test_demo_amounts_exact_decimals(demo_url):
    frame = read_accruals(demo_url, "2026-11").frame

    assert all(type(amount) is Decimal for amount in frame["amount"])
    assert [str(amount) for amount in frame["amount"]] == [
        "19200.00", "38750.00", "10412.75", "23150.00", "14880.00", "31500.00", "-850.00",
    ]


def test_demo_null_approval_stays_na(demo_url):
    frame = read_accruals(demo_url, "2026-11").frame

    assert str(frame["approved"].dtype) == "boolean"
    assert frame["approved"].isna().tolist() == [False, False, False, True, False, False, False]
    assert frame.loc[frame["approved"].notna(), "approved"].tolist() == [True] * 6


def test_demo_control_totals(demo_url):
    extract = read_accruals(demo_url, "2026-11")

    assert extract.control.record_count == 7
    assert extract.control.total_amount == Decimal("137042.75")
    assert type(extract.control.total_amount) is Decimal
    assert extract.control.batch_ref == "ACR-2026-11"
    assert extract.total_amount == extract.control.total_amount
    assert extract.source_amount == extract.control.total_amount
    assert extract.rows_in == extract.control.record_count


def test_demo_october_totals(demo_url):
    extract = read_accruals(demo_url, "2026-10")

    assert len(extract.frame) == 6
    assert extract.control.total_amount == Decimal("133465.40")
    assert (extract.control.record_count, extract.control.total_amount) == demo_control_totals("2026-10")
    assert extract.frame["approved"].tolist() == [True] * 6


def test_demo_november_held_row(demo_url):
    extract = read_accruals(demo_url, "2026-11")

    valid, exceptions = validate_accrual_rows(extract.frame, "2026-11")

    assert list(valid["source_record_id"]) == [i for i in NOVEMBER_IDS if i != "AC-2611-004"]
    assert [(e.source_row, e.reason) for e in exceptions] == [(4, Reason.APPROVAL_MISSING)]
    assert approval_summary(exceptions) == "approval flag missing on 1 row"


def test_demo_rebuild_is_idempotent(demo_url):
    create_demo_project_controls_db(demo_url)

    assert read_accruals(demo_url, "2026-11").rows_in == 7


def test_unknown_period_raises(demo_url):
    with pytest.raises(ExtractError, match="no control row for period 2026-12"):
        read_accruals(demo_url, "2026-12")


def test_bad_period_text_raises(demo_url):
    with pytest.raises(ExtractError, match="not a month"):
        read_accruals(demo_url, "2026-13")


def test_text_flags_mapped_explicitly(database_url):
    flags = {"F-1": "Y", "F-2": "N", "F-3": "true", "F-4": "false", "F-5": "1", "F-6": "0",
             "F-7": None, "F-8": "", "F-9": " y ", "F-10": "maybe"}
    _load(database_url, accruals, flags)

    extract = read_accruals(database_url, "2026-11")
    approved = _approved_by_id(extract.frame)
    # Rows are numbered in accrual_id code-point order: F-1, F-10, F-2, ...
    row_ids = sorted(flags)

    assert approved == {
        "F-1": True, "F-2": False, "F-3": True, "F-4": False, "F-5": True, "F-6": False,
        "F-7": None, "F-8": None, "F-9": True,
    }
    assert [(row_ids[e.source_row - 1], e.column, e.reason) for e in extract.exceptions] == [
        ("F-10", "approved", Reason.INVALID_FORMAT),
    ]
    assert extract.rows_in == len(extract.frame) + extract.excepted_rows == 10


def test_boolean_column_mapped(database_url):
    # A project-controls database may declare the flag BOOLEAN (TINYINT(1) on MariaDB).
    boolean_table = Table(
        "accruals",
        MetaData(),
        *[Column(column.name, column.type, primary_key=column.primary_key) for column in accruals.columns
          if column.name != "approved"],
        Column("approved", Boolean, nullable=True),
    )
    _load(database_url, boolean_table, {"B-1": True, "B-2": False, "B-3": None})

    frame = read_accruals(database_url, "2026-11").frame

    assert _approved_by_id(frame) == {"B-1": True, "B-2": False, "B-3": None}


def test_bad_values_held_rows_counted(database_url):
    _load(database_url, accruals, {"V-1": "Y", "V-2": "Y", "V-3": "Y"},
          overrides={"V-2": {"cost_code": "3-3"}, "V-3": {"cost_code": "", "cost_type": ""}})

    extract = read_accruals(database_url, "2026-11")

    assert list(extract.frame["source_record_id"]) == ["V-1"]
    assert sorted((e.source_row, e.column, e.reason) for e in extract.exceptions) == [
        (2, "cost_code", Reason.INVALID_COST_CODE),
        (3, "cost_code", Reason.MISSING_VALUE),
        (3, "cost_type", Reason.MISSING_VALUE),
    ]
    assert extract.excepted_rows == 2
    assert extract.rows_in == len(extract.frame) + extract.excepted_rows == 3
    assert extract.excepted_amount == Decimal("200.00")
    assert extract.source_amount == extract.control.total_amount == Decimal("300.00")


def _approved_by_id(frame: pd.DataFrame) -> dict:
    """Approval of each accrual id, with <NA> shown as None; NA is never True or False."""
    return {
        record_id: None if flag is pd.NA else bool(flag)
        for record_id, flag in zip(frame["source_record_id"], frame["approved"])
    }


def _load(url: str, table: Table, flags: dict, overrides: dict | None = None) -> None:
    engine = create_engine(url)
    try:
        table.metadata.create_all(engine)
        accrual_batches.create(engine, checkfirst=True)
        rows = []
        for accrual_id, flag in flags.items():
            row = {
                "accrual_id": accrual_id, "period": "2026-11", "job": "J-2301", "cost_code": "03-30-00",
                "cost_type": "S", "vendor": "Ridgeline Concrete Pumping", "description": "Pumping",
                "amount": Decimal("100.00"), "approved": flag,
            }
            row.update((overrides or {}).get(accrual_id, {}))
            rows.append(row)
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
            connection.execute(insert(accrual_batches), [{
                "batch_ref": "ACR-2026-11", "period": "2026-11", "control_count": len(rows),
                "control_amount": Decimal("100.00") * len(rows), "exported_at": pd.Timestamp("2026-12-02").to_pydatetime(),
            }])
    finally:
        engine.dispose()
