"""Time the labor batch's parse, validate and stage steps on one large extract.

    .venv/bin/python -m benchmarks.labor_volume generate --rows N --out DIR
    .venv/bin/python -m benchmarks.labor_volume floor FILE
    .venv/bin/python -m benchmarks.labor_volume pipeline FILE [--staging-url URL]

`generate` writes a Procore timecard extract of N rows and its control file without holding
the rows in memory. `floor` times a bare `pandas.read_csv` of the file. `pipeline` runs what
the labor_batch asset runs: the survey of every part, then each part validated and
staged with COPY. Only the Odoo master data is built in the process instead of read from
Odoo, and staging goes to a temporary PostgreSQL database unless
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
    from checks.labor_survey import survey_labor_extract
    from ingest.labor_parts import LaborParts
    from ingest.mapping import load_mapping
    from staging.batches import excepted_row_count, staged_totals
    from staging.labor_parts import stage_surveyed_parts

    mapping = load_mapping("procore_timecards")
    settings = LaborRuleSettings()
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    with staging_engine(staging_url, "bench_labor") as (engine, staging):
        # The first pass: every part parsed and checked against the schema, for the whole-file rules.
        started = time.perf_counter()
        parts = LaborParts(path, mapping, business_date=BUSINESS_DATE)
        survey = survey_labor_extract(parts, BUSINESS_DATE, settings=settings,
                                      fetch_master=lambda jobs, employees: master_data_for(len(employees) * 2))
        seconds["survey"] = time.perf_counter() - started
        peaks["survey"] = peak_rss_mib()

        # The second pass: each part read back from the spool, validated and staged with COPY, in one transaction.
        started = time.perf_counter()
        header = survey.batch_header(f"labor-bench-{survey.rows_in}", "labor", BUSINESS_DATE.isoformat(), "0" * 64,
                                     mapping.name)
        stage_surveyed_parts(engine, survey, header, source_system=mapping.source_system, settings=settings,
                             posted_by_other_batches=lambda ids: {})
        seconds["validate and stage"] = time.perf_counter() - started
        peaks["validate and stage"] = peak_rss_mib()
        rows_staged, _ = staged_totals(engine, header.batch_id)
        rows_held = excepted_row_count(engine, header.batch_id)

    if survey.rows_in != rows_staged + rows_held:
        raise AssertionError(f"rows in {survey.rows_in} != staged {rows_staged} + held {rows_held}")
    return {"staging": staging, "rows_in": survey.rows_in, "rows_staged": rows_staged,
            "rows_held": rows_held, "parts": survey.checked_parts.count,
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
