"""Bad inputs give a RowException or ExtractError naming file, row and value."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from checks.labor_schema import count_excepted_rows
from demo.extracts import OMIT_CONTROL, write_labor_extract
from ingest.labor_reader import read_labor_extract
from ingest.mapping import load_mapping
from ingest.records import ControlRecord, ExtractError, OwnerRole, Reason
from tests.ingest.conftest import BUSINESS_DATE, labor_row, write_bytes

HEADER = "EmployeeID,Job,Phase,CostType,PayType,Hours"


def _timecards(tmp_path, lines: list[str], name: str = "bad.csv"):
    content = "\r\n".join([HEADER, *lines]) + "\r\n"
    return write_bytes(tmp_path, name, content.encode("utf-8-sig"))


@pytest.mark.parametrize(
    ("line", "column", "value", "reason", "owner"),
    [
        ("E1001,J-2301,03 30 00,L,VAC,8.00", "PayType", "VAC", Reason.UNKNOWN_PAY_TYPE, OwnerRole.INTEGRATION),
        ("E1001,J-2301,03 30 00,X,RT,8.00", "CostType", "X", Reason.UNKNOWN_COST_TYPE, OwnerRole.INTEGRATION),
        ("E1001,J-2301,03 30 00,L,RT,eight", "Hours", "eight", Reason.INVALID_NUMBER, OwnerRole.FIELD),
        ("E1001,J-2301,03 30 00,L,RT,1.2.3", "Hours", "1.2.3", Reason.INVALID_NUMBER, OwnerRole.FIELD),
        ("E1001,J-2301,03 30 00,L,RT,8.005", "Hours", "8.005", Reason.HOURS_PRECISION, OwnerRole.FIELD),
        ("E1001,J-2301,03 30 00,L,RT,", "Hours", "", Reason.MISSING_VALUE, OwnerRole.FIELD),
        (",J-2301,03 30 00,L,RT,8.00", "EmployeeID", "", Reason.MISSING_VALUE, OwnerRole.FIELD),
        ("E1001,,03 30 00,L,RT,8.00", "Job", "", Reason.MISSING_VALUE, OwnerRole.FIELD),
        ("E1001,J-2301,3300,L,RT,8.00", "Phase", "3300", Reason.INVALID_COST_CODE, OwnerRole.FIELD),
        ("E1001,J-2301,CONCRETE,L,RT,8.00", "Phase", "CONCRETE", Reason.INVALID_COST_CODE, OwnerRole.FIELD),
    ],
)
def test_bad_value_names_row(line, column, value, reason, owner, tmp_path):
    path = _timecards(tmp_path, ["E1001,J-2301,03 30 00,L,RT,8.00", line])

    extract = read_labor_extract(path, load_mapping("c14_timecards"), business_date=BUSINESS_DATE)

    assert len(extract.exceptions) == 1
    exception = extract.exceptions[0]
    assert (exception.source_file, exception.source_row) == ("bad.csv", 3)
    assert (exception.column, exception.value) == (column, value)
    assert exception.reason == reason
    assert exception.owner == owner
    assert "bad.csv row 3" in exception.describe()
    assert extract.rows_in == 2
    assert extract.rows_in == len(extract.frame) + count_excepted_rows(extract.exceptions)


def test_row_with_two_problems_counts_once(tmp_path):
    path = _timecards(tmp_path, ["E1001,J-2301,03 30 00,L,XX,abc", "E1002,J-2301,03 30 00,L,RT,1.00"])

    extract = read_labor_extract(path, load_mapping("c14_timecards"), business_date=BUSINESS_DATE)

    assert sorted(e.column for e in extract.exceptions) == ["Hours", "PayType"]
    assert extract.excepted_rows == 1
    assert extract.rows_in == 2


def test_bad_date_in_procore_file(tmp_path):
    rows = [labor_row("E1001"), labor_row("E1002")]
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path, rows)
    text = paths[0].read_text(encoding="utf-8-sig").replace("12/03/2026", "13/45/2026", 1)
    paths[0].write_text(text, encoding="utf-8-sig", newline="")

    extract = read_labor_extract(paths[0], load_mapping("procore_timecards"))

    assert [(e.source_row, e.column, e.value, e.reason) for e in extract.exceptions] == [
        (2, "Date", "13/45/2026", Reason.INVALID_DATE)
    ]
    assert extract.rows_in == 2


def test_adp_bad_job_cost_and_hours_code(tmp_path):
    content = (
        "Co Code,Batch ID,File #,Employee Name,Temp Dept,Reg Hours,O/T hours,Hours 3 Code,Hours 3 Amount,"
        "Earnings 3 Code,Earnings 3 Amount,Rate Code,Temp Rate,Job Cost#\r\n"
        "K7Q,37,004417,\"Peña, Ana\",CARP,8.00,2.00,,,,,,41.2500,J-2301-033000-L\r\n"
        "K7Q,37,004418,\"Kim, Grace\",LAB,8.00,,S,4.00,,,,32.5000,J-2301-033000-L\r\n"
        "K7Q,37,004419,\"Olsen, Mark\",LAB,8.00,,,,,,,32.5000,2301/033000\r\n"
        "K7Q,37,004420,\"Becker, Tom\",OPER,8.00,x,,,,,,45.7500,J-2417-312300-E\r\n"
        "T,4,46.00\r\n"
    )
    path = write_bytes(tmp_path, "EPIK7QSL_20261203.csv", content.encode("latin-1"))

    extract = read_labor_extract(path, load_mapping("adp_paydata"))

    problems = [(e.source_row, e.column, e.value, e.reason) for e in extract.exceptions]
    assert problems == [
        (3, "Hours 3 Code", "S", Reason.UNKNOWN_PAY_TYPE),
        (4, "Job Cost#", "2301/033000", Reason.INVALID_FORMAT),
        (5, "O/T hours", "x", Reason.INVALID_NUMBER),
    ]
    assert len(extract.frame) == 2  # only line 2 parsed: RT and OT
    assert extract.rows_in == 5
    assert extract.source_rows_in == 4
    assert not any("32.5" in e.message or "32.5" in e.value for e in extract.exceptions)


def test_missing_column_names_mapping(tmp_path):
    path = write_bytes(tmp_path, "nocol.csv", b"EmployeeID,Job,Phase,CostType,Hours\r\nE1,J-2301,033000,L,8\r\n")
    mapping = load_mapping("c14_timecards")

    with pytest.raises(ExtractError) as raised:
        read_labor_extract(path, mapping, business_date=BUSINESS_DATE)

    message = str(raised.value)
    assert "nocol.csv" in message
    assert "PayType" in message
    assert "c14_timecards.yaml" in message


def test_empty_file_raises(tmp_path):
    path = write_bytes(tmp_path, "empty.csv", b"")

    with pytest.raises(ExtractError, match="empty.csv: header row 1 is missing"):
        read_labor_extract(path, load_mapping("c14_timecards"), business_date=BUSINESS_DATE)


def test_missing_companion_control(tmp_path):
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path, [labor_row()], control_override=OMIT_CONTROL)

    with pytest.raises(ExtractError, match=r"timecards_20261203.csv: companion control file timecards_20261203.ctl not found"):
        read_labor_extract(paths[0], load_mapping("procore_timecards"))


def test_companion_control_in_other_dir(tmp_path):
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path / "drop", [labor_row()])
    control_dir = tmp_path / "control"
    control_dir.mkdir()
    paths[1].rename(control_dir / paths[1].name)

    extract = read_labor_extract(paths[0], load_mapping("procore_timecards"), companion_dir=control_dir)

    assert extract.control == ControlRecord(1, Decimal("8.00"), "timecards_20261203.ctl")


@pytest.mark.parametrize("control", ["x,8.00", "1,eight", "1", ""])
def test_malformed_companion_control(control, tmp_path):
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path, [labor_row()])
    paths[1].write_text(control)

    with pytest.raises(ExtractError, match="timecards_20261203.ctl"):
        read_labor_extract(paths[0], load_mapping("procore_timecards"))


def test_missing_trailer(tmp_path):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, [labor_row()], control_override=OMIT_CONTROL)

    with pytest.raises(ExtractError, match="EPIK7QSL_20261203.csv: control trailer row .* is missing"):
        read_labor_extract(paths[0], load_mapping("adp_paydata"))


@pytest.mark.parametrize(
    ("trailer", "expected"),
    [("T,two,8.00", "count 'two' is not a whole number"), ("T,1,8.0x", "total hours are invalid"), ("T,1", "hours are missing")],
)
def test_malformed_trailer(trailer, expected, tmp_path):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, [labor_row()], control_override=OMIT_CONTROL)
    with paths[0].open("ab") as handle:
        handle.write(trailer.encode("latin-1") + b"\r\n")

    with pytest.raises(ExtractError) as raised:
        read_labor_extract(paths[0], load_mapping("adp_paydata"))

    assert "EPIK7QSL_20261203.csv row 3" in str(raised.value)
    assert expected in str(raised.value)


def test_detail_after_trailer(tmp_path):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, [labor_row()])
    with paths[0].open("ab") as handle:
        handle.write(b"K7Q,37,E1009,x,LAB,1.00,,,,,,,1.0000,J-2301-033000-L\r\n")

    with pytest.raises(ExtractError, match="detail row 4 follows the control trailer"):
        read_labor_extract(paths[0], load_mapping("adp_paydata"))


def test_control_override_is_written(tmp_path):
    paths = write_labor_extract(
        "crew_timesheet_xlsx", BUSINESS_DATE, tmp_path, [labor_row()],
        control_override={"record_count": 3, "total_hours": "9.00"},
    )

    extract = read_labor_extract(paths[0], load_mapping("crew_timesheet_xlsx"))

    assert (extract.control.record_count, extract.control.total_hours) == (3, Decimal("9.00"))


def test_file_name_without_date(tmp_path):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, [labor_row()])
    renamed = paths[0].rename(tmp_path / "paydata.csv")

    with pytest.raises(ExtractError, match="paydata.csv: file name does not match"):
        read_labor_extract(renamed, load_mapping("adp_paydata"))


def test_business_date_required(tmp_path):
    path = _timecards(tmp_path, ["E1001,J-2301,03 30 00,L,RT,8.00"])

    with pytest.raises(ExtractError, match="pass business_date"):
        read_labor_extract(path, load_mapping("c14_timecards"))


def test_missing_sheet(tmp_path):
    paths = write_labor_extract("crew_timesheet_xlsx", BUSINESS_DATE, tmp_path, [labor_row()])
    mapping = load_mapping("crew_timesheet_xlsx")

    with pytest.raises(ExtractError, match="sheet 'Week 49' required by .*crew_timesheet_xlsx.yaml is missing"):
        read_labor_extract(paths[0], replace(mapping, sheet_name="Week 49"))


def test_not_a_workbook(tmp_path):
    path = write_bytes(tmp_path, "crew_timesheet_20261203.xlsx", b"EmployeeID,Job\r\n")

    with pytest.raises(ExtractError, match="not a readable XLSX workbook"):
        read_labor_extract(path, load_mapping("crew_timesheet_xlsx"))


def test_unquoted_delimiter_is_reported(tmp_path):
    path = _timecards(tmp_path, ["E1001,J-2301,03 30 00,L,RT,8,00"])

    extract = read_labor_extract(path, load_mapping("c14_timecards"), business_date=BUSINESS_DATE)

    assert [(e.column, e.value, e.reason) for e in extract.exceptions] == [("(row)", "00", Reason.INVALID_FORMAT)]
