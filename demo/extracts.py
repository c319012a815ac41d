"""Write realistic labor extract files in each configured vendor layout, for demo drops and tests.

Rows are given in canonical form (job, cost_code "03 30 00", cost_type, employee_id, craft,
pay_type RT/OT/DT, work_date, hours). Each writer renders them the way its vendor does:
Procore tiered cost codes and time type names, ADP paydata lines with Reg/OT/Hours 3
columns, and a crew timesheet workbook with duration cells. Reading a written file back with the same
mapping returns the same canonical rows, except that ADP paydata cannot carry zero-hour rows.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable

import openpyxl

from ingest.mapping import LaborMapping, load_mapping
from ingest.records import ControlRecord

DEMO_JOBS = ("J-2301", "J-2302", "J-2417")
DEMO_COST_CODES = ("03 30 00", "03 11 00", "31 23 00", "01 50 00")
DEMO_EMPLOYEES = {
    "E1001": ("Ana Peña", "CARP"),
    "E1002": ("José Álvarez", "CARP"),
    "E1003": ("Mark Olsen", "LAB"),
    "E1004": ("Grace Kim", "LAB"),
    "E1005": ("Luis Muñoz", "OPER"),
    "E1006": ("Tom Becker", "OPER"),
    "E1007": ("Renée Dubois", "CEMT"),
    "E1008": ("Sam Okafor", "LAB"),
}
OMIT_CONTROL = "omit"  # control_override value that writes no control record at all

_PROCORE_TIME_TYPES = {"RT": "Regular Time", "OT": "Overtime", "DT": "Double Time"}
_PROCORE_COST_TYPES = {"L": "Labor", "M": "Materials", "E": "Equipment", "S": "Commitment", "O": "Other"}
_ADP_HEADER = [
    "Co Code", "Batch ID", "File #", "Employee Name", "Temp Dept", "Reg Hours", "O/T hours",
    "Hours 3 Code", "Hours 3 Amount", "Earnings 3 Code", "Earnings 3 Amount", "Rate Code",
    "Temp Rate", "Job Cost#",
]
_ADP_DEMO_RATES = {"CARP": "41.2500", "LAB": "32.5000", "OPER": "45.7500", "CEMT": "39.0000"}


def write_labor_extract(
    layout_name: str,
    business_date: date,
    out_dir: Path,
    rows: list[dict],
    *,
    control_override: ControlRecord | dict | str | None = None,
    done_marker: bool | None = None,
) -> list[Path]:
    """Write one extract for `business_date` in the named layout and return the files written.

    The extract comes first in the list, then its companion control file if the layout has
    one, then the `.done` marker. `control_override` replaces the computed control record
    (a ControlRecord or a dict with record_count and total_hours), or with "omit" leaves it
    out. `done_marker` writes or skips the marker; None follows the mapping's `done_marker`.
    """
    mapping = load_mapping(layout_name)
    writer = _WRITERS.get(layout_name)
    if writer is None:
        raise ValueError(f"no demo writer for layout {layout_name!r}; known layouts are {sorted(_WRITERS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    canonical = [_canonical_row(row) for row in rows]
    if mapping.file_name_pattern:
        file_name = mapping.remote_file_name(business_date)
    else:
        file_name = f"{layout_name}_{business_date:%Y%m%d}.csv"
    paths = writer(mapping, out_dir / file_name, business_date, canonical, control_override)
    if done_marker if done_marker is not None else mapping.done_marker:
        marker = out_dir / mapping.done_marker_name(file_name)
        marker.write_bytes(b"")
        paths.append(marker)
    return paths


def sample_labor_rows(business_date: date, *, crew_size: int = 6) -> list[dict]:
    """Build a deterministic day of crew hours: 8 regular hours each, some overtime, one zero-hour row.

    The same business date always gives the same rows, so demo drops can be rebuilt.
    """
    rng = random.Random(business_date.toordinal())
    employees = sorted(DEMO_EMPLOYEES)[: max(1, min(crew_size, len(DEMO_EMPLOYEES)))]
    rows = []
    for employee_id in employees:
        job = rng.choice(DEMO_JOBS)
        cost_code = rng.choice(DEMO_COST_CODES)
        craft = DEMO_EMPLOYEES[employee_id][1]
        base = {"job": job, "cost_code": cost_code, "cost_type": "L", "employee_id": employee_id,
                "craft": craft, "work_date": business_date}
        rows.append({**base, "pay_type": "RT", "hours": Decimal("8.00")})
        if rng.random() < 0.4:
            rows.append({**base, "pay_type": "OT", "hours": rng.choice([Decimal("1.50"), Decimal("2.00")])})
    rows.append({**rows[0], "cost_code": "01 50 00", "pay_type": "RT", "hours": Decimal("0.00")})
    return rows


# ---------------------------------------------------------------------------
# Layout writers


def _write_procore(mapping: LaborMapping, path: Path, business_date: date, rows: list[dict], control) -> list[Path]:
    header = ["ID", "Date", "Employee ID", "Employee Name", "Classification", "Project Number",
              "Cost Code", "Cost Type", "Time Type", "Hours"]
    first_id = int(business_date.strftime("%y%m%d")) * 1000
    lines = []
    for offset, row in enumerate(rows, start=1):
        lines.append([
            str(first_id + offset),
            row["work_date"].strftime("%m/%d/%Y"),
            row["employee_id"],
            _employee_name(row["employee_id"]),
            row["craft"],
            row["job"],
            _procore_cost_code(row["cost_code"]),
            _PROCORE_COST_TYPES[row["cost_type"]],
            _PROCORE_TIME_TYPES[row["pay_type"]],
            str(row["hours"]),
        ])
    path.write_bytes(_csv_bytes([header, *lines], encoding="utf-8-sig"))
    paths = [path]
    record = _control_record(rows, len(rows), control)
    if record is not None:
        control_path = path.with_name(mapping.control.file_name.format(stem=path.stem, name=path.name))
        control_path.write_bytes(f"{record.record_count},{record.total_hours}\r\n".encode("ascii"))
        paths.append(control_path)
    return paths


def _write_adp(mapping: LaborMapping, path: Path, business_date: date, rows: list[dict], control) -> list[Path]:
    for row in rows:
        if row["work_date"] != business_date:
            raise ValueError(
                f"ADP paydata carries one work date per file (in its name); row for {row['employee_id']} "
                f"has {row['work_date']}, the file is for {business_date}"
            )
    # Each employee and job-cost string gets one paydata line. A second hours entry for the
    # same pay type starts a new line, as a payroll clerk would key it.
    lines: list[dict] = []
    open_lines: dict[tuple, dict] = {}
    for row in rows:
        key = (row["employee_id"], row["craft"], row["job"], row["cost_code"], row["cost_type"])
        line = open_lines.get(key)
        if line is None or row["pay_type"] in line["hours"]:
            line = {"row": row, "hours": {}}
            open_lines[key] = line
            lines.append(line)
        line["hours"][row["pay_type"]] = row["hours"]

    batch_id = f"{business_date.timetuple().tm_yday % 100:02d}"
    records = [_ADP_HEADER]
    for line in lines:
        row, hours = line["row"], line["hours"]
        name = _employee_name(row["employee_id"])
        first, _, last = name.partition(" ")
        records.append([
            "K7Q",
            batch_id,
            row["employee_id"],
            f"{last}, {first}" if last else first,
            row["craft"],
            _adp_hours(hours.get("RT")),
            _adp_hours(hours.get("OT")),
            "D" if "DT" in hours else "",
            _adp_hours(hours.get("DT")),
            "",
            "",
            "",
            _ADP_DEMO_RATES.get(row["craft"], "35.0000"),
            f"{row['job']}-{row['cost_code'].replace(' ', '')}-{row['cost_type']}",
        ])
    record = _control_record(rows, len(lines), control)
    if record is not None:
        records.append(["T", str(record.record_count), str(record.total_hours)])
    path.write_bytes(_csv_bytes(records, encoding="latin-1"))
    return [path]


def _write_crew_xlsx(mapping: LaborMapping, path: Path, business_date: date, rows: list[dict], control) -> list[Path]:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = mapping.sheet_name or "Timesheet"
    sheet["A1"] = "Crew Timesheet"
    sheet["A2"] = "Foreman: R. Castillo"
    sheet["A3"] = f"Week ending {(business_date + timedelta(days=(6 - business_date.weekday()))):%m/%d/%Y}"
    header = ["Date", "Emp #", "Name", "Craft", "Job", "Phase", "Cost Type", "Pay Type", "Hours"]
    header_row = mapping.header_row
    for column, title in enumerate(header, start=1):
        sheet.cell(row=header_row, column=column, value=title)

    row_number = header_row
    for row in rows:
        row_number += 1
        date_cell = sheet.cell(row=row_number, column=1, value=row["work_date"])
        date_cell.number_format = "mm/dd/yyyy"
        sheet.cell(row=row_number, column=2, value=row["employee_id"]).number_format = "@"
        sheet.cell(row=row_number, column=3, value=_employee_name(row["employee_id"]))
        sheet.cell(row=row_number, column=4, value=row["craft"])
        sheet.cell(row=row_number, column=5, value=row["job"])
        sheet.cell(row=row_number, column=6, value=row["cost_code"].replace(" ", "")).number_format = "@"
        sheet.cell(row=row_number, column=7, value=row["cost_type"])
        sheet.cell(row=row_number, column=8, value=row["pay_type"])
        write_hours_cell(sheet.cell(row=row_number, column=9), row["hours"])

    record = _control_record(rows, len(rows), control)
    if record is not None:
        total_row = row_number + 3  # two blank rows, then the totals, as foremen lay it out
        sheet.cell(row=total_row, column=1, value="TOTAL")
        sheet.cell(row=total_row, column=2, value=record.record_count)
        # openpyxl stores no cached formula results, so a =SUM() here would read back as
        # empty in data_only mode; the total is written as a value.
        write_hours_cell(sheet.cell(row=total_row, column=9), record.total_hours)
    workbook.save(path)
    return [path]


def write_hours_cell(cell, hours: Decimal) -> None:
    """Write hours as an [h]:mm duration when they are whole minutes, else as a 0.00 number."""
    minutes = hours * 60
    if hours >= 0 and minutes == minutes.to_integral_value():
        cell.value = timedelta(minutes=int(minutes))
        cell.number_format = "[h]:mm"
    else:
        cell.value = float(hours)
        cell.number_format = "0.00"


def _write_c14(mapping: LaborMapping, path: Path, business_date: date, rows: list[dict], control) -> list[Path]:
    records = [["EmployeeID", "Job", "Phase", "CostType", "PayType", "Hours"]]
    for row in rows:
        records.append([row["employee_id"], row["job"], row["cost_code"], row["cost_type"], row["pay_type"], str(row["hours"])])
    path.write_bytes(_csv_bytes(records, encoding="utf-8-sig"))
    return [path]


_WRITERS: dict[str, Callable[..., list[Path]]] = {
    "procore_timecards": _write_procore,
    "adp_paydata": _write_adp,
    "crew_timesheet_xlsx": _write_crew_xlsx,
    "c14_timecards": _write_c14,
}


# ---------------------------------------------------------------------------
# Helpers


def _canonical_row(row: dict) -> dict:
    work_date = row["work_date"]
    if isinstance(work_date, str):
        work_date = date.fromisoformat(work_date)
    return {
        "job": row["job"],
        "cost_code": row["cost_code"],
        "cost_type": row.get("cost_type", "L"),
        "employee_id": row["employee_id"],
        "craft": row.get("craft", ""),
        "pay_type": row["pay_type"],
        "work_date": work_date,
        "hours": Decimal(str(row["hours"])).quantize(Decimal("0.01")),
    }


def _control_record(rows: list[dict], count: int, override) -> ControlRecord | None:
    if override == OMIT_CONTROL:
        return None
    if isinstance(override, ControlRecord):
        return override
    if isinstance(override, dict):
        return ControlRecord(
            record_count=int(override["record_count"]),
            total_hours=Decimal(str(override["total_hours"])),
            source="override",
        )
    total = sum((row["hours"] for row in rows), Decimal("0.00"))
    return ControlRecord(record_count=count, total_hours=total, source="computed")


def _csv_bytes(records: list[list[str]], *, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(records)
    return buffer.getvalue().encode(encoding)


def _employee_name(employee_id: str) -> str:
    return DEMO_EMPLOYEES.get(employee_id, (f"Worker {employee_id}", ""))[0]


def _procore_cost_code(cost_code: str) -> str:
    """Write "03 30 00" as Procore's tiered "03-300" when the last digit is 0, else "03-30-00"."""
    digits = cost_code.replace(" ", "")
    if "." not in digits and len(digits) == 6 and digits.endswith("0"):
        return f"{digits[:2]}-{digits[2:5]}"
    return cost_code.replace(" ", "-")


def _adp_hours(hours: Decimal | None) -> str:
    return "" if hours is None else str(hours)
