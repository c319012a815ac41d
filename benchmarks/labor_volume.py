"""Time the labor batch's parse, validate and stage steps on one large extract.

    .venv/bin/python -m benchmarks.labor_volume generate --rows N --out DIR
    .venv/bin/python -m benchmarks.labor_volume floor FILE
    .venv/bin/python -m benchmarks.labor_volume pipeline FILE [--staging-url URL]

`generate` writes a Procore timecard extract of N rows and its control file without holding
the rows in memory. `floor` times a bare `pandas.read_csv` of the file. `pipeline` runs what
the labor_batch asset runs, step by step: read_labor_extract, validate_labor_extract,
staged_line_frame and replace_staged_batch. Only the Odoo master data is built in the
process instead of read from Odoo, and staging goes to a temporary PostgreSQL database unless
--staging-url names one. The last two print one JSON object with the seconds of each step
and the process's peak resident memory. benchmarks.pipeline runs each in its own process, so
each peak belongs to one measurement.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchmarks.common import peak_rss_mib, staging_engine
from demo.extracts import DEMO_COST_CODES, DEMO_JOBS

BUSINESS_DATE = date(2026, 11, 16)
CRAFTS = ("CARP", "LAB", "OPER", "CEMT")
HEADER = ["ID", "Date", "Employee ID", "Employee Name", "Classification", "Project Number", "Cost Code", "Cost Type",
          "Time Type", "Hours"]
REGULAR_HOURS, OVERTIME_HOURS = Decimal("8.00"), Decimal("1.50")


def employee_number(pair: int) -> str:
    return f"E{100001 + pair}"


def generate(rows: int, folder: Path) -> Path:
    """Write `rows` Procore rows for one day: each employee has 8.00 regular and 1.50 overtime hours.

    One row in 100 names an employee Odoo does not know and one in 250 has hours that are not
    exact to 0.01, so the held-row paths are measured too. The control file counts every row.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"timecards_{BUSINESS_DATE:%Y%m%d}.csv"
    day = BUSINESS_DATE.strftime("%m/%d/%Y")
    total = Decimal("0.00")
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(rows):
            pair, overtime = divmod(index, 2)
            hours = OVERTIME_HOURS if overtime else REGULAR_HOURS
            employee = f"X{pair}" if index % 100 == 37 else employee_number(pair)
            hours_text = "8.333" if index % 250 == 11 else str(hours)
            cost_code = DEMO_COST_CODES[(pair // len(DEMO_JOBS)) % len(DEMO_COST_CODES)].replace(" ", "-")
            writer.writerow([
                str(26111600000000 + index), day, employee, f"Worker {pair}", CRAFTS[pair % len(CRAFTS)],
                DEMO_JOBS[pair % len(DEMO_JOBS)], cost_code, "Labor", "Overtime" if overtime else "Regular Time",
                hours_text,
            ])
            total += hours
    path.with_suffix(".ctl").write_text(f"{rows},{total}\r\n", encoding="ascii")
    return path


def floor(path: Path) -> dict:
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_csv(path)
    return {"rows": len(frame), "seconds": time.perf_counter() - started, "peak_rss_mib": peak_rss_mib()}


def master_data_for(rows: int):
    """Odoo master data for every job, cost code and employee the generated extract uses."""
    from odoo_io.master_data import Employee, Job, LaborMasterData, Phase

    master = LaborMasterData()
    for project_id, number in enumerate(DEMO_JOBS, start=1):
        master.jobs[number] = Job(number=number, project_id=project_id, name=number, active=True, closed=False,
                                  allow_timesheets=True, company_id=1)
        for task_no, cost_code in enumerate(DEMO_COST_CODES, start=1):
            master.phases[(project_id, cost_code)] = Phase(task_id=project_id * 100 + task_no, project_id=project_id,
                                                           cost_code=cost_code, active=True)
    for pair in range((rows + 1) // 2):
        number = employee_number(pair)
        master.employees[number] = Employee(number=number, employee_id=pair + 1, active=True)
    return master


def pipeline(path: Path, staging_url: str | None) -> dict:
    from checks.labor_rules import LaborRuleSettings
    from checks.labor_validation import staged_line_frame, validate_labor_extract
    from ingest.labor_reader import read_labor_extract
    from ingest.mapping import load_mapping
    from staging.batches import BatchHeader, replace_staged_batch

    mapping = load_mapping("procore_timecards")
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    with staging_engine(staging_url, "bench_labor") as (engine, staging):
        started = time.perf_counter()
        extract = read_labor_extract(path, mapping, business_date=BUSINESS_DATE)
        seconds["parse"] = time.perf_counter() - started
        peaks["parse"] = peak_rss_mib()

        master = master_data_for(extract.rows_in)
        started = time.perf_counter()
        validated = validate_labor_extract(
            extract, BUSINESS_DATE, source_system=mapping.source_system, settings=LaborRuleSettings(),
            fetch_master=lambda jobs, employees: master, posted_by_other_batches=lambda ids: {},
        )
        seconds["validate"] = time.perf_counter() - started
        peaks["validate"] = peak_rss_mib()

        started = time.perf_counter()
        lines = staged_line_frame(validated.accepted, validated.master)
        header = BatchHeader(
            batch_id=f"labor-bench-{extract.rows_in}", domain="labor", partition_key=BUSINESS_DATE.isoformat(),
            source_file=extract.source_file, content_hash="0" * 64, mapping=mapping.name, rows_in=extract.rows_in,
            rows_staged=len(lines), rows_excepted=validated.rows_excepted,
            staged_hours=sum(lines["hours"], Decimal("0.00")), file_hours=extract.file_hours,
            counted_rows=extract.rows_in, control_count=extract.control.record_count,
            control_hours=extract.control.total_hours, control_source=extract.control.source,
        )
        replace_staged_batch(engine, header, lines, validated.flagged, validated.line_details())
        seconds["stage"] = time.perf_counter() - started
        peaks["stage"] = peak_rss_mib()

    if extract.rows_in != len(lines) + validated.rows_excepted:
        raise AssertionError(f"rows in {extract.rows_in} != staged {len(lines)} + held {validated.rows_excepted}")
    return {"staging": staging, "rows_in": extract.rows_in, "rows_staged": len(lines), "rows_held": validated.rows_excepted,
            "seconds": seconds, "total_seconds": sum(seconds.values()), "peak_rss_mib": peak_rss_mib(),
            "peak_rss_mib_by_step_end": peaks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write a Procore extract and its control file")
    make.add_argument("--rows", type=int, required=True, help="rows in the extract")
    make.add_argument("--out", type=Path, required=True, help="folder to write the extract into")
    floor_command = commands.add_parser("floor", help="time a bare pandas.read_csv of FILE")
    floor_command.add_argument("file", type=Path, help="the extract")
    run = commands.add_parser("pipeline", help="time parse, validate and stage on FILE; print counts and seconds")
    run.add_argument("file", type=Path, help="a Procore extract with its .ctl file beside it")
    run.add_argument("--staging-url", default=None,
                     help="SQLAlchemy URL of the staging database (default: a temporary PostgreSQL database)")
    args = parser.parse_args(argv)

    if args.command == "generate":
        print(generate(args.rows, args.out))
    elif args.command == "floor":
        print(json.dumps(floor(args.file)))
    else:
        print(json.dumps(pipeline(args.file, args.staging_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
