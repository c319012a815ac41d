"""Row rules for a labor batch beyond the schema: daily hours, master data, lock dates, duplicates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ingest.records import OwnerRole, Reason, RowException
from odoo_io.master_data import LaborMasterData


@dataclass(frozen=True)
class LaborRuleSettings:
    max_hours_per_day: Decimal = Decimal("16.00")
    # Regular hours an employee works on a day before overtime is expected (daily rule).
    regular_hours_before_overtime: Decimal = Decimal("8.00")


# Every rule returns (line_no, exception) pairs: line_no is the frame's canonical line
# number, because one source row of a wide layout (ADP paydata) can yield several lines.
Flagged = list[tuple[int, RowException]]


def _exception(row, column: str, value, reason: Reason, owner: OwnerRole, message: str) -> tuple[int, RowException]:
    return int(row.line_no), RowException(
        source_file=row.source_file,
        source_row=int(row.source_row),
        column=column,
        value="" if value is None else str(value),
        reason=reason,
        owner=owner,
        message=message,
    )


def check_daily_hours(frame: pd.DataFrame, settings: LaborRuleSettings) -> Flagged:
    """Flag every row of an employee-day whose hours add up to more than the daily limit."""
    totals: dict[tuple[str, object], Decimal] = defaultdict(Decimal)
    for row in frame.itertuples(index=False):
        totals[(row.employee_id, row.work_date)] += row.hours
    found = []
    for row in frame.itertuples(index=False):
        total = totals[(row.employee_id, row.work_date)]
        if total > settings.max_hours_per_day:
            found.append(
                _exception(
                    row, "hours", row.hours, Reason.HOURS_OVER_DAILY_LIMIT, OwnerRole.FIELD,
                    f"employee {row.employee_id} has {total} hours on {row.work_date:%Y-%m-%d}, "
                    f"over the limit of {settings.max_hours_per_day}; correct the time card",
                )
            )
    return found


def check_master_data(frame: pd.DataFrame, master: LaborMasterData) -> Flagged:
    """Check employee, job, cost code and lock date of every row against Odoo."""
    found = []
    for row in frame.itertuples(index=False):
        employee = master.employees.get(row.employee_id)
        if employee is None:
            found.append(_exception(row, "employee_id", row.employee_id, Reason.UNKNOWN_EMPLOYEE, OwnerRole.MASTER_DATA,
                                    f"no employee with badge number {row.employee_id} in Odoo"))
        elif not employee.active:
            found.append(_exception(row, "employee_id", row.employee_id, Reason.INACTIVE_EMPLOYEE, OwnerRole.MASTER_DATA,
                                    f"employee {row.employee_id} is archived in Odoo"))

        job = master.jobs.get(row.job)
        if job is None:
            found.append(_exception(row, "job", row.job, Reason.UNKNOWN_JOB, OwnerRole.MASTER_DATA,
                                    f"no project with analytic account code {row.job} in Odoo"))
            continue
        if not job.active or job.closed or not job.allow_timesheets:
            if not job.active:
                state = "archived"
            elif job.closed:
                state = "closed"
            else:
                state = "not open for timesheets"
            found.append(_exception(row, "job", row.job, Reason.JOB_CLOSED, OwnerRole.MASTER_DATA,
                                    f"job {row.job} ({job.name}) is {state} in Odoo"))

        phase = master.phases.get((job.project_id, row.cost_code))
        if phase is None or not phase.active:
            state = "unknown" if phase is None else "archived"
            found.append(_exception(row, "cost_code", row.cost_code, Reason.UNKNOWN_COST_CODE, OwnerRole.MASTER_DATA,
                                    f"cost code {row.cost_code} is {state} on job {row.job} (no active task named "
                                    f"'{row.cost_code} ...' in project {job.name})"))

        lock = master.lock_date_for(job)
        if lock is not None and row.work_date.date() <= lock.day:
            found.append(_exception(row, "work_date", f"{row.work_date:%Y-%m-%d}", Reason.PERIOD_LOCKED, OwnerRole.FINANCE,
                                    f"period locked through {lock.day:%Y-%m-%d} ({lock.field_name})"))
    return found


def check_duplicates(frame: pd.DataFrame, posted_elsewhere: dict[str, str]) -> Flagged:
    """Flag repeated source records in the file and records an earlier batch already posted.

    ``posted_elsewhere`` maps external ids to the id of the other batch that posted them.
    """
    # NOTE: a corrected extract for a date that already posted is not reversed and reposted;
    # its records that the earlier batch posted are held here for finance to resolve in Odoo.
    found = []
    seen: dict[str, tuple[int, int]] = {}
    for row in frame.itertuples(index=False):
        first_line, first_row = seen.setdefault(row.source_record_id, (int(row.line_no), int(row.source_row)))
        if first_line != int(row.line_no):
            found.append(_exception(row, "source_record_id", row.source_record_id, Reason.DUPLICATE_IN_FILE, OwnerRole.FIELD,
                                    f"source record {row.source_record_id} repeats row {first_row}"))
        other_batch = posted_elsewhere.get(row.external_id)
        if other_batch is not None:
            found.append(_exception(row, "source_record_id", row.source_record_id, Reason.ALREADY_POSTED, OwnerRole.FINANCE,
                                    f"source record {row.source_record_id} was already posted by batch {other_batch}"))
    return found




def find_early_overtime(frame: pd.DataFrame, settings: LaborRuleSettings) -> list[dict]:
    """Employee-days with overtime or double time but fewer regular hours than the daily rule.

    These are reasonableness findings for a WARN check: the rows still post, and finance reviews the list.
    """
    # NOTE: a daily rule only; the weekly 40-hour rule needs the week's other batches.
    regular: dict[tuple[str, object], Decimal] = defaultdict(Decimal)
    premium: dict[tuple[str, object], Decimal] = defaultdict(Decimal)
    for row in frame.itertuples(index=False):
        key = (row.employee_id, row.work_date)
        if row.pay_type == "RT":
            regular[key] += row.hours
        else:
            premium[key] += row.hours
    findings = []
    for (employee_id, work_date), premium_hours in sorted(premium.items(), key=lambda item: str(item[0])):
        if premium_hours > 0 and regular[(employee_id, work_date)] < settings.regular_hours_before_overtime:
            findings.append(
                {
                    "employee_id": employee_id,
                    "work_date": f"{work_date:%Y-%m-%d}",
                    "regular_hours": str(regular[(employee_id, work_date)]),
                    "overtime_hours": str(premium_hours),
                }
            )
    return findings
