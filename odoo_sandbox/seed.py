"""Demo data: Summit Ridge Builders, a construction company with four jobs, cost-code tasks,
employees and the two users the pipeline needs.

``seed_demo`` runs only on a database that has not been seeded, so a restarted sandbox keeps what
was posted. ``reset_demo_database`` deletes a database file and seeds it again.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from . import DEFAULT_DATABASE, orm
from .credentials import store_secret
from .service import Sandbox
from .storage import set_meta

DEMO_ADMIN_LOGIN = "admin"
DEMO_API_LOGIN = "pipeline-api"
# The seeded secrets come from the arguments, then these variables, and are otherwise random.
ENVIRONMENT_VARIABLES = {
    "admin_password": "ODOO_SANDBOX_ADMIN_PASSWORD",
    "api_password": "ODOO_SANDBOX_API_PASSWORD",
    "api_key": "ODOO_SANDBOX_API_KEY",
}

COMPANY_NAME = "Summit Ridge Builders"
LOCK_DATES = {
    "period_lock_date": "2026-10-31",
    "fiscalyear_lock_date": "2025-12-31",
    "tax_lock_date": "2026-09-30",
}
LOCK_DATES_V18 = {
    "fiscalyear_lock_date": "2025-12-31",
    "tax_lock_date": "2026-09-30",
    "sale_lock_date": "2026-10-31",
    "purchase_lock_date": "2026-10-31",
    "hard_lock_date": "2025-12-31",
}

# (job number, project name, stage, customer)
JOBS = [
    ("J-2301", "Riverside Medical Office Building", "In Progress", "Riverside Health Partners"),
    ("J-2302", "Cedar Hollow Elementary Addition", "In Progress", "Cedar Hollow School District"),
    ("J-2417", "Harbor Point Parking Structure", "In Progress", "Harbor Point Developments"),
    ("J-1990", "Maple Street Retaining Wall", "Closed", "City of Maple Falls"),
]
COMMON_COST_CODES = [
    "01 50 00 Temporary Facilities",
    "03 11 00 Concrete Forming",
    "03 30 00 Cast-in-Place Concrete",
    "31 23 00 Excavation and Fill",
]
JOB_COST_CODES = {
    "J-2301": COMMON_COST_CODES + ["05 12 00 Structural Steel Framing", "09 29 00 Gypsum Board"],
    "J-2302": COMMON_COST_CODES + ["04 20 00 Unit Masonry", "07 50 00 Membrane Roofing"],
    "J-2417": COMMON_COST_CODES + ["03 41 00 Precast Structural Concrete", "32 12 00 Flexible Paving"],
    "J-1990": ["31 23 00 Excavation and Fill", "32 32 00 Retaining Walls"],
}
# (barcode, name, job title, hourly cost in USD, active)
EMPLOYEES = [
    ("E1001", "Maria Alvarez", "Carpenter Foreman", 48.50, True),
    ("E1002", "James Okafor", "Carpenter", 38.00, True),
    ("E1003", "Priya Raman", "Project Engineer", 52.00, True),
    ("E1004", "Tom Becker", "Laborer", 29.75, True),
    ("E1005", "Luis Hernandez", "Equipment Operator", 44.25, True),
    ("E1006", "Grace Whitfield", "Concrete Finisher", 41.00, True),
    ("E1007", "Daniel Kim", "Laborer", 28.50, True),
    ("E1008", "Sofia Rossi", "Ironworker", 46.00, True),
    ("E1047", "Ray Donnelly", "Superintendent", 62.00, True),
    ("E1099", "Walter Briggs", "Laborer", 27.00, False),
]
# (external id, application, group name)
GROUPS = [
    ("base.group_user", "User types", "Internal User"),
    ("base.group_erp_manager", "Administration", "Access Rights"),
    ("base.group_system", "Administration", "Settings"),
    ("hr_timesheet.group_hr_timesheet_user", "Timesheets", "User: own timesheets only"),
    ("hr_timesheet.group_hr_timesheet_approver", "Timesheets", "User: all timesheets"),
    ("field_to_odoo.group_pipeline", "Field to Odoo", "Pipeline API"),
    ("account.group_account_invoice", "Accounting", "Billing"),
    ("account.group_account_manager", "Accounting", "Administrator"),
]
PIPELINE_READ_MODELS = [
    "res.company", "res.users", "res.partner", "res.currency", "hr.employee", "project.project",
    "project.project.stage", "project.task", "account.analytic.plan", "account.analytic.account", "uom.uom",
]
PIPELINE_READ_CREATE_MODELS = ["account.analytic.line", "ir.model.data"]
INTERNAL_USER_READ_MODELS = ["res.company", "res.users", "res.currency", "res.groups"]
# The pipeline group posts journal entries: action_post writes the move, so it needs write too.
# The accounting rules refuse changes to posted entries and their deletion.
PIPELINE_READ_ACCOUNTING_MODELS = [
    "account.account", "account.journal", "maintenance.equipment", "maintenance.equipment.category",
]
PIPELINE_POSTING_MODELS = ["account.move", "account.move.line", "account.move.reversal"]

# (code, name, account type, allow reconciliation)
ACCOUNTS = [
    ("1100", "Accounts Receivable", "asset_receivable", True),
    ("2105", "Accrued Payroll", "liability_current", False),
    ("2150", "Accrued Job Costs", "liability_current", False),
    # Internal equipment rates charged to jobs are credited here; the account offsets the
    # ownership costs of the fleet, so it is other income rather than a job cost.
    ("4900", "Equipment Recovery", "income_other", False),
    ("5100", "Job Cost - Labor", "expense", False),
    ("5200", "Job Cost - Materials", "expense", False),
    ("5300", "Job Cost - Equipment", "expense", False),
    ("5400", "Job Cost - Subcontract", "expense", False),
    ("5900", "Job Cost - Other", "expense", False),
    # Progress billings: revenue by job, and the retention the customer withholds until completion.
    # Appended last, so the accounts above keep their ids in databases seeded before.
    ("4000", "Contract Revenue", "income", False),
    ("1150", "Retention Receivable", "asset_current", False),
    ("2000", "Accounts Payable", "liability_payable", True),
]
# (code, name, type)
JOURNALS = [
    ("MISC", "Miscellaneous Operations", "general"),
    ("EQP", "Equipment Charges", "general"),
    ("ACCR", "Accruals", "general"),
    ("BILL", "Progress Billings", "general"),
]
# (unit number, description, serial number, active)
EQUIPMENT = [
    ("EX-104", "Excavator 21t", "PIN0000042", True),
    ("LDR-220", "Wheel loader", "PIN0000077", True),
    ("CRN-310", "Crawler crane 90t", "PIN0000105", True),
    ("EX-099", "Excavator 14t", "PIN0000099", False),
]


def generate_credentials() -> dict[str, str]:
    """Generate random passwords and a random 40-hex-digit API key with the ``secrets`` module."""
    return {
        "admin_password": secrets.token_urlsafe(18),
        "api_password": secrets.token_urlsafe(18),
        "api_key": secrets.token_hex(20),
    }


def configured_credentials(admin_password: str | None = None, api_password: str | None = None,
                           api_key: str | None = None) -> dict[str, str | None]:
    """Return each secret from its argument, else its environment variable, else None.

    Empty strings count as not set.
    """
    given = {"admin_password": admin_password, "api_password": api_password, "api_key": api_key}
    return {name: given[name] or os.environ.get(ENVIRONMENT_VARIABLES[name]) or None for name in given}


def resolve_credentials(admin_password: str | None = None, api_password: str | None = None,
                        api_key: str | None = None) -> dict[str, str]:
    """Return the secrets to seed: arguments first, then environment variables, then random values."""
    configured = configured_credentials(admin_password, api_password, api_key)
    generated = generate_credentials()
    return {name: value or generated[name] for name, value in configured.items()}


def seed_demo(sandbox: Sandbox, admin_password: str | None = None, api_password: str | None = None,
              api_key: str | None = None) -> dict:
    """Seed the demo company into an empty sandbox database; return a summary of what was created.

    Secrets left as None are resolved by ``resolve_credentials``, so they may be random values
    that only the database's digests record. Pass them explicitly when the caller needs them.
    """
    credentials = resolve_credentials(admin_password, api_password, api_key)
    with sandbox.transaction():
        env = sandbox.environment(orm.SUPERUSER_ID, su=True)
        summary = DemoSeeder(env, sandbox).run(credentials)
        set_meta(sandbox.conn, "seeded", "demo")
    return summary


class DemoSeeder:
    def __init__(self, env: orm.Environment, sandbox: Sandbox):
        self.env = env
        self.sandbox = sandbox
        self.summary: dict = {}

    def create(self, model_name: str, vals: dict, xml_id: str | None = None) -> int:
        record_id = orm.create_records(self.env, self.env.registry[model_name], [vals])[0]
        if xml_id:
            module, _, name = xml_id.partition(".")
            orm.create_records(self.env, self.env.registry["ir.model.data"], [{
                "module": module, "name": name, "model": model_name, "res_id": record_id, "noupdate": True,
            }])
        return record_id

    def run(self, credentials: dict[str, str]) -> dict:
        env = self.env
        usd = self.create("res.currency", {"name": "USD", "symbol": "$", "rounding": 0.01, "decimal_places": 2,
                                           "position": "before"}, "base.USD")
        self.create("res.currency", {"name": "EUR", "symbol": "€", "rounding": 0.01, "decimal_places": 2,
                                     "active": False}, "base.EUR")
        partner = self.create("res.partner", {"name": COMPANY_NAME, "is_company": True}, "base.main_partner")
        lock_dates = LOCK_DATES if env.major <= 17 else LOCK_DATES_V18
        company = self.create("res.company", {"name": COMPANY_NAME, "currency_id": usd, "partner_id": partner,
                                              **lock_dates}, "base.main_company")
        env._company_id = company
        self.create("uom.uom", {"name": "Hours"}, "uom.product_uom_hour")

        groups = {xml_id: self.create("res.groups", {"name": name, "category_name": category,
                                                      "full_name": f"{category} / {name}"}, xml_id)
                  for xml_id, category, name in GROUPS}
        self.seed_access(groups)

        # uid 1 is the inactive superuser and the administrator is uid 2, as in Odoo.
        self.create("res.users", {"name": "OdooBot", "login": "__system__", "company_id": company,
                                  "active": False}, "base.user_root")
        admin_partner = self.create("res.partner", {"name": "Mitchell Admin"})
        admin = self.create("res.users", {
            "name": "Mitchell Admin", "login": DEMO_ADMIN_LOGIN, "partner_id": admin_partner, "company_id": company,
            "company_ids": [(6, 0, [company])],
            "groups_id": [(6, 0, [groups["base.group_user"], groups["base.group_erp_manager"],
                                  groups["base.group_system"], groups["hr_timesheet.group_hr_timesheet_user"],
                                  groups["hr_timesheet.group_hr_timesheet_approver"]])],
        }, "base.user_admin")
        api_partner = self.create("res.partner", {"name": "Pipeline API"})
        api_user = self.create("res.users", {
            "name": "Pipeline API", "login": DEMO_API_LOGIN, "partner_id": api_partner, "company_id": company,
            "company_ids": [(6, 0, [company])],
            "groups_id": [(6, 0, [groups["base.group_user"], groups["hr_timesheet.group_hr_timesheet_user"],
                                  groups["field_to_odoo.group_pipeline"]])],
        }, "field_to_odoo.user_pipeline_api")
        store_secret(env.conn, admin, "password", credentials["admin_password"])
        store_secret(env.conn, api_user, "password", credentials["api_password"])
        store_secret(env.conn, api_user, "apikey", credentials["api_key"])

        stages = {
            "In Progress": self.create("project.project.stage", {"name": "In Progress", "sequence": 10, "fold": False},
                                       "project.project_project_stage_1"),
            "Closed": self.create("project.project.stage", {"name": "Closed", "sequence": 20, "fold": True},
                                  "project.project_project_stage_3"),
        }
        plan = self.create("account.analytic.plan", {"name": "Projects", "sequence": 10},
                           "analytic.analytic_plan_projects")
        account_field = "analytic_account_id" if env.major <= 17 else "account_id"
        jobs = {}
        for job_number, name, stage, customer in JOBS:
            slug = job_number.lower().replace("-", "")
            customer_id = self.create("res.partner", {"name": customer, "is_company": True},
                                      f"sandbox_demo.partner_{slug}")
            account = self.create("account.analytic.account", {
                "name": name, "code": job_number, "plan_id": plan, "partner_id": customer_id, "company_id": company,
            }, f"sandbox_demo.analytic_{slug}")
            project = self.create("project.project", {
                "name": f"{job_number} {name}", "stage_id": stages[stage], account_field: account,
                "partner_id": customer_id, "company_id": company, "allow_timesheets": True,
            }, f"sandbox_demo.project_{slug}")
            tasks = {}
            for cost_code in JOB_COST_CODES[job_number]:
                tasks[cost_code] = self.create("project.task", {
                    "name": cost_code, "project_id": project, "company_id": company,
                }, f"sandbox_demo.task_{slug}_{cost_code[:8].replace(' ', '')}")
            jobs[job_number] = {"project_id": project, "analytic_account_id": account, "stage": stage, "tasks": tasks}

        employees = {}
        for barcode, name, job_title, hourly_cost, active in EMPLOYEES:
            employees[barcode] = self.create("hr.employee", {
                "name": name, "barcode": barcode, "job_title": job_title, "hourly_cost": hourly_cost,
                "company_id": company, "active": active,
            }, f"sandbox_demo.employee_{barcode.lower()}")

        self.summary = {
            "database": self.sandbox.database, "version": self.sandbox.version, "company_id": company,
            "currency_id": usd, "admin_uid": admin, "api_uid": api_user, "lock_dates": lock_dates,
            "jobs": jobs, "employees": employees, "plan_id": plan, "stages": stages,
        }
        self.summary.update(self.seed_accounting(company, groups, admin))
        return self.summary

    def seed_accounting(self, company: int, groups: dict[str, int], admin: int) -> dict:
        """Seed the chart of accounts, journals, the cost code plan and the equipment."""
        env = self.env
        orm.write_records(env, env.registry["res.users"], [admin], {"groups_id": [
            (4, groups["account.group_account_invoice"], 0), (4, groups["account.group_account_manager"], 0)]})
        company_field = {"company_id": company} if env.major <= 17 else {"company_ids": [(6, 0, [company])]}
        accounts = {}
        for code, name, account_type, reconcile in ACCOUNTS:
            accounts[code] = self.create("account.account", {
                "code": code, "name": name, "account_type": account_type, "reconcile": reconcile, **company_field,
            }, f"sandbox_demo.account_{code}")
        journals = {}
        for code, name, journal_type in JOURNALS:
            journals[code] = self.create("account.journal", {
                "code": code, "name": name, "type": journal_type, "company_id": company,
            }, f"sandbox_demo.journal_{code.lower()}")

        # The second plan gets id 2, so its 18.0 column on analytic lines is x_plan2_id.
        cost_code_plan = self.create("account.analytic.plan", {"name": "Cost Codes", "sequence": 20},
                                     "sandbox_demo.analytic_plan_cost_codes")
        cost_codes = {}
        for task_names in JOB_COST_CODES.values():
            for task_name in task_names:
                code, description = task_name[:8], task_name[9:]
                if code in cost_codes:
                    continue
                cost_codes[code] = self.create("account.analytic.account", {
                    "name": description, "code": code, "plan_id": cost_code_plan, "company_id": company,
                }, f"sandbox_demo.cost_code_{code.replace(' ', '')}")

        category = self.create("maintenance.equipment.category", {"name": "Heavy Equipment", "company_id": company},
                               "sandbox_demo.equipment_category_heavy")
        equipment = {}
        for unit, description, serial_no, active in EQUIPMENT:
            equipment[unit] = self.create("maintenance.equipment", {
                "name": f"{unit} {description}", "serial_no": serial_no, "category_id": category,
                "company_id": company, "active": active,
            }, f"sandbox_demo.equipment_{unit.lower().replace('-', '')}")
        return {"accounts": accounts, "journals": journals, "cost_code_plan_id": cost_code_plan,
                "cost_code_accounts": cost_codes, "equipment": equipment}

    def seed_access(self, groups: dict[str, int]) -> None:
        """Create ir.model.access rows: full rights for Settings, read/create for the pipeline group."""
        rows = []
        for model_name in self.env.registry:
            rows.append((f"{model_name} system", model_name, groups["base.group_system"], 1, 1, 1, 1))
        for model_name in PIPELINE_READ_MODELS:
            rows.append((f"{model_name} pipeline", model_name, groups["field_to_odoo.group_pipeline"], 1, 0, 0, 0))
        for model_name in PIPELINE_READ_CREATE_MODELS:
            rows.append((f"{model_name} pipeline", model_name, groups["field_to_odoo.group_pipeline"], 1, 0, 1, 0))
        for model_name in INTERNAL_USER_READ_MODELS:
            rows.append((f"{model_name} user", model_name, groups["base.group_user"], 1, 0, 0, 0))
        for model_name in PIPELINE_READ_ACCOUNTING_MODELS:
            rows.append((f"{model_name} pipeline", model_name, groups["field_to_odoo.group_pipeline"], 1, 0, 0, 0))
        for model_name in PIPELINE_POSTING_MODELS:
            rows.append((f"{model_name} pipeline", model_name, groups["field_to_odoo.group_pipeline"], 1, 1, 1, 1))
        model = self.env.registry["ir.model.access"]
        orm.create_records(self.env, model, [
            {"name": name, "model": model_name, "group_id": group, "perm_read": bool(read),
             "perm_write": bool(write), "perm_create": bool(create), "perm_unlink": bool(unlink)}
            for name, model_name, group, read, write, create, unlink in rows
        ])


def reset_demo_database(db_path, version: str = "17.0", database: str = DEFAULT_DATABASE,
                        **credentials: str | None) -> dict:
    """Delete the database file at ``db_path`` (and its WAL files), create it and seed the demo."""
    path = Path(db_path)
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()
    sandbox = Sandbox(str(path), version, database)
    try:
        return seed_demo(sandbox, **credentials)
    finally:
        sandbox.close()
