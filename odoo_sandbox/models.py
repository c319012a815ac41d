"""The models the sandbox serves, per Odoo version.

Field names, types and labels follow the Odoo 17/18 model files named on each model. Only the
fields the pipeline reads or writes are declared, plus the ones the rules need.
"""

from __future__ import annotations

import datetime as dt

from .schema import FieldDef as F, ModelDef, UniqueConstraint, build_model


def _default_company(env) -> int:
    return env.company_id


def _default_user(env) -> int:
    return env.uid


def _today(env) -> str:
    return dt.date.today().isoformat()


def _analytic_account_display_name(row: dict) -> str:
    # addons/analytic/models/analytic_account.py: the code is shown in brackets before the name.
    if row.get("code"):
        return f"[{row['code']}] {row['name']}"
    return row.get("name") or ""


def _ir_model_data_display_name(row: dict) -> str:
    return f"{row.get('module')}.{row.get('name')}"


# Each entry: model definition and its fields. ``since``/``until`` on a field restrict it to
# some served versions.
MODEL_TABLE: list[tuple[ModelDef, list[F]]] = [
    # odoo/addons/base/models/res_currency.py
    (ModelDef("res.currency", "Currency", order="active desc, name"), [
        F("name", "char", "Currency", required=True),
        F("symbol", "char", "Symbol", required=True),
        F("rounding", "float", "Rounding Factor", default=0.01),
        F("decimal_places", "integer", "Decimal Places", default=2),
        F("active", "boolean", "Active", default=True),
    ]),
    # odoo/addons/base/models/res_company.py; lock dates: addons/account/models/company.py
    (ModelDef("res.company", "Companies", order="sequence, name"), [
        F("name", "char", "Company Name", required=True),
        F("sequence", "integer", "Sequence", default=10),
        F("currency_id", "many2one", "Currency", required=True, relation="res.currency"),
        F("partner_id", "many2one", "Partner", relation="res.partner"),
        F("active", "boolean", "Active", default=True),
        F("period_lock_date", "date", "Journals Entries Lock Date", until=17),
        F("fiscalyear_lock_date", "date", "Lock Date for All Users", until=17),
        F("tax_lock_date", "date", "Tax Return Lock Date", until=17),
        F("fiscalyear_lock_date", "date", "Global Lock Date", since=18),
        F("tax_lock_date", "date", "Tax Return Lock Date", since=18),
        F("sale_lock_date", "date", "Sales Lock Date", since=18),
        F("purchase_lock_date", "date", "Purchase Lock date", since=18),
        F("hard_lock_date", "date", "Hard Lock Date", since=18),
    ]),
    # odoo/addons/base/models/res_partner.py
    (ModelDef("res.partner", "Contact", order="complete_name ASC, id DESC", parent_name="parent_id"), [
        F("name", "char", "Name"),
        F("complete_name", "char", "Complete Name"),
        F("ref", "char", "Reference"),
        F("vat", "char", "Tax ID"),
        F("email", "char", "Email"),
        F("is_company", "boolean", "Is a Company", default=False),
        F("parent_id", "many2one", "Related Company", relation="res.partner"),
        F("child_ids", "one2many", "Contact", relation="res.partner", inverse_name="parent_id"),
        F("company_id", "many2one", "Company", relation="res.company"),
        F("active", "boolean", "Active", default=True),
    ]),
    # odoo/addons/base/models/res_users.py (res.groups)
    (ModelDef("res.groups", "Access Groups", order="name"), [
        F("name", "char", "Name", required=True),
        F("category_name", "char", "Application"),
        F("full_name", "char", "Group Name"),
    ]),
    # odoo/addons/base/models/res_users.py
    (ModelDef("res.users", "User", order="name, login"), [
        F("name", "char", "Name", required=True),
        F("login", "char", "Login", required=True),
        F("partner_id", "many2one", "Related Partner", relation="res.partner"),
        F("company_id", "many2one", "Company", required=True, relation="res.company",
          default=_default_company),
        F("company_ids", "many2many", "Companies", relation="res.company"),
        F("groups_id", "many2many", "Groups", relation="res.groups"),
        F("share", "boolean", "Share User", default=False),
        F("active", "boolean", "Active", default=True),
    ]),
    # odoo/addons/base/models/ir_model.py (ir.model.access); the model is stored by name here.
    (ModelDef("ir.model.access", "Model Access", order="model, group_id, name"), [
        F("name", "char", "Name", required=True),
        F("model", "char", "Model", required=True),
        F("group_id", "many2one", "Group", relation="res.groups", ondelete="restrict"),
        F("perm_read", "boolean", "Read Access", default=False),
        F("perm_write", "boolean", "Write Access", default=False),
        F("perm_create", "boolean", "Create Access", default=False),
        F("perm_unlink", "boolean", "Delete Access", default=False),
        F("active", "boolean", "Active", default=True),
    ]),
    # odoo/addons/base/models/ir_model.py (ir.model.data): the unique index on (module, name) is
    # created in _auto_init, so a duplicate surfaces with PostgreSQL's own message.
    (ModelDef(
        "ir.model.data", "Model Data", order="module, model, name",
        unique=(UniqueConstraint("ir_model_data_module_name_uniq_index", ("module", "name")),),
        display_name=_ir_model_data_display_name,
    ), [
        F("name", "char", "External Identifier", required=True),
        F("complete_name", "char", "Complete ID", store=False, readonly=True),
        F("model", "char", "Model Name", required=True),
        F("module", "char", "Module", required=True, default=""),
        F("res_id", "integer", "Record ID"),
        F("noupdate", "boolean", "Non Updatable", default=False),
    ]),
    # addons/hr/models/hr_employee.py; hourly_cost: addons/hr_hourly_cost/models/hr_employee.py
    (ModelDef(
        "hr.employee", "Employee", order="name",
        unique=(UniqueConstraint(
            "hr_employee_barcode_uniq", ("barcode",),
            "The Badge ID must be unique, this one is already assigned to another employee."),),
    ), [
        F("name", "char", "Employee Name"),
        F("barcode", "char", "Badge ID"),
        F("job_title", "char", "Job Title"),
        F("company_id", "many2one", "Company", required=True, relation="res.company",
          default=_default_company),
        F("user_id", "many2one", "User", relation="res.users"),
        F("hourly_cost", "monetary", "Hourly Cost", default=0.0),
        F("active", "boolean", "Active", default=True),
    ]),
    # addons/project/models/project_project_stage.py
    (ModelDef("project.project.stage", "Project Stage", order="sequence, id"), [
        F("name", "char", "Name", required=True),
        F("sequence", "integer", "Sequence", default=50),
        F("fold", "boolean", "Folded", default=False),
        F("active", "boolean", "Active", default=True),
    ]),
    # addons/project/models/project_project.py; analytic link: addons/hr_timesheet/models/project_project.py
    (ModelDef("project.project", "Project", order="sequence, name, id"), [
        F("name", "char", "Name", required=True),
        F("sequence", "integer", "Sequence", default=10),
        F("active", "boolean", "Active", default=True),
        F("allow_timesheets", "boolean", "Timesheets", default=True),
        F("stage_id", "many2one", "Stage", relation="project.project.stage"),
        F("analytic_account_id", "many2one", "Analytic Account", relation="account.analytic.account",
          until=17),
        F("account_id", "many2one", "Analytic Account", relation="account.analytic.account", since=18),
        F("partner_id", "many2one", "Customer", relation="res.partner"),
        F("company_id", "many2one", "Company", relation="res.company"),
        F("task_ids", "one2many", "Tasks", relation="project.task", inverse_name="project_id"),
    ]),
    # addons/project/models/project_task.py
    (ModelDef("project.task", "Task", order="priority desc, sequence, id desc", parent_name="parent_id"), [
        F("name", "char", "Title", required=True),
        F("priority", "selection", "Priority", selection=(("0", "Low"), ("1", "High")), default="0"),
        F("sequence", "integer", "Sequence", default=10),
        F("project_id", "many2one", "Project", relation="project.project"),
        F("parent_id", "many2one", "Parent Task", relation="project.task"),
        F("company_id", "many2one", "Company", relation="res.company"),
        F("active", "boolean", "Active", default=True),
    ]),
    # addons/analytic/models/analytic_plan.py
    (ModelDef("account.analytic.plan", "Analytic Plans", order="sequence asc, id"), [
        F("name", "char", "Name", required=True),
        F("sequence", "integer", "Sequence", default=10),
        F("default_applicability", "selection", "Default Applicability",
          selection=(("optional", "Optional"), ("mandatory", "Mandatory"), ("unavailable", "Unavailable")),
          default="optional"),
    ]),
    # addons/analytic/models/analytic_account.py
    (ModelDef(
        "account.analytic.account", "Analytic Account", order="plan_id, name asc",
        display_name=_analytic_account_display_name,
    ), [
        F("name", "char", "Analytic Account", required=True),
        F("code", "char", "Reference"),
        F("plan_id", "many2one", "Plan", required=True, relation="account.analytic.plan"),
        F("partner_id", "many2one", "Customer", relation="res.partner"),
        F("company_id", "many2one", "Company", relation="res.company", default=_default_company),
        F("active", "boolean", "Active", default=True),
    ]),
    # addons/analytic/models/analytic_line.py; timesheet fields: addons/hr_timesheet/models/hr_timesheet.py
    (ModelDef("account.analytic.line", "Analytic Line", order="date desc, id desc"), [
        F("name", "char", "Description", required=True),
        F("date", "date", "Date", required=True, default=_today),
        F("amount", "monetary", "Amount", required=True, default=0.0),
        F("unit_amount", "float", "Quantity", default=0.0),
        F("account_id", "many2one", "Analytic Account", required=True, relation="account.analytic.account",
          until=17),
        F("account_id", "many2one", "Project Account", relation="account.analytic.account", since=18),
        F("product_uom_id", "many2one", "Unit of Measure", relation="uom.uom"),
        F("partner_id", "many2one", "Partner", relation="res.partner"),
        F("user_id", "many2one", "User", relation="res.users", default=_default_user),
        F("company_id", "many2one", "Company", required=True, relation="res.company",
          default=_default_company),
        F("ref", "char", "Ref."),
        F("project_id", "many2one", "Project", relation="project.project"),
        F("task_id", "many2one", "Task", relation="project.task"),
        F("employee_id", "many2one", "Employee", relation="hr.employee"),
    ]),
    # addons/uom/models/uom_uom.py; only referenced by analytic lines.
    (ModelDef("uom.uom", "Product Unit of Measure", order="name"), [
        F("name", "char", "Unit of Measure", required=True),
        F("active", "boolean", "Active", default=True),
    ]),
]


def build_registry(version: str) -> dict[str, ModelDef]:
    """Return the models served by ``version`` ("17.0", "18.0" or "19.0"), keyed by name."""
    major = int(version.split(".")[0])
    return {model.name: build_model(model, fields, major) for model, fields in MODEL_TABLE}
