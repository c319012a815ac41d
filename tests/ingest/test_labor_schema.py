"""The pandera contract of the canonical labor frame and the split into valid rows and exceptions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from checks.labor_schema import count_excepted_rows, count_source_rows, validate_labor_rows
from demo.extracts import write_labor_extract
from ingest.labor_reader import read_labor_extract
from ingest.mapping import load_mapping
from ingest.records import ExtractError, OwnerRole, Reason
from tests.ingest.conftest import BUSINESS_DATE, DATA_DIR, labor_row


@pytest.fixture
def frame(tmp_path) -> pd.DataFrame:
    rows = [labor_row("E1001", "RT", "8.00"), labor_row("E1002", "RT", "0.00"), labor_row("E1003", "OT", "-2.00")]
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path, rows)
    return read_labor_extract(paths[0], load_mapping("procore_timecards")).frame


def test_valid_frame_passes(frame):
    valid, exceptions = validate_labor_rows(frame, BUSINESS_DATE)

    assert exceptions == []
    assert len(valid) == 3


@pytest.mark.parametrize(
    ("column", "value", "reason", "owner"),
    [
        ("hours", Decimal("24.01"), Reason.HOURS_OUT_OF_RANGE, OwnerRole.FIELD),
        ("hours", Decimal("-24.50"), Reason.HOURS_OUT_OF_RANGE, OwnerRole.FIELD),
        ("hours", 7.5, Reason.INVALID_NUMBER, OwnerRole.INTEGRATION),
        ("hours", Decimal("7.5"), Reason.INVALID_NUMBER, OwnerRole.INTEGRATION),
        ("pay_type", "REG", Reason.UNKNOWN_PAY_TYPE, OwnerRole.INTEGRATION),
        ("cost_type", "LAB", Reason.UNKNOWN_COST_TYPE, OwnerRole.INTEGRATION),
        ("cost_code", "033000", Reason.INVALID_COST_CODE, OwnerRole.INTEGRATION),
        ("employee_id", "", Reason.MISSING_VALUE, OwnerRole.FIELD),
        ("job", None, Reason.MISSING_VALUE, OwnerRole.FIELD),
        ("work_date", pd.Timestamp("2026-12-02"), Reason.DATE_OUTSIDE_PARTITION, OwnerRole.FIELD),
        ("work_date", pd.Timestamp("2026-12-03 06:00"), Reason.INVALID_DATE, OwnerRole.INTEGRATION),
    ],
)
def test_row_rule_becomes_exception(column, value, reason, owner, frame):
    frame.at[1, column] = value

    valid, exceptions = validate_labor_rows(frame, BUSINESS_DATE)

    assert [(e.reason, e.owner, e.column) for e in exceptions] == [(reason, owner, column)]
    assert exceptions[0].source_file == "timecards_20261203.csv"
    assert exceptions[0].source_row == 3
    assert valid["source_row"].tolist() == [2, 4]
    assert len(frame) == len(valid) + count_excepted_rows(exceptions)


def test_zero_and_negative_hours_allowed(frame):
    valid, exceptions = validate_labor_rows(frame, BUSINESS_DATE)

    assert sorted(valid["hours"]) == [Decimal("-2.00"), Decimal("0.00"), Decimal("8.00")]


def test_two_failures_one_row(frame):
    frame.at[0, "pay_type"] = "XX"
    frame.at[0, "hours"] = Decimal("30.00")

    valid, exceptions = validate_labor_rows(frame, BUSINESS_DATE)

    assert len(exceptions) == 2
    assert count_excepted_rows(exceptions) == 1
    assert len(valid) == 2


def test_wrong_partition_rejects_all(frame):
    valid, exceptions = validate_labor_rows(frame, date(2026, 12, 4))

    assert valid.empty
    assert {e.reason for e in exceptions} == {Reason.DATE_OUTSIDE_PARTITION}
    assert exceptions[0].value == "2026-12-03"


def test_unpivoted_source_row_rejected_whole():
    extract = read_labor_extract(DATA_DIR / "EPIK7QSL_20261203.csv", load_mapping("adp_paydata"))
    frame = extract.frame.copy()
    frame.at[1, "hours"] = Decimal("25.00")  # the OT half of paydata line 2

    valid, exceptions = validate_labor_rows(frame, BUSINESS_DATE)

    assert [(e.source_row, e.column) for e in exceptions] == [(2, "hours")]
    assert 2 not in valid["source_row"].tolist()
    assert len(valid) == 3
    assert count_source_rows(frame) == count_source_rows(valid) + count_excepted_rows(exceptions)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda f: f.drop(columns=["craft"]),
        lambda f: f.assign(source_row=f["source_row"].astype(float)),
    ],
    ids=["missing column", "wrong dtype"],
)
def test_frame_contract_breach_raises(breakage, frame):
    with pytest.raises(ExtractError, match="timecards_20261203.csv: labor frame breaks its contract"):
        validate_labor_rows(breakage(frame), BUSINESS_DATE)


def test_extra_columns_pass_through(frame):
    frame["external_id"] = [f"labor.procore.{i}" for i in range(len(frame))]

    valid, exceptions = validate_labor_rows(frame, BUSINESS_DATE)

    assert exceptions == []
    assert valid["external_id"].tolist() == ["labor.procore.0", "labor.procore.1", "labor.procore.2"]
