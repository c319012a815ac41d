"""Pandera contracts of the usage frame and the charge-lines frame."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from checks.equipment_schema import validate_charge_lines, validate_usage_rows
from ingest.allocation import charge_frame
from ingest.equipment_usage import usage_frame
from ingest.records import ExtractError, Reason

DAY = date(2026, 11, 18)


def usage_row(row: int = 1, hours: object = Decimal("8.50"), **fields) -> dict:
    values = {
        "source_file": "fleet_20261118.xml",
        "source_row": row,
        "source_record_id": f"PIN{row}:2026-11-18",
        "unit_key": f"PIN{row}",
        "work_date": pd.Timestamp(DAY),
        "meter_start": Decimal("100.0"),
        "meter_end": Decimal("108.5"),
        "usage_hours": hours,
        "read_start_at": pd.NaT,
        "read_end_at": pd.NaT,
    }
    values.update(fields)
    return values


def charge_line(row: int = 1, job: str = "J-2301", **fields) -> dict:
    values = {
        "line_id": f"PIN{row}:2026-11-18:{job}:03 30 00",
        "source_file": "fleet_20261118.xml",
        "source_row": row,
        "source_record_id": f"PIN{row}:2026-11-18",
        "unit_id": "EX-104",
        "equipment_class": "EXC-21T",
        "job": job,
        "cost_code": "03 30 00",
        "work_date": pd.Timestamp(DAY),
        "hours": Decimal("4.00"),
        "rate": Decimal("95.0000"),
        "amount": Decimal("380.00"),
    }
    values.update(fields)
    return values


def test_valid_usage_passes():
    frame = usage_frame([usage_row(1), usage_row(2, meter_start=None, meter_end=None)])
    valid, exceptions = validate_usage_rows(frame, DAY)
    assert exceptions == []
    assert len(valid) == 2


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"hours": Decimal("24.01")}, Reason.HOURS_OUT_OF_RANGE),
        ({"hours": Decimal("-0.50")}, Reason.HOURS_OUT_OF_RANGE),
        ({"hours": Decimal("8.5")}, Reason.INVALID_NUMBER),
        ({"hours": 8.5}, Reason.INVALID_NUMBER),
        ({"work_date": pd.Timestamp("2026-11-17")}, Reason.DATE_OUTSIDE_PARTITION),
        ({"meter_start": "100"}, Reason.INVALID_NUMBER),
        ({"unit_key": ""}, Reason.MISSING_VALUE),
    ],
)
def test_bad_usage_rows(fields, reason):
    frame = usage_frame([usage_row(1), usage_row(2, **fields)])
    valid, exceptions = validate_usage_rows(frame, DAY)
    assert list(valid["source_row"]) == [1]
    assert [e.reason for e in exceptions] == [reason]
    assert exceptions[0].source_row == 2


def test_usage_boundaries_allowed():
    frame = usage_frame([usage_row(1, Decimal("0.00")), usage_row(2, Decimal("24.00"))])
    valid, exceptions = validate_usage_rows(frame, DAY)
    assert exceptions == []
    assert len(valid) == 2


def test_usage_missing_column_raises():
    frame = usage_frame([usage_row(1)]).drop(columns=["usage_hours"])
    with pytest.raises(ExtractError, match="usage_hours"):
        validate_usage_rows(frame, DAY)


def test_valid_charge_lines_pass():
    frame = charge_frame([charge_line(1, "J-2301"), charge_line(1, "J-2302")])
    valid, exceptions = validate_charge_lines(frame, DAY)
    assert exceptions == []
    assert len(valid) == 2


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"amount": Decimal("333.333")}, Reason.INVALID_AMOUNT),
        ({"amount": 333.33}, Reason.INVALID_AMOUNT),
        ({"hours": Decimal("25.00")}, Reason.HOURS_OUT_OF_RANGE),
        ({"rate": Decimal(0)}, Reason.MISSING_RATE),
        ({"cost_code": "033000"}, Reason.INVALID_COST_CODE),
    ],
)
def test_bad_charge_lines(fields, reason):
    frame = charge_frame([charge_line(1), charge_line(2, **fields)])
    valid, exceptions = validate_charge_lines(frame, DAY)
    assert list(valid["source_row"]) == [1]
    assert [e.reason for e in exceptions] == [reason]


def test_one_bad_line_holds_its_unit_day():
    frame = charge_frame([charge_line(1, "J-2301"), charge_line(1, "J-2302", amount=Decimal("1.001"))])
    valid, exceptions = validate_charge_lines(frame, DAY)
    assert valid.empty
    assert len(exceptions) == 1


def test_duplicate_line_ids():
    frame = charge_frame([charge_line(1), charge_line(1)])
    _, exceptions = validate_charge_lines(frame, DAY)
    assert {e.reason for e in exceptions} == {Reason.DUPLICATE_IN_FILE}
