"""A labor extract staged in parts must stage exactly what the same extract staged whole does.

Each file here is read twice: in parts of a few hundred bytes, so that every rule that
looks across the file (daily hours, repeated record ids, early overtime, record-id
occurrence counts) meets its rows in different parts, and whole. The staged lines, the
exceptions, the batch counts and the early-overtime days must be equal.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from checks.labor_rules import LaborRuleSettings
from checks.labor_survey import survey_labor_extract
from ingest.labor_parts import LaborParts
from ingest.labor_reader import read_labor_extract
from ingest.mapping import load_mapping
from ingest.records import ExtractError
from odoo_io.master_data import Employee, Job, LaborMasterData, Phase
from staging.labor_parts import stage_surveyed_parts
from staging.tables import batches, exceptions, labor_lines

BUSINESS_DATE = date(2026, 11, 16)
PROCORE_HEADER = ["ID", "Date", "Employee ID", "Employee Name", "Classification", "Project Number", "Cost Code",
                  "Cost Type", "Time Type", "Hours"]
JOBS = ("J-2301", "J-2302")
COST_CODES = ("03 30 00", "03 11 00")
SMALL_PARTS = 700  # bytes: about ten rows a part
WHOLE = 10**9


def master_data() -> LaborMasterData:
    master = LaborMasterData()
    for project_id, number in enumerate(JOBS, start=1):
        master.jobs[number] = Job(number=number, project_id=project_id, name=number, active=True, closed=False,
                                  allow_timesheets=True, company_id=1)
        for task_no, cost_code in enumerate(COST_CODES, start=1):
            master.phases[(project_id, cost_code)] = Phase(task_id=project_id * 10 + task_no, project_id=project_id,
                                                           cost_code=cost_code, active=True)
    for number in range(1, 200):
        master.employees[f"E{number:04d}"] = Employee(number=f"E{number:04d}", employee_id=number, active=True)
    return master


def procore_row(record_id: str, employee: str, hours: str, *, time_type: str = "Regular Time",
                day: str = "11/16/2026", craft: str = "CARP", job: str = "J-2301") -> list[str]:
    return [record_id, day, employee, f"Worker {employee}", craft, job, "03-30-00", "Labor", time_type, hours]


def messy_procore_rows() -> list[list[str]]:
    """Rows whose faults sit far apart, so that in small parts each pair falls in two parts."""
    rows = [procore_row(f"R{index}", f"E{index % 90 + 10:04d}", "4.00") for index in range(120)]
    rows[3] = procore_row("DUP-1", "E0101", "2.00")
    rows[110] = procore_row("DUP-1", "E0102", "2.00")  # the same record id in a later part
    rows[5] = procore_row("R5", "E0150", "10.00")
    rows[115] = procore_row("R115", "E0150", "10.00")  # 20 hours on one day across two parts
    rows[7] = procore_row("R7", "E0160", "4.00")
    rows[100] = procore_row("R100", "E0160", "2.00", time_type="Overtime")  # overtime after only 4 regular hours
    rows[20] = procore_row("R20", "X9999", "8.00")  # an employee Odoo does not know
    rows[40] = procore_row("R40", "E0170", "8.333")  # hours not exact to 0.01
    rows[60] = procore_row("R60", "E0171", "8.00", day="11/15/2026")  # outside the partition
    rows[70] = procore_row("R70", "E0172", "8.00", craft="Carp, Journeyman")  # a quoted comma
    rows[80] = procore_row("R80", "E0173", "")  # no hours
    rows[90] = rows[90][:8]  # a short row: no time type, no hours
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, blank_after: int | None = None,
              raw_tail: bytes = b"") -> Path:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for index, row in enumerate(rows):
        writer.writerow(row)
        if index == blank_after:
            text.write("\r\n")
    data = text.getvalue().encode("utf-8-sig") + raw_tail
    path.write_bytes(data)
    return path


def write_procore(folder: Path, rows: list[list[str]], **options) -> Path:
    path = write_csv(folder / f"timecards_{BUSINESS_DATE:%Y%m%d}.csv", PROCORE_HEADER, rows, **options)
    hours = sum((Decimal(row[9]) for row in rows if len(row) > 9 and row[9]), Decimal("0.00")).quantize(Decimal("0.01"))
    path.with_suffix(".ctl").write_text(f"{len(rows)},{hours}\r\n", encoding="ascii")
    return path


def stage(path: Path, mapping_name: str, engine, part_bytes: int) -> dict:
    """Survey and stage the file in parts of `part_bytes`, and read back everything staged."""
    mapping = load_mapping(mapping_name)
    settings = LaborRuleSettings()
    parts = LaborParts(path, mapping, business_date=BUSINESS_DATE, part_bytes=part_bytes)
    survey = survey_labor_extract(parts, BUSINESS_DATE, settings=settings, fetch_master=lambda jobs, people: master_data())
    header = survey.batch_header("labor-parts-test", "labor", BUSINESS_DATE.isoformat(), "0" * 64, mapping.name)
    early = stage_surveyed_parts(engine, survey, header, source_system=mapping.source_system, settings=settings,
                                 posted_by_other_batches=lambda ids: {})
    with engine.connect() as connection:
        lines = [dict(row._mapping) for row in connection.execute(
            select(labor_lines).where(labor_lines.c.batch_id == header.batch_id).order_by(labor_lines.c.line_no))]
        staged_exceptions = [dict(row._mapping) for row in connection.execute(
            select(exceptions).where(exceptions.c.batch_id == header.batch_id)
            .order_by(exceptions.c.source_row, exceptions.c.reason, exceptions.c.column_name))]
        batch = dict(connection.execute(select(batches).where(batches.c.batch_id == header.batch_id)).one()._mapping)
    for row in staged_exceptions:
        row.pop("id", None)
        row.pop("recorded_at", None)
    return {
        "in_parts": parts.in_parts,
        "parts": survey.checked_parts.count,
        "lines": lines,
        "exceptions": staged_exceptions,
        "counts": {name: batch[name] for name in ("rows_in", "rows_staged", "rows_excepted", "staged_hours",
                                                  "file_hours")},
        "early_overtime": early,
    }


def assert_same_staging(in_parts: dict, whole: dict) -> None:
    assert in_parts["counts"] == whole["counts"]
    assert in_parts["lines"] == whole["lines"]
    assert in_parts["exceptions"] == whole["exceptions"]
    assert in_parts["early_overtime"] == whole["early_overtime"]


def test_messy_extract_stages_same_in_parts(tmp_path, staging_db):
    path = write_procore(tmp_path, messy_procore_rows(), blank_after=50)

    whole = stage(path, "procore_timecards", staging_db.engine, WHOLE)
    in_parts = stage(path, "procore_timecards", staging_db.engine, SMALL_PARTS)

    assert whole["parts"] == 1
    assert in_parts["in_parts"]
    assert in_parts["parts"] > 10
    assert_same_staging(in_parts, whole)
    reasons = {row["reason"] for row in in_parts["exceptions"]}
    assert {"duplicate_in_file", "hours_over_daily_limit", "unknown_employee", "hours_precision",
            "date_outside_partition", "missing_value"} <= reasons
    assert [day["employee_id"] for day in in_parts["early_overtime"]] == ["E0160"]
    counts = in_parts["counts"]
    assert counts["rows_in"] == counts["rows_staged"] + counts["rows_excepted"] == 120


def test_business_record_ids_count_across_parts(tmp_path, sqlite_staging, csv_rows_c14):
    # Without a vendor id the record id counts identical rows, so the tenth copy is "-10" in either reading.
    path = write_csv(tmp_path / "crew.csv", ["EmployeeID", "Job", "Phase", "CostType", "PayType", "Hours"], csv_rows_c14)

    whole = stage(path, "c14_timecards", sqlite_staging.engine, WHOLE)
    in_parts = stage(path, "c14_timecards", sqlite_staging.engine, 200)

    assert in_parts["in_parts"]
    assert_same_staging(in_parts, whole)
    record_ids = [line["source_record_id"] for line in in_parts["lines"]]
    assert len(set(record_ids)) == len(record_ids)
    assert sorted(record_id.rsplit("-", 1)[1] for record_id in record_ids if record_id.startswith(record_ids[0][:20])) \
        == sorted(str(number) for number in range(1, 11))


@pytest.fixture
def csv_rows_c14() -> list[list[str]]:
    """Ten identical one-hour rows for one employee among others, spread over the file."""
    rows = []
    for index in range(60):
        if index % 6 == 0:
            rows.append(["E0001", "J-2301", "03 30 00", "L", "REG", "1.00"])
        else:
            rows.append([f"E{index + 10:04d}", "J-2302", "03 11 00", "L", "REG", "8.00"])
    return rows


@pytest.mark.parametrize(
    ("case", "tail"),
    [
        ("quoted line break", b'"Q1",11/16/2026,E0005,"Worker\r\nfive",CARP,J-2301,03-30-00,Labor,Regular Time,1.00\r\n'),
        ("row longer than the header", b"L1,11/16/2026,E0006,W,CARP,J-2301,03-30-00,Labor,Regular Time,1.00,extra\r\n"),
    ],
)
def test_file_that_does_not_cut_is_read_whole(case, tail, tmp_path, sqlite_staging):
    # The fault sits in the last part, after the survey has read every earlier part.
    path = write_procore(tmp_path, messy_procore_rows(), raw_tail=tail)

    whole = stage(path, "procore_timecards", sqlite_staging.engine, WHOLE)
    in_parts = stage(path, "procore_timecards", sqlite_staging.engine, SMALL_PARTS)

    assert not in_parts["in_parts"]
    assert in_parts["parts"] == 1
    assert_same_staging(in_parts, whole)


def test_bad_byte_in_late_part_names_file(tmp_path):
    path = write_procore(tmp_path, messy_procore_rows(), raw_tail=b"B1,11/16/2026,E0007,W\xff,CARP,J-2301,03-30-00,Labor,Regular Time,1.00\r\n")
    mapping = load_mapping("procore_timecards")
    with pytest.raises(ExtractError) as whole_error:
        read_labor_extract(path, mapping, business_date=BUSINESS_DATE)

    with pytest.raises(ExtractError) as parts_error:
        parts = LaborParts(path, mapping, business_date=BUSINESS_DATE, part_bytes=SMALL_PARTS)
        survey_labor_extract(parts, BUSINESS_DATE, settings=LaborRuleSettings(), fetch_master=lambda jobs, people: master_data())

    assert str(parts_error.value) == str(whole_error.value)
    assert path.name in str(parts_error.value)
    assert "byte" in str(parts_error.value)
