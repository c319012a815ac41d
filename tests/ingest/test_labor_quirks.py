"""Quirks real extracts carry: BOMs, encodings, blank lines, decimal commas, Excel cells."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from checks.labor_schema import count_excepted_rows, validate_labor_rows
from ingest.labor_reader import read_labor_extract
from ingest.mapping import load_mapping
from ingest.records import Reason
from tests.ingest.conftest import BUSINESS_DATE, DATA_DIR, write_bytes

BOM_CASE_HEADER = ["EmployeeID", "Job", "Phase", "CostType", "PayType", "Hours"]


def _timecards_csv(first_header: str, lines: list[str], *, line_end: str = "\r\n") -> str:
    header = ",".join([first_header, *BOM_CASE_HEADER[1:]])
    return line_end.join([header, *lines]) + line_end


def test_bom_timecards_header_and_totals():
    # Saved by Excel: UTF-8 with a byte-order mark and CRLF line ends.
    path = DATA_DIR / "timecards-bom.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbfEmployeeID,")

    extract = read_labor_extract(path, load_mapping("c14_timecards"), business_date=BUSINESS_DATE)

    assert extract.header == BOM_CASE_HEADER
    assert extract.exceptions == []
    assert list(extract.frame["cost_code"]) == ["03 30 00", "03 30 00"]
    assert extract.total_hours == Decimal("10.00")
    by_pay_type = extract.frame.groupby("pay_type")["hours"].sum().to_dict()
    assert by_pay_type == {"RT": Decimal("8.00"), "OT": Decimal("2.00")}
    assert list(extract.frame["source_row"]) == [2, 3]


@pytest.mark.parametrize(
    ("case", "content", "encoding"),
    [
        ("bom_crlf", _timecards_csv("EmployeeID", ["E1047,J-2301,03 30 00,L,RT,8.00"]).encode("utf-8-sig"), "utf-8-sig"),
        ("bom_lf", _timecards_csv("EmployeeID", ["E1047,J-2301,03 30 00,L,RT,8.00"], line_end="\n").encode("utf-8-sig"), "utf-8-sig"),
        ("bom_quoted_header", _timecards_csv('"EmployeeID"', ['"E1047","J-2301","03 30 00","L","RT","8.00"']).encode("utf-8-sig"), "utf-8-sig"),
        ("bom_read_as_utf8", _timecards_csv("EmployeeID", ["E1047,J-2301,03 30 00,L,RT,8.00"]).encode("utf-8-sig"), "utf-8"),
        ("bom_quoted_read_as_utf8", _timecards_csv('"EmployeeID"', ["E1047,J-2301,03 30 00,L,RT,8.00"]).encode("utf-8-sig"), "utf-8"),
        ("no_bom", _timecards_csv("EmployeeID", ["E1047,J-2301,03 30 00,L,RT,8.00"]).encode("utf-8"), "utf-8-sig"),
    ],
)
def test_bom_variants_give_clean_header(case, content, encoding, tmp_path, csv_mapping):
    path = write_bytes(tmp_path, f"{case}.csv", content)

    extract = read_labor_extract(path, csv_mapping(encoding=encoding), business_date=BUSINESS_DATE)

    assert extract.header == BOM_CASE_HEADER
    assert extract.exceptions == []
    assert extract.frame["employee_id"].tolist() == ["E1047"]
    assert extract.total_hours == Decimal("8.00")


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_single_byte_encodings(encoding, tmp_path, csv_mapping):
    # "Peña" is in both code pages; the cp1252 file also has an en dash (0x96), which latin-1 lacks.
    craft = "Peña – crew" if encoding == "cp1252" else "Peña"
    text = "EmployeeID,Job,Phase,CostType,PayType,Hours,Craft\r\nE1001,J-2301,03 30 00,L,RT,8.00," + craft + "\r\n"
    path = write_bytes(tmp_path, f"{encoding}.csv", text.encode(encoding))
    mapping = csv_mapping(
        encoding=encoding,
        columns={
            "employee_id": "EmployeeID", "job": "Job", "cost_code": "Phase", "cost_type": "CostType",
            "pay_type": "PayType", "hours": "Hours", "craft": "Craft", "work_date": {"business_date": True},
        },
    )

    extract = read_labor_extract(path, mapping, business_date=BUSINESS_DATE)

    assert extract.frame["craft"].tolist() == [craft]


def test_utf8_file_read_as_wrong_encoding_fails(tmp_path, csv_mapping):
    text = "EmployeeID,Job,Phase,CostType,PayType,Hours\r\nE1001,J-2301,03 30 00,L,RT,8.00\r\n"
    path = write_bytes(tmp_path, "latin.csv", text.replace("E1001", "Peña").encode("latin-1"))

    with pytest.raises(Exception) as raised:
        read_labor_extract(path, csv_mapping(encoding="utf-8-sig"), business_date=BUSINESS_DATE)

    assert "latin.csv" in str(raised.value)
    assert "utf-8-sig" in str(raised.value)


def test_blank_trailing_lines_are_not_rows(tmp_path, csv_mapping):
    content = _timecards_csv("EmployeeID", ["E1001,J-2301,03 30 00,L,RT,8.00", "", " ", ",,,,,", ""]).encode("utf-8-sig")
    path = write_bytes(tmp_path, "blank_tail.csv", content)

    extract = read_labor_extract(path, csv_mapping(), business_date=BUSINESS_DATE)

    assert extract.rows_in == 1
    assert extract.exceptions == []


def test_blank_line_inside_keeps_physical_numbers(tmp_path, csv_mapping):
    content = _timecards_csv("EmployeeID", ["E1001,J-2301,03 30 00,L,RT,8.00", "", "E1002,J-2301,03 30 00,L,XX,8.00"])
    path = write_bytes(tmp_path, "gap.csv", content.encode("utf-8"))

    extract = read_labor_extract(path, csv_mapping(), business_date=BUSINESS_DATE)

    assert extract.frame["source_row"].tolist() == [2]
    assert [e.source_row for e in extract.exceptions] == [4]


def test_quoted_newline_row_starts_on_its_first_line(tmp_path, csv_mapping):
    content = _timecards_csv("EmployeeID", ['E1001,"J-2301",03 30 00,L,RT,8.00', 'E1002,"J-23\n01",03 30 00,L,RT,x', "E1003,J-2301,03 30 00,L,RT,1.00"])
    path = write_bytes(tmp_path, "multiline.csv", content.encode("utf-8"))

    extract = read_labor_extract(path, csv_mapping(), business_date=BUSINESS_DATE)

    assert [e.source_row for e in extract.exceptions] == [3]
    assert extract.frame["source_row"].tolist() == [2, 5]


def test_decimal_comma_with_semicolons(tmp_path, csv_mapping):
    content = "EmployeeID;Job;Phase;CostType;PayType;Hours\r\nE1001;J-2301;03 30 00;L;RT;7,50\r\nE1001;J-2301;03 30 00;L;OT;1.234,00\r\n"
    path = write_bytes(tmp_path, "comma.csv", content.encode("cp1252"))
    mapping = csv_mapping(delimiter=";", decimal_separator=",", thousands_separator=".", encoding="cp1252")

    extract = read_labor_extract(path, mapping, business_date=BUSINESS_DATE)

    assert extract.frame["hours"].tolist() == [Decimal("7.50"), Decimal("1234.00")]
    valid, exceptions = validate_labor_rows(extract.frame, BUSINESS_DATE)
    assert len(valid) == 1
    assert [e.reason for e in exceptions] == [Reason.HOURS_OUT_OF_RANGE]


@pytest.mark.parametrize(("text", "expected"), [("-2.50", "-2.50"), ("(2.50)", "-2.50"), (" -0.25 ", "-0.25")])
def test_negative_correction_rows(text, expected, tmp_path, csv_mapping):
    content = _timecards_csv("EmployeeID", [f"E1001,J-2301,03 30 00,L,RT,{text}"]).encode("utf-8")
    path = write_bytes(tmp_path, "negative.csv", content)

    extract = read_labor_extract(path, csv_mapping(negative_parentheses=True), business_date=BUSINESS_DATE)

    assert extract.frame["hours"].tolist() == [Decimal(expected)]
    valid, exceptions = validate_labor_rows(extract.frame, BUSINESS_DATE)
    assert exceptions == []


def test_parentheses_rejected_unless_configured(tmp_path, csv_mapping):
    content = _timecards_csv("EmployeeID", ["E1001,J-2301,03 30 00,L,RT,(2.50)"]).encode("utf-8")
    path = write_bytes(tmp_path, "paren.csv", content)

    extract = read_labor_extract(path, csv_mapping(negative_parentheses=False), business_date=BUSINESS_DATE)

    assert [(e.reason, e.value) for e in extract.exceptions] == [(Reason.INVALID_NUMBER, "(2.50)")]


def test_whitespace_and_case_around_codes(tmp_path, csv_mapping):
    content = _timecards_csv("EmployeeID", ["  E1001 , J-2301 , 033000 ,  l , ot , 2.00 "]).encode("utf-8")
    path = write_bytes(tmp_path, "spaces.csv", content)

    extract = read_labor_extract(path, csv_mapping(), business_date=BUSINESS_DATE)

    row = extract.frame.iloc[0]
    assert (row["employee_id"], row["job"], row["cost_code"], row["cost_type"], row["pay_type"]) == (
        "E1001", "J-2301", "03 30 00", "L", "OT",
    )


def test_pay_type_synonyms(tmp_path, csv_mapping):
    lines = [f"E1001,J-2301,03 30 00,L,{code},1.00" for code in ("REG", "regular", "Overtime", "DOUBLE  TIME", "rt")]
    path = write_bytes(tmp_path, "synonyms.csv", _timecards_csv("EmployeeID", lines).encode("utf-8"))

    extract = read_labor_extract(path, csv_mapping(), business_date=BUSINESS_DATE)

    assert extract.frame["pay_type"].tolist() == ["RT", "RT", "OT", "DT", "RT"]


def test_adp_fixture_leading_zeros_and_double_time():
    path = DATA_DIR / "EPIK7QSL_20261203.csv"

    extract = read_labor_extract(path, load_mapping("adp_paydata"))

    frame = extract.frame
    assert extract.exceptions == []
    assert frame["employee_id"].tolist() == ["004417", "004417", "000981", "000981", "004417"]
    assert frame["pay_type"].tolist() == ["RT", "OT", "RT", "DT", "RT"]
    assert frame["cost_code"].tolist() == ["03 30 00", "03 30 00", "31 23 00", "31 23 00", "03 30 00"]
    assert frame["cost_type"].tolist() == ["L", "L", "E", "E", "L"]
    assert frame["hours"].tolist()[-1] == Decimal("-2.50")
    assert frame["source_row"].tolist() == [2, 2, 3, 3, 4]
    assert extract.total_hours == extract.control.total_hours == Decimal("18.50")
    assert extract.control.record_count == extract.source_rows_in == 3
    assert (frame["work_date"] == pd.Timestamp(BUSINESS_DATE)).all()


# ---------------------------------------------------------------------------
# Crew timesheet workbook cells


def _crew_workbook(path: Path, rows: list[list], total: list | None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Timesheet"
    sheet["A1"] = "Crew Timesheet"
    sheet["A2"] = "Foreman: R. Castillo"
    for column, title in enumerate(["Date", "Emp #", "Name", "Craft", "Job", "Phase", "Cost Type", "Pay Type", "Hours"], 1):
        sheet.cell(row=4, column=column, value=title)
    for offset, values in enumerate(rows):
        for column, (value, number_format) in enumerate(values, 1):
            cell = sheet.cell(row=5 + offset, column=column, value=value)
            if number_format:
                cell.number_format = number_format
    if total is not None:
        for column, (value, number_format) in enumerate(total, 1):
            cell = sheet.cell(row=5 + len(rows) + 2, column=column, value=value)
            if number_format:
                cell.number_format = number_format
    workbook.save(path)
    return path


def _cells(date_value, date_format, employee, phase, pay_type, hours, hours_format):
    return [
        (date_value, date_format), (employee, "@"), ("Ana Peña", None), ("CARP", None), ("J-2301", None),
        (phase, "@"), ("L", None), (pay_type, None), (hours, hours_format),
    ]


def test_crew_serial_dates_and_durations(tmp_path):
    serial = (BUSINESS_DATE - datetime(1899, 12, 30).date()).days
    rows = [
        _cells(serial, "0", "00417", "033000", "RT", timedelta(hours=7, minutes=30), "[h]:mm"),
        _cells(datetime(2026, 12, 3), "mm/dd/yyyy", "00417", "03 30 00", "OT", time(1, 15), "h:mm"),
        _cells(serial, None, 417, 33000, "DT", 0.5, "0.00"),
        _cells("12/03/2026", None, "00981", "3300", "RT", "8:00", None),
    ]
    total = [("TOTAL", None), (4, None), *[(None, None)] * 6, (timedelta(hours=17, minutes=15), "[h]:mm")]
    path = _crew_workbook(tmp_path / "crew_timesheet_20261203.xlsx", rows, total)

    extract = read_labor_extract(path, load_mapping("crew_timesheet_xlsx"))

    assert extract.exceptions == []
    frame = extract.frame
    assert frame["hours"].tolist() == [Decimal("7.50"), Decimal("1.25"), Decimal("0.50"), Decimal("8.00")]
    assert (frame["work_date"] == pd.Timestamp(BUSINESS_DATE)).all()
    assert frame["employee_id"].tolist() == ["00417", "00417", "417", "00981"]
    assert frame["cost_code"].tolist() == ["03 30 00", "03 30 00", "03 30 00", "03 30 00"]
    assert frame["source_row"].tolist() == [5, 6, 7, 8]
    assert extract.control.record_count == 4
    assert extract.control.total_hours == Decimal("17.25")
    assert extract.control.source == "trailer row 11 of crew_timesheet_20261203.xlsx"


def test_crew_duration_not_in_hundredths(tmp_path):
    rows = [_cells(datetime(2026, 12, 3), "mm/dd/yyyy", "00417", "033000", "RT", timedelta(hours=8, minutes=20), "[h]:mm")]
    total = [("TOTAL", None), (1, None), *[(None, None)] * 6, (8.0, "0.00")]
    path = _crew_workbook(tmp_path / "crew.xlsx", rows, total)

    extract = read_labor_extract(path, load_mapping("crew_timesheet_xlsx"))

    assert [(e.reason, e.source_row, e.column) for e in extract.exceptions] == [(Reason.HOURS_PRECISION, 5, "Hours")]
    assert extract.rows_in == 1
    assert count_excepted_rows(extract.exceptions) == 1



@pytest.mark.parametrize(("cost_type", "held"), [("L", 0), ("Q", 2)])
def test_constant_column_applies_to_every_row(tmp_path, csv_mapping, cost_type, held):
    columns = {**yaml_columns(), "cost_type": {"constant": cost_type}}
    mapping = csv_mapping(columns=columns)
    content = "EmployeeID,Job,Phase,CostType,PayType,Hours\r\nE1047,J-2301,03 30 00,X,REG,8.00\r\nE1048,J-2301,03 30 00,X,REG,7.00\r\n"
    path = write_bytes(tmp_path, "constant.csv", content.encode("utf-8"))

    extract = read_labor_extract(path, mapping, business_date=BUSINESS_DATE)

    assert count_excepted_rows(extract.exceptions) == held
    assert extract.rows_in == 2
    assert list(extract.frame["cost_type"]) == ([] if held else ["L", "L"])


def yaml_columns() -> dict:
    return {"employee_id": "EmployeeID", "job": "Job", "cost_code": "Phase", "cost_type": "CostType",
            "pay_type": "PayType", "hours": "Hours", "work_date": {"business_date": True}}
