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


def _account_display_name(row: dict) -> str:
    # addons/account/models/account_account.py: "<code> <name>".
    return f"{row.get('code') or ''} {row.get('name') or ''}".strip()


def _journal_display_name(row: dict) -> str:
    return row.get("name") or ""


def _move_display_name(row: dict) -> str:
    # addons/account/models/account_move.py _get_move_display_name (entries only): a draft shows
    # "Draft Entry " and then its number, or "(* <id>)" while it has none.
    prefix = "Draft Entry " if row.get("state") == "draft" else ""
    name = row.get("name")
    if not name or name == "/":
        return f"{prefix}(* {row['id']})"
    return f"{prefix}{name}"


def _move_line_display_name(row: dict) -> str:
    parts = [part for part in (row.get("move_name"), row.get("name")) if part and part != "/"]
    return " - ".join(parts) or f"account.move.line,{row['id']}"


# addons/account/models/account_account.py
ACCOUNT_TYPES = (
    ("asset_receivable", "Receivable"), ("asset_cash", "Bank and Cash"),
    ("asset_current", "Current Assets"), ("asset_non_current", "Non-current Assets"),
    ("asset_prepayments", "Prepayments"), ("asset_fixed", "Fixed Assets"),
    ("liability_payable", "Payable"), ("liability_credit_card", "Credit Card"),
    ("liability_current", "Current Liabilities"), ("liability_non_current", "Non-current Liabilities"),
    ("equity", "Equity"), ("equity_unaffected", "Current Year Earnings"),
    ("income", "Income"), ("income_other", "Other Income"),
    ("expense", "Expenses"), ("expense_depreciation", "Depreciation"),
    ("expense_direct_cost", "Cost of Revenue"), ("off_balance", "Off-Balance Sheet"),
)
# addons/account/models/account_journal.py; 18.0 adds the credit card type.
JOURNAL_TYPES_V17 = (
    ("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"), ("bank", "Bank"), ("general", "Miscellaneous"),
)
JOURNAL_TYPES_V18 = JOURNAL_TYPES_V17[:4] + (("credit", "Credit Card"), ("general", "Miscellaneous"))
MOVE_TYPES = (
    ("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"), ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"), ("in_refund", "Vendor Credit Note"), ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
)
LINE_DISPLAY_TYPES = (
    ("product", "Product"), ("cogs", "Cost of Goods Sold"), ("tax", "Tax"), ("rounding", "Rounding"),
    ("payment_term", "Payment Term"), ("line_section", "Section"), ("line_note", "Note"),
    ("epd", "Early Payment Discount"),
)


# Each entry: model definition and its fields. ``since``/``until`` on a field restrict it to
# some served versions.
MODEL_TABLE: list[tuple[ModelDef, list[F]]] = [
    # odoo/addons/base/models/res_currency.py
    (ModelDef("res.currency", "Currency", order="active desc, name"), [
        F("name", "char", "Currency", required=True),
        F("symbol", "char", "Symbol", required=True),
        F("rounding", "float", "Rounding Factor", default=0.01),
        F("decimal_places", "integer", "Decimal Places", default=2),
        F("position", "selection", "Symbol Position", default="after",
          selection=(("after", "After Amount"), ("before", "Before Amount"))),
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
        # addons/account/models/account_analytic_line.py
        F("move_line_id", "many2one", "Journal Item", relation="account.move.line", ondelete="cascade"),
        F("general_account_id", "many2one", "Financial Account", relation="account.account"),
        # Odoo 18 adds one column per analytic plan other than the project plan, named
        # x_plan<plan id>_id. The demo seed's second plan, "Cost Codes", has id 2.
        # NOTE: a plan created later over RPC gets no column in the sandbox.
        F("x_plan2_id", "many2one", "Cost Codes", relation="account.analytic.account", since=18),
    ]),
    # addons/uom/models/uom_uom.py; only referenced by analytic lines.
    (ModelDef("uom.uom", "Product Unit of Measure", order="name"), [
        F("name", "char", "Unit of Measure", required=True),
        F("active", "boolean", "Active", default=True),
    ]),
    # The accounting models below come last so that the tables and access rows of the models
    # above keep their ids in a seeded database.
    # addons/account/models/account_account.py
    (ModelDef("account.account", "Account", order="code, id", display_name=_account_display_name), [
        F("name", "char", "Account Name", required=True),
        F("code", "char", "Code", required=True),
        F("account_type", "selection", "Type", required=True, selection=ACCOUNT_TYPES),
        F("company_id", "many2one", "Company", required=True, relation="res.company",
          default=_default_company, until=17),
        F("company_ids", "many2many", "Companies", relation="res.company", since=18),
        F("deprecated", "boolean", "Deprecated", default=False),
        F("reconcile", "boolean", "Allow Reconciliation", default=False),
        F("currency_id", "many2one", "Account Currency", relation="res.currency"),
    ]),
    # addons/account/models/account_journal.py
    (ModelDef(
        "account.journal", "Journal", order="sequence, type, code",
        unique=(UniqueConstraint("account_journal_code_company_uniq", ("company_id", "code"),
                                 "Journal codes must be unique per company."),),
        display_name=_journal_display_name,
    ), [
        F("name", "char", "Journal Name", required=True),
        F("code", "char", "Short Code", required=True,
          help="Shorter name used for display, at most 5 characters."),
        F("type", "selection", "Type", required=True, selection=JOURNAL_TYPES_V17, until=17),
        F("type", "selection", "Type", required=True, selection=JOURNAL_TYPES_V18, since=18),
        F("active", "boolean", "Active", default=True),
        F("sequence", "integer", "Sequence", default=10),
        F("company_id", "many2one", "Company", required=True, relation="res.company",
          default=_default_company),
        F("default_account_id", "many2one", "Default Account", relation="account.account"),
        F("currency_id", "many2one", "Currency", relation="res.currency"),
    ]),
    # addons/account/models/account_move.py
    (ModelDef("account.move", "Journal Entry", order="date desc, name desc, id desc",
              display_name=_move_display_name), [
        F("name", "char", "Number", default="/"),
        F("ref", "char", "Reference"),
        F("date", "date", "Date", required=True, default=_today),
        F("journal_id", "many2one", "Journal", required=True, relation="account.journal"),
        F("move_type", "selection", "Type", required=True, selection=MOVE_TYPES, default="entry"),
        F("state", "selection", "Status", required=True, default="draft",
          selection=(("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled"))),
        F("line_ids", "one2many", "Journal Items", relation="account.move.line", inverse_name="move_id"),
        F("company_id", "many2one", "Company", relation="res.company"),
        F("currency_id", "many2one", "Currency", relation="res.currency"),
        F("partner_id", "many2one", "Partner", relation="res.partner"),
        F("posted_before", "boolean", "Posted Before", default=False, readonly=True),
        F("reversed_entry_id", "many2one", "Reversal of", relation="account.move"),
        F("reversal_move_id", "one2many", "Reversal Move", relation="account.move",
          inverse_name="reversed_entry_id", until=17),
        F("reversal_move_ids", "one2many", "Reversal Moves", relation="account.move",
          inverse_name="reversed_entry_id", since=18),
        F("amount_total", "monetary", "Total", readonly=True),
    ]),
    # addons/account/models/account_move_line.py; the related fields (parent_state, date,
    # journal_id, company_id) are stored copies that the accounting rules keep in step.
    (ModelDef("account.move.line", "Journal Item", order="date desc, move_name desc, id",
              display_name=_move_line_display_name), [
        F("move_id", "many2one", "Journal Entry", required=True, relation="account.move", ondelete="cascade"),
        F("move_name", "char", "Number", readonly=True),
        F("account_id", "many2one", "Account", relation="account.account", ondelete="restrict"),
        F("name", "char", "Label"),
        F("debit", "monetary", "Debit", default=0.0),
        F("credit", "monetary", "Credit", default=0.0),
        F("balance", "monetary", "Balance", default=0.0),
        F("amount_currency", "monetary", "Amount in Currency"),
        F("currency_id", "many2one", "Currency", relation="res.currency"),
        F("partner_id", "many2one", "Partner", relation="res.partner", ondelete="restrict"),
        F("analytic_distribution", "json", "Analytic Distribution"),
        F("analytic_line_ids", "one2many", "Analytic lines", relation="account.analytic.line",
          inverse_name="move_line_id"),
        F("display_type", "selection", "Display Type", selection=LINE_DISPLAY_TYPES, default="product"),
        F("parent_state", "selection", "Status", readonly=True,
          selection=(("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled"))),
        F("date", "date", "Date", readonly=True),
        F("journal_id", "many2one", "Journal", readonly=True, relation="account.journal"),
        F("company_id", "many2one", "Company", readonly=True, relation="res.company"),
        F("ref", "char", "Reference", readonly=True),
    ]),
    # addons/account/wizard/account_move_reversal.py (a transient model in Odoo)
    (ModelDef("account.move.reversal", "Account move reversal", rec_name="reason"), [
        F("move_ids", "many2many", "Journal Entries", relation="account.move"),
        F("new_move_ids", "many2many", "New Moves", relation="account.move"),
        F("date", "date", "Reversal date", default=_today),
        F("reason", "char", "Reason displayed on Credit Note"),
        F("journal_id", "many2one", "Journal", relation="account.journal"),
        F("company_id", "many2one", "Company", relation="res.company", default=_default_company),
    ]),
    # addons/maintenance/models/maintenance.py
    (ModelDef("maintenance.equipment.category", "Maintenance Equipment Category", order="name"), [
        F("name", "char", "Category Name", required=True),
        F("company_id", "many2one", "Company", relation="res.company", default=_default_company),
    ]),
    (ModelDef("maintenance.equipment", "Maintenance Equipment", order="name, id"), [
        F("name", "char", "Equipment Name", required=True),
        F("serial_no", "char", "Serial Number"),
        F("model", "char", "Model"),
        F("active", "boolean", "Active", default=True),
        F("category_id", "many2one", "Equipment Category", relation="maintenance.equipment.category"),
        F("company_id", "many2one", "Company", relation="res.company", default=_default_company),
        F("note", "char", "Note"),
    ]),
]


def build_registry(version: str) -> dict[str, ModelDef]:
    """Return the models served by ``version`` ("17.0", "18.0" or "19.0"), keyed by name."""
    major = int(version.split(".")[0])
    return {model.name: build_model(model, fields, major) for model, fields in MODEL_TABLE}
