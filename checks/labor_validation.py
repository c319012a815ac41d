"""Validation of a parsed labor extract: schema, row rules, master data and duplicates.

The result lists the accepted canonical lines and pairs every exception with its
line number, so that the staging database can count held rows exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from checks.labor_rules import (
    LaborRuleSettings,
    RepeatedRecords,
    check_daily_hours,
    check_duplicates,
    check_master_data,
)
from checks.labor_survey import CheckedPart, LaborSurvey, survey_labor_extract
from checks.schema_support import with_fresh_index
from ingest.labor_reader import LaborExtract
from ingest.records import RowException
from odoo_io.master_data import LaborMasterData
from odoo_io.timesheets import external_id_names

DOMAIN = "labor"


@dataclass
class ValidatedLabor:
    """Accepted lines of an extract, the exceptions of the others, and the master data used."""

    frame: pd.DataFrame  # every parsed line, with line_no and external_id
    accepted: pd.DataFrame
    flagged: list[tuple[int | None, RowException]]  # (line number or None for unparsed rows, exception)
    rejected_lines: set[int]
    master: LaborMasterData

    def line_details(self) -> dict[int, dict]:
        """Record id, employee, date and hours of each line that has an exception."""
        flagged_lines = {line_no for line_no, _ in self.flagged if line_no is not None}
        details = {}
        for row in self.frame[self.frame["line_no"].isin(flagged_lines)].itertuples(index=False):
            details[int(row.line_no)] = {
                "source_record_id": row.source_record_id,
                "employee_id": row.employee_id,
                "work_date": row.work_date.date() if not pd.isna(row.work_date) else None,
                "hours": row.hours,
            }
        return details

    @property
    def rows_excepted(self) -> int:
        """Distinct held rows: unparsed source rows plus rejected canonical lines."""
        unparsed = {(item.source_file, item.source_row) for line_no, item in self.flagged if line_no is None}
        return len(unparsed) + len(self.rejected_lines)


def validate_labor_part(
    checked: CheckedPart,
    business_date: date,
    *,
    source_system: str,
    settings: LaborRuleSettings,
    survey: LaborSurvey,
    repeats: RepeatedRecords,
    posted_by_other_batches: Callable[[list[str]], dict[str, str]],
    first_line_no: int = 0,
) -> ValidatedLabor:
    """Run every row rule over one part, with the whole extract's totals from its survey.

    The survey has already checked the part against the schema. Lines are numbered from
    `first_line_no`, so parts validated in file order number their lines as one frame would.
    ``posted_by_other_batches(external_ids)`` maps ids already posted by another batch to
    it. `repeats` carries the record ids seen in earlier parts.
    """
    part = checked.part
    frame = with_fresh_index(part.frame).copy(deep=False)  # new columns stay off the part's frame
    frame["line_no"] = range(first_line_no, first_line_no + len(frame))
    frame["external_id"] = external_id_names(DOMAIN, source_system, frame["source_record_id"].astype(str))
    flagged: list[tuple[int | None, RowException]] = [(None, item) for item in part.exceptions]

    # Schema rules (types, allowed codes, hour range, date inside the partition), as the survey found them.
    valid = frame.iloc[checked.valid_rows]
    schema_failed = set(frame["line_no"]) - set(valid["line_no"])
    flagged.extend(_attach_line_numbers(frame, schema_failed, checked.schema_exceptions))

    # Daily hours, Odoo master data and lock dates, duplicates.
    posted_elsewhere = posted_by_other_batches(list(valid["external_id"]))
    rule_flags = (
        check_daily_hours(valid, settings, survey.daily_limit)
        + check_master_data(valid, survey.master)
        + check_duplicates(valid, posted_elsewhere, repeats)
    )
    flagged.extend(rule_flags)

    rejected_lines = schema_failed | {line_no for line_no, _ in rule_flags}
    accepted = valid[~valid["line_no"].isin(rejected_lines)]
    return ValidatedLabor(frame=frame, accepted=accepted, flagged=flagged, rejected_lines=rejected_lines,
                          master=survey.master)


def validate_labor_extract(
    extract: LaborExtract,
    business_date: date,
    *,
    source_system: str,
    settings: LaborRuleSettings,
    fetch_master: Callable[[set[str], set[str]], LaborMasterData],
    posted_by_other_batches: Callable[[list[str]], dict[str, str]],
) -> ValidatedLabor:
    """Run every row rule over an extract read whole: its survey, then its one part.

    ``fetch_master(job_numbers, employee_numbers)`` reads Odoo's master data, and
    ``posted_by_other_batches(external_ids)`` maps ids already posted by another batch to it.
    """
    survey = survey_labor_extract([extract], business_date, settings=settings, fetch_master=fetch_master)
    return validate_labor_part(
        next(iter(survey.checked_parts)), business_date, source_system=source_system, settings=settings, survey=survey,
        repeats=RepeatedRecords(survey.repeated_records), posted_by_other_batches=posted_by_other_batches,
    )


def _attach_line_numbers(
    frame: pd.DataFrame, failed_lines: set[int], schema_exceptions: list[RowException]
) -> list[tuple[int | None, RowException]]:
    """Pair schema exceptions with the failed lines of the same source row.

    One wide source row can yield several lines; its exceptions are spread over them in
    order so that every failed line carries at least one exception.
    """
    lines_by_row: dict[tuple[str, int], list[int]] = {}
    for row in frame[frame["line_no"].isin(failed_lines)].itertuples(index=False):
        lines_by_row.setdefault((row.source_file, int(row.source_row)), []).append(int(row.line_no))
    items_by_row: dict[tuple[str, int], list[RowException]] = {}
    for item in schema_exceptions:
        items_by_row.setdefault((item.source_file, item.source_row), []).append(item)

    paired: list[tuple[int | None, RowException]] = []
    for key, items in items_by_row.items():
        line_numbers = lines_by_row.get(key) or [None]
        for index, item in enumerate(items):
            paired.append((line_numbers[index % len(line_numbers)], item))
        for extra_line in line_numbers[len(items):]:
            paired.append((extra_line, items[0]))
    return paired


def staged_line_frame(accepted: pd.DataFrame, master: LaborMasterData) -> pd.DataFrame:
    """Turn accepted lines into staging rows, one column per labor_lines column, with the Odoo ids they post to."""
    if accepted.empty:
        return pd.DataFrame(columns=STAGED_LINE_COLUMNS)
    # Maps of the part's own jobs and employees: the master data may name millions of employees.
    project_ids = accepted["job"].map({number: master.jobs[number].project_id for number in accepted["job"].unique()})
    phases = pd.DataFrame([(project_id, cost_code, phase.task_id) for (project_id, cost_code), phase in master.phases.items()],
                          columns=["project_id", "cost_code", "task_id"])
    keys = pd.DataFrame({"project_id": project_ids.to_numpy(), "cost_code": accepted["cost_code"].to_numpy()})
    task_ids = keys.merge(phases, how="left", on=["project_id", "cost_code"], validate="many_to_one")["task_id"]
    employee_ids = accepted["employee_id"].map(
        {number: master.employees[number].employee_id for number in accepted["employee_id"].unique()}
    )
    frame = pd.DataFrame({
        "line_no": accepted["line_no"].astype(int),
        "external_id": accepted["external_id"],
        "source_record_id": accepted["source_record_id"],
        "source_file": accepted["source_file"],
        "source_row": accepted["source_row"].astype(int),
        "job": accepted["job"],
        "cost_code": accepted["cost_code"],
        "cost_type": accepted["cost_type"],
        "employee_id": accepted["employee_id"],
        "craft": accepted["craft"].fillna(""),
        "pay_type": accepted["pay_type"],
        "work_date": accepted["work_date"].dt.date,
        "hours": accepted["hours"],
        "odoo_project_id": project_ids.astype(int),
        "odoo_task_id": task_ids.astype(int).to_numpy(),
        "odoo_employee_id": employee_ids.astype(int),
    })
    return frame.reset_index(drop=True)


STAGED_LINE_COLUMNS = [
    "line_no", "external_id", "source_record_id", "source_file", "source_row", "job", "cost_code", "cost_type",
    "employee_id", "craft", "pay_type", "work_date", "hours", "odoo_project_id", "odoo_task_id", "odoo_employee_id",
]
