"""Row rules for a labor batch beyond the schema: daily hours, master data, lock dates, duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
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


def hours_in_cents(hours: pd.Series) -> pd.Series:
    """Validated hours (Decimals with two places) as whole hundredths, for exact sums by group."""
    return pd.Series(np.rint(hours.astype(float).to_numpy() * 100).astype(np.int64), index=hours.index)


def cents_to_hours(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


DAY_KEY = ["employee_id", "work_date"]


def daily_hour_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """Hundredths of hours by employee and work date, for one part of an extract."""
    cents = pd.DataFrame({"employee_id": frame["employee_id"], "work_date": frame["work_date"],
                          "cents": hours_in_cents(frame["hours"]) if len(frame) else pd.Series([], dtype="int64")})
    return cents.groupby(DAY_KEY, sort=False, as_index=False).sum()


def sum_by_day(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Add up per-part sums by employee and work date.

    The parts are flat frames, not frames indexed by the key: concatenating dozens of
    multi-indexed parts of a five-million-row extract took most of a minute.
    """
    parts = [part for part in parts if len(part)]
    if len(parts) <= 1:
        return parts[0] if parts else pd.DataFrame(columns=DAY_KEY)
    return pd.concat(parts, ignore_index=True).groupby(DAY_KEY, sort=False, as_index=False).sum()


@dataclass
class DailyLimit:
    """Employee-days whose hours over the whole extract add up to more than the daily limit."""

    over: dict[tuple[str, pd.Timestamp], int]  # total hundredths by (employee, work date)

    @classmethod
    def from_sums(cls, sums: list[pd.DataFrame], settings: LaborRuleSettings) -> DailyLimit:
        """Add up the sums of every part and keep the employee-days over the limit."""
        totals = sum_by_day(sums)
        if totals.empty:
            return cls({})
        over = totals[totals["cents"] > int(settings.max_hours_per_day.scaleb(2))]
        return cls({
            (employee, pd.Timestamp(day)): int(cents)
            for employee, day, cents in zip(over["employee_id"], over["work_date"], over["cents"], strict=True)
        })


def check_daily_hours(frame: pd.DataFrame, settings: LaborRuleSettings, limit: DailyLimit) -> Flagged:
    """Flag every row of an employee-day whose hours add up to more than the daily limit.

    `limit` contains the employee-days over the limit in the whole extract, from its survey.
    """
    if frame.empty:
        return []
    if not limit.over:
        return []
    candidates = frame[frame["employee_id"].isin({employee for employee, _ in limit.over})]
    found = []
    for row in candidates.itertuples(index=False):
        total = limit.over.get((row.employee_id, row.work_date))
        if total is None:
            continue
        found.append(
            _exception(
                row, "hours", row.hours, Reason.HOURS_OVER_DAILY_LIMIT, OwnerRole.FIELD,
                f"employee {row.employee_id} has {cents_to_hours(total)} hours on {row.work_date:%Y-%m-%d}, "
                f"over the limit of {settings.max_hours_per_day}; correct the time card",
            )
        )
    return found


def check_master_data(frame: pd.DataFrame, master: LaborMasterData) -> Flagged:
    """Check employee, job, cost code and lock date of every row against Odoo.

    Each distinct employee, job, job and cost code, and job and date is judged once. Only
    the rows with a finding are visited one by one.
    """
    if frame.empty:
        return []
    employee_problems = {number: _employee_problem(number, master) for number in frame["employee_id"].unique()}
    job_problems = {number: _job_problem(number, master) for number in frame["job"].unique()}
    pairs = frame[["job", "cost_code"]].drop_duplicates().itertuples(index=False)
    phase_problems = {(pair.job, pair.cost_code): _phase_problem(pair.job, pair.cost_code, master) for pair in pairs}
    days = frame[["job", "work_date"]].drop_duplicates().itertuples(index=False)
    lock_problems = {(day.job, day.work_date): _lock_problem(day.job, day.work_date, master) for day in days}

    bad_employees = [number for number, problem in employee_problems.items() if problem is not None]
    bad_jobs = [number for number, problem in job_problems.items() if problem is not None]
    bad_phases = [key for key, problem in phase_problems.items() if problem is not None]
    bad_days = [key for key, problem in lock_problems.items() if problem is not None]
    with_findings = (
        frame["employee_id"].isin(bad_employees)
        | frame["job"].isin(bad_jobs)
        | pd.MultiIndex.from_frame(frame[["job", "cost_code"]]).isin(bad_phases)
        | pd.MultiIndex.from_frame(frame[["job", "work_date"]]).isin(bad_days)
    )

    found = []
    for row in frame[with_findings].itertuples(index=False):
        if employee_problems[row.employee_id] is not None:
            reason, message = employee_problems[row.employee_id]
            found.append(_exception(row, "employee_id", row.employee_id, reason, OwnerRole.MASTER_DATA, message))
        if job_problems[row.job] is not None:
            reason, message = job_problems[row.job]
            found.append(_exception(row, "job", row.job, reason, OwnerRole.MASTER_DATA, message))
            if reason == Reason.UNKNOWN_JOB:
                continue
        if phase_problems[(row.job, row.cost_code)] is not None:
            found.append(_exception(row, "cost_code", row.cost_code, Reason.UNKNOWN_COST_CODE, OwnerRole.MASTER_DATA,
                                    phase_problems[(row.job, row.cost_code)]))
        if lock_problems[(row.job, row.work_date)] is not None:
            found.append(_exception(row, "work_date", f"{row.work_date:%Y-%m-%d}", Reason.PERIOD_LOCKED,
                                    OwnerRole.FINANCE, lock_problems[(row.job, row.work_date)]))
    return found


def _employee_problem(number: str, master: LaborMasterData) -> tuple[Reason, str] | None:
    employee = master.employees.get(number)
    if employee is None:
        return Reason.UNKNOWN_EMPLOYEE, f"no employee with badge number {number} in Odoo"
    if not employee.active:
        return Reason.INACTIVE_EMPLOYEE, f"employee {number} is archived in Odoo"
    return None


def _job_problem(number: str, master: LaborMasterData) -> tuple[Reason, str] | None:
    job = master.jobs.get(number)
    if job is None:
        return Reason.UNKNOWN_JOB, f"no project with analytic account code {number} in Odoo"
    if not job.active or job.closed or not job.allow_timesheets:
        if not job.active:
            state = "archived"
        elif job.closed:
            state = "closed"
        else:
            state = "not open for timesheets"
        return Reason.JOB_CLOSED, f"job {number} ({job.name}) is {state} in Odoo"
    return None


def _phase_problem(number: str, cost_code: str, master: LaborMasterData) -> str | None:
    job = master.jobs.get(number)
    if job is None:
        return None
    phase = master.phases.get((job.project_id, cost_code))
    if phase is None or not phase.active:
        state = "unknown" if phase is None else "archived"
        return (f"cost code {cost_code} is {state} on job {number} (no active task named "
                f"'{cost_code} ...' in project {job.name})")
    return None


def _lock_problem(number: str, work_date: pd.Timestamp, master: LaborMasterData) -> str | None:
    job = master.jobs.get(number)
    if job is None:
        return None
    lock = master.lock_date_for(job)
    if lock is not None and work_date.date() <= lock.day:
        return f"period locked through {lock.day:%Y-%m-%d} ({lock.field_name})"
    return None


def record_id_hashes(record_ids: pd.Series) -> np.ndarray:
    """Hash source record ids to 64-bit numbers, to find repeats without holding every id."""
    return pd.util.hash_array(record_ids.to_numpy(dtype=object))


class RepeatedRecords:
    """Source record ids that occur more than once, tracked in file order across parts.

    `candidates` are the hashes that occur more than once in the whole extract. Only lines
    with one of them are compared by their id, so a hash collision cannot flag a line.
    """

    def __init__(self, candidates: np.ndarray):
        self.candidates = candidates
        self.first_rows: dict[str, int] = {}  # source row of each candidate id's first line

    def find(self, frame: pd.DataFrame) -> np.ndarray:
        """Return a mask of the frame's lines whose record id an earlier line carried."""
        repeated = np.zeros(len(frame), dtype=bool)
        if frame.empty or not len(self.candidates):
            return repeated
        maybe = np.flatnonzero(np.isin(record_id_hashes(frame["source_record_id"]), self.candidates))
        record_ids = frame["source_record_id"].to_numpy()
        source_rows = frame["source_row"].to_numpy()
        for position in maybe:
            record_id = record_ids[position]
            if record_id in self.first_rows:
                repeated[position] = True
            else:
                self.first_rows[record_id] = int(source_rows[position])
        return repeated


def check_duplicates(frame: pd.DataFrame, posted_elsewhere: dict[str, str], repeats: RepeatedRecords) -> Flagged:
    """Flag repeated source records in the file and records an earlier batch already posted.

    ``posted_elsewhere`` maps external ids to the id of the other batch that posted them.
    `repeats` carries the record ids of the extract's earlier parts.
    """
    # NOTE: a corrected extract for a date that already posted is not reversed and reposted;
    # its records that the earlier batch posted are held here for finance to resolve in Odoo.
    if frame.empty:
        return []
    repeated = pd.Series(repeats.find(frame), index=frame.index)
    other_batch = frame["external_id"].map(posted_elsewhere) if posted_elsewhere else pd.Series(None, index=frame.index)
    found = []
    with_findings = repeated | other_batch.notna()
    for index, row in zip(frame.index[with_findings], frame[with_findings].itertuples(index=False), strict=True):
        if repeated[index]:
            first_row = repeats.first_rows[row.source_record_id]
            found.append(_exception(row, "source_record_id", row.source_record_id, Reason.DUPLICATE_IN_FILE, OwnerRole.FIELD,
                                    f"source record {row.source_record_id} repeats row {first_row}"))
        if pd.notna(other_batch[index]):
            found.append(_exception(row, "source_record_id", row.source_record_id, Reason.ALREADY_POSTED, OwnerRole.FINANCE,
                                    f"source record {row.source_record_id} was already posted by batch {other_batch[index]}"))
    return found


def overtime_day_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """Regular and premium hundredths by employee and work date, for one part of the accepted lines."""
    if frame.empty:
        return pd.DataFrame(columns=[*DAY_KEY, "regular", "premium"])
    cents = hours_in_cents(frame["hours"])
    is_regular = frame["pay_type"] == "RT"
    return pd.DataFrame({
        "employee_id": frame["employee_id"], "work_date": frame["work_date"],
        "regular": cents.where(is_regular, 0), "premium": cents.where(~is_regular, 0),
    }).groupby(DAY_KEY, sort=False, as_index=False).sum()


def early_overtime(sums: list[pd.DataFrame], settings: LaborRuleSettings) -> list[dict]:
    """List the employee-days with overtime or double time but fewer regular hours than the daily rule.

    `sums` are the overtime_day_sums of every part of the accepted lines. The findings feed a
    WARN check: the rows still post, and finance reviews the list.
    """
    # NOTE: a daily rule only. The weekly 40-hour rule needs the week's other batches.
    by_day = sum_by_day(sums)
    if by_day.empty:
        return []
    early = by_day[(by_day["premium"] > 0) & (by_day["regular"] < int(settings.regular_hours_before_overtime.scaleb(2)))]
    findings = [
        {
            "employee_id": day.employee_id,
            "work_date": f"{day.work_date:%Y-%m-%d}",
            "regular_hours": str(cents_to_hours(day.regular)),
            "overtime_hours": str(cents_to_hours(day.premium)),
        }
        for day in early.itertuples(index=False)
    ]
    return sorted(findings, key=lambda item: (item["employee_id"], item["work_date"]))
