"""The Odoo access rights the pipeline needs, checked before any data moves.

Each domain lists exactly the models and operations its code calls (reads for master data and
read-backs, creates for what it posts, write for posting a draft entry). The check calls Odoo
itself: ``check_access_rights`` up to 18.0, ``has_access`` from 19.0
(addons/base/models/ir_model.py and odoo/models.py). An API user that is a Settings
administrator works, but is far more than the pipeline needs, so the check warns.
"""

from __future__ import annotations

from odoo_io.client import OdooClient
from odoo_io.errors import OdooError

READ, CREATE, WRITE = "read", "create", "write"

LABOR_ACCESS = (
    ("res.company", READ), ("hr.employee", READ), ("project.project", READ), ("project.project.stage", READ),
    ("project.task", READ), ("account.analytic.line", READ), ("account.analytic.line", CREATE),
    ("ir.model.data", READ), ("ir.model.data", CREATE),
)
JOURNAL_ACCESS = (
    ("res.company", READ), ("account.account", READ), ("account.journal", READ),
    ("account.analytic.account", READ), ("project.project", READ), ("account.move", READ),
    ("account.move", CREATE), ("account.move", WRITE), ("account.move.line", READ),
)
REPORTING_ACCESS = (
    ("account.account", READ), ("account.analytic.account", READ), ("account.move.line", READ),
    ("account.analytic.line", READ), ("project.project", READ), ("project.task", READ),
)
ACCESS_BY_DOMAIN = {
    "labor": LABOR_ACCESS, "equipment": JOURNAL_ACCESS, "accruals": JOURNAL_ACCESS, "reporting": REPORTING_ACCESS,
}
ADMIN_GROUP = ("base", "group_system")


class AccessMissing(OdooError):
    """The API user lacks rights the pipeline needs; the message lists each model and operation."""


def missing_access(client: OdooClient, needs) -> list[str]:
    """Return "model: operation" for each right in ``needs`` that Odoo refuses the API user."""
    missing = []
    for model, operation in dict.fromkeys(needs):
        if client.is_json2:
            allowed = client.call(model, "has_access", ids=[], operation=operation)
        else:
            allowed = client.call(model, "check_access_rights", operation, raise_exception=False)
        if not allowed:
            missing.append(f"{model}: {operation}")
    return missing


def is_administrator(client: OdooClient, login: str) -> bool:
    """Tell whether ``login`` belongs to the Settings administrators group."""
    module, name = ADMIN_GROUP
    found = client.search_read("ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"])
    if not found:
        return False
    users = client.search_read("res.users", [("login", "=", login), ("groups_id", "in", [found[0]["res_id"]])], ["id"])
    return bool(users)


def verify_access(client: OdooClient, domain: str, login: str, log) -> None:
    """Raise AccessMissing naming every missing right of ``domain``; warn when the user is an administrator."""
    missing = missing_access(client, ACCESS_BY_DOMAIN[domain])
    if missing:
        raise AccessMissing(
            f"Odoo user {login!r} lacks access the {domain} pipeline needs: {'; '.join(missing)}. "
            "Grant these in Odoo (Settings > Users & Companies > Groups), then run again."
        )
    if is_administrator(client, login):
        log.warning("Odoo user %r is a Settings administrator; the %s pipeline needs only: %s", login, domain,
                    ", ".join(f"{model} {operation}" for model, operation in ACCESS_BY_DOMAIN[domain]))
