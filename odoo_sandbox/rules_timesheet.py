"""Timesheet rules on account.analytic.line, reproducing addons/hr_timesheet/models/hr_timesheet.py.

A line is a timesheet when it has a project or a task. Messages are the Odoo texts of the served
version (17.0 or 18.0; 19.0 uses the 18.0 texts).
"""

from __future__ import annotations

from . import access, orm
from .exceptions import AccessError, MissingError, UserError, ValidationError

MODEL = "account.analytic.line"
APPROVER_GROUP = "hr_timesheet.group_hr_timesheet_approver"
EMPLOYEE_ERROR = "Timesheets must be created with an active employee in the selected companies."
PRIVATE_TASK_ERROR = "Timesheets cannot be created on a private task."
V17_ACCOUNT_ERROR = "Timesheets must be created on a project or a task with an active analytic account."
V18_ACCOUNT_ERROR = "Timesheets must be created with at least an active analytic account defined in the plan '{plan}'."
V18_COMPANY_ERROR = "The project, the task and the analytic accounts of the timesheet must belong to the same company."
ARCHIVED_EMPLOYEE_ERROR = {
    17: "You cannot set an archived employee to the existing timesheets.",
    18: "You cannot set an archived employee on existing timesheets.",
}
NOT_TIMESHEETABLE_ERROR = "You cannot timesheet on a task in a project that doesn't allow timesheeting."
NOT_YOURS_ERROR = "You cannot access timesheets that are not yours."
# addons/analytic/models/analytic_line.py (18.0): every plan column of the line is empty.
V18_NO_ACCOUNT_ERROR = "At least one analytic account must be set"


def project_account_field(env) -> str:
    """Return the name of the project's analytic account field: analytic_account_id in 17, account_id from 18."""
    return "analytic_account_id" if env.major <= 17 else "account_id"


def browse_one(env, model_name: str, record_id: int) -> dict:
    """Fetch one record as the ORM's browse would, raising MissingError when it does not exist."""
    model = env.registry[model_name]
    row = orm.fetch_rows(env, model, [record_id]).get(record_id)
    if row is None:
        raise MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: {model_name}({record_id},), User: {env.uid})"
        )
    return row


def preprocess(env, vals_list: list[dict]) -> None:
    """Fill project, analytic account and company from the task or project (_timesheet_preprocess)."""
    account_field = project_account_field(env)
    for vals in vals_list:
        if not vals.get("project_id") and not vals.get("task_id"):
            continue
        if vals.get("task_id"):
            task = browse_one(env, "project.task", vals["task_id"])
            if not task["project_id"]:
                raise ValidationError(PRIVATE_TASK_ERROR)
            project = browse_one(env, "project.project", task["project_id"])
            if not vals.get("project_id"):
                vals["project_id"] = task["project_id"]
        else:
            project = browse_one(env, "project.project", vals["project_id"])
        if vals.get("account_id"):
            continue
        account = None
        if project.get(account_field):
            account = orm.fetch_rows(env, env.registry["account.analytic.account"], [project[account_field]]).get(
                project[account_field])
        if not account or not account["active"]:
            if env.major <= 17:
                raise ValidationError(V17_ACCOUNT_ERROR)
            raise ValidationError(V18_ACCOUNT_ERROR.format(plan=project_plan_name(env)))
        if env.major >= 18 and account["company_id"] and project["company_id"] \
                and account["company_id"] != project["company_id"]:
            raise ValidationError(V18_COMPANY_ERROR)
        vals["account_id"] = account["id"]
        if env.major <= 17:
            vals["company_id"] = account["company_id"] or project["company_id"]
        else:
            vals["company_id"] = project["company_id"] or account["company_id"]


def project_plan_name(env) -> str:
    # The project plan is the analytic.project_plan setting; the sandbox uses the first plan.
    row = env.conn.execute("SELECT name FROM account_analytic_plan ORDER BY sequence, id LIMIT 1").fetchone()
    return row[0] if row else ""


def active_employees(env, domain: list) -> list[dict]:
    model = env.registry["hr.employee"]
    ids = orm.search_ids(env.sudo().with_context(active_test=True), model, domain, check_access=False)
    return list(orm.fetch_rows(env, model, ids).values())


def assign_employees(env, vals_list: list[dict]) -> None:
    """Pick a valid employee for each timesheet, as hr_timesheet's create() does."""
    companies = env.company_ids
    default_employee = env.context.get("default_employee_id", False)
    for vals in vals_list:
        if not vals.get("project_id"):
            continue
        if not vals.get("name"):
            vals["name"] = "/"
        employee_id = vals.get("employee_id", default_employee)
        if employee_id:
            found = active_employees(env, [("id", "=", employee_id), ("company_id", "in", companies)])
            if not found:
                raise ValidationError(EMPLOYEE_ERROR)
            vals["user_id"] = found[0]["user_id"] or False
            continue
        user_id = vals.get("user_id", env.context.get("user_id", env.uid))
        found = active_employees(env, [("user_id", "=", user_id), ("company_id", "in", companies)])
        per_company = {employee["company_id"]: employee["id"] for employee in found}
        if len(per_company) == 1:
            employee_out = next(iter(per_company.values()))
        else:
            employee_out = per_company.get(vals.get("company_id", env.company_id))
        if not employee_out:
            raise ValidationError(EMPLOYEE_ERROR)
        vals["employee_id"] = employee_out
        vals["user_id"] = user_id


def recompute_amounts(env, ids: list[int]) -> None:
    """Set amount = -(unit_amount x employee hourly cost), rounded to the company currency."""
    model = env.registry[MODEL]
    for row in orm.fetch_rows(env, model, ids).values():
        if not row["project_id"]:
            continue
        cost = 0.0
        if row["employee_id"]:
            employee = orm.fetch_rows(env, env.registry["hr.employee"], [row["employee_id"]])[row["employee_id"]]
            cost = employee["hourly_cost"] or 0.0
        digits = currency_digits(env, row["company_id"])
        # NOTE: Odoo converts from the employee's currency to the account's currency; the
        # sandbox assumes both are the company currency.
        amount = orm.float_round(-(row["unit_amount"] or 0.0) * cost, digits)
        env.conn.execute(f'UPDATE "{model.table}" SET amount = ? WHERE id = ?', (amount, row["id"]))


def currency_digits(env, company_id: int | None) -> int:
    row = env.conn.execute(
        "SELECT c.decimal_places FROM res_company co JOIN res_currency c ON c.id = co.currency_id WHERE co.id = ?",
        (company_id,),
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 2


def check_timesheetable(env, ids: list[int]) -> None:
    """@api.constrains('task_id'): the task's project must allow timesheets."""
    rows = env.conn.execute(
        f"SELECT 1 FROM account_analytic_line l JOIN project_task t ON t.id = l.task_id "
        f"JOIN project_project p ON p.id = t.project_id WHERE p.allow_timesheets = 0 "
        f"AND l.id IN ({', '.join('?' for _ in ids)}) LIMIT 1", ids).fetchone()
    if rows:
        raise ValidationError(NOT_TIMESHEETABLE_ERROR)


def check_any_account(env, ids: list[int]) -> None:
    if env.major < 18 or not ids:
        return
    # Every plan column counts: account_id for the project plan, x_plan<N>_id for the others.
    plan_columns = [name for name in env.registry[MODEL].fields if name == "account_id" or name.startswith("x_plan")]
    all_empty = " AND ".join(f'"{name}" IS NULL' for name in plan_columns)
    row = env.conn.execute(
        f"SELECT 1 FROM account_analytic_line WHERE {all_empty} AND id IN ({', '.join('?' for _ in ids)}) LIMIT 1",
        ids).fetchone()
    if row:
        raise ValidationError(V18_NO_ACCOUNT_ERROR)


@orm.register_hooks(MODEL)
class TimesheetHooks(orm.Hooks):
    def before_create(self, env, vals_list):
        preprocess(env, vals_list)
        assign_employees(env, vals_list)

    def after_create(self, env, ids, vals_list):
        recompute_amounts(env, ids)
        check_timesheetable(env, ids)
        check_any_account(env, ids)

    def before_write(self, env, ids, vals):
        if not env.su and not access.user_has_group(env, APPROVER_GROUP):
            rows = orm.fetch_rows(env, env.registry[MODEL], ids).values()
            if any(row["user_id"] != env.uid for row in rows):
                raise AccessError(NOT_YOURS_ERROR)
        preprocess(env, [vals])
        if vals.get("employee_id"):
            employee = browse_one(env, "hr.employee", vals["employee_id"])
            if not employee["active"]:
                raise UserError(ARCHIVED_EMPLOYEE_ERROR[min(env.major, 18)])
        if "name" in vals and not vals.get("name"):
            vals["name"] = "/"

    def after_write(self, env, ids, vals):
        if any(name in vals for name in ("unit_amount", "employee_id", "account_id")):
            recompute_amounts(env, ids)
        if "task_id" in vals:
            check_timesheetable(env, ids)
        check_any_account(env, ids)
