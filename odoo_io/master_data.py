"""Read-only look-ups of the Odoo master data a labor batch refers to.

Jobs are projects found through their analytic account's ``code`` (the job number),
phases are tasks whose name starts with the canonical cost code ("03 30 00 Concrete"),
employees are found by their badge number (``hr.employee.barcode``). Pay rates
(``hourly_cost``) are never read: Odoo computes the timesheet cost itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from odoo_io.client import OdooClient

ALL_RECORDS = {"active_test": False}

# Lock-date fields on res.company that close a period for all entries (Odoo 17 and 18,
# addons/account/models/company.py); the tax lock date is left out because timesheets
# carry no tax. Whichever of these exist on the server are read.
LOCK_DATE_FIELDS = ("period_lock_date", "fiscalyear_lock_date", "hard_lock_date")

COST_CODE_PREFIX = re.compile(r"^(\d{2} \d{2} \d{2}(?:\.\d{2})?)(?:\s|$)")


@dataclass(frozen=True)
class Job:
    number: str
    project_id: int
    name: str
    active: bool
    closed: bool
    allow_timesheets: bool
    company_id: int | None


@dataclass(frozen=True)
class Phase:
    task_id: int
    project_id: int
    cost_code: str
    active: bool


# Slots: an extract can name millions of employees, and a slotted record takes a third of the memory.
@dataclass(frozen=True, slots=True)
class Employee:
    number: str
    employee_id: int
    active: bool


@dataclass(frozen=True)
class LockDate:
    day: date
    field_name: str


@dataclass
class LaborMasterData:
    jobs: dict[str, Job] = field(default_factory=dict)
    phases: dict[tuple[int, str], Phase] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)
    lock_dates: dict[int | None, LockDate] = field(default_factory=dict)

    def lock_date_for(self, job: Job) -> LockDate | None:
        return self.lock_dates.get(job.company_id) or self.lock_dates.get(None)


def _many2one_id(value) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def project_analytic_field(project_fields: dict) -> str:
    """Return the project field that links a project to its analytic account, from its fields_get.

    Odoo 17 calls it analytic_account_id, and Odoo 18 renamed it to account_id
    (addons/project/models/project_project.py).
    """
    return "analytic_account_id" if "analytic_account_id" in project_fields else "account_id"


def fetch_labor_master_data(client: OdooClient, job_numbers: set[str], employee_numbers: set[str]) -> LaborMasterData:
    """Fetch the jobs, phases, employees and lock dates a batch needs, archived ones included."""
    data = LaborMasterData()
    _fetch_jobs(client, sorted(job_numbers), data)
    _fetch_phases(client, data)
    _fetch_employees(client, sorted(employee_numbers), data)
    _fetch_lock_dates(client, data)
    return data


def _fetch_jobs(client: OdooClient, job_numbers: list[str], data: LaborMasterData) -> None:
    if not job_numbers:
        return
    accounts = client.search_read(
        "account.analytic.account", [("code", "in", job_numbers)], ["code"], context=ALL_RECORDS
    )
    account_to_job = {account["id"]: account["code"] for account in accounts}
    if not account_to_job:
        return

    project_fields = client.fields_get("project.project")
    link_field = project_analytic_field(project_fields)
    wanted = ["name", "active", "allow_timesheets", "stage_id", "company_id", link_field]
    projects = client.search_read(
        "project.project",
        [(link_field, "in", sorted(account_to_job))],
        [name for name in wanted if name in project_fields],
        context=ALL_RECORDS,
    )

    stage_ids = sorted({sid for p in projects if (sid := _many2one_id(p.get("stage_id")))})
    folded = set()
    if stage_ids:
        stages = client.search_read("project.project.stage", [("id", "in", stage_ids)], ["fold"], context=ALL_RECORDS)
        folded = {stage["id"] for stage in stages if stage.get("fold")}

    for project in projects:
        number = account_to_job.get(_many2one_id(project.get(link_field)))
        if number is None:
            continue
        data.jobs[number] = Job(
            number=number,
            project_id=project["id"],
            name=project.get("name") or "",
            active=bool(project.get("active", True)),
            closed=_many2one_id(project.get("stage_id")) in folded,
            allow_timesheets=bool(project.get("allow_timesheets", True)),
            company_id=_many2one_id(project.get("company_id")),
        )


def _fetch_phases(client: OdooClient, data: LaborMasterData) -> None:
    project_ids = sorted({job.project_id for job in data.jobs.values()})
    if not project_ids:
        return
    tasks = client.search_read(
        "project.task", [("project_id", "in", project_ids)], ["name", "project_id", "active"], context=ALL_RECORDS
    )
    for task in tasks:
        match = COST_CODE_PREFIX.match(task.get("name") or "")
        project_id = _many2one_id(task.get("project_id"))
        if not match or project_id is None:
            continue
        key = (project_id, match.group(1))
        phase = Phase(task_id=task["id"], project_id=project_id, cost_code=match.group(1), active=bool(task.get("active", True)))
        # Prefer an active task when an archived one carries the same cost code.
        if key not in data.phases or (phase.active and not data.phases[key].active):
            data.phases[key] = phase


def _fetch_employees(client: OdooClient, numbers: list[str], data: LaborMasterData) -> None:
    if not numbers:
        return
    employees = client.search_read("hr.employee", [("barcode", "in", numbers)], ["barcode", "active"], context=ALL_RECORDS)
    for employee in employees:
        number = employee.get("barcode")
        if not number:
            continue
        record = Employee(number=number, employee_id=employee["id"], active=bool(employee.get("active", True)))
        if number not in data.employees or (record.active and not data.employees[number].active):
            data.employees[number] = record


def _fetch_lock_dates(client: OdooClient, data: LaborMasterData) -> None:
    company_fields = client.fields_get("res.company")
    present = [name for name in LOCK_DATE_FIELDS if name in company_fields]
    if not present:
        return
    for company in client.search_read("res.company", [], present):
        latest: LockDate | None = None
        for name in present:
            value = company.get(name)
            if not value:
                continue
            day = date.fromisoformat(value)
            if latest is None or day > latest.day:
                latest = LockDate(day=day, field_name=name)
        if latest is not None:
            data.lock_dates[company["id"]] = latest
