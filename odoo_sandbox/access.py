"""Model access rights, reproducing ``ir.model.access`` (odoo/addons/base/models/ir_model.py).

A user may perform an operation on a model when an active access row for that model grants the
permission to a group the user belongs to, or to no group at all (a global row). The refusal
message has Odoo's three paragraphs: the operation, the groups that would allow it, and the
resolution.
"""

from __future__ import annotations

from .exceptions import AccessError

OPERATIONS = ("read", "write", "create", "unlink")
ACCESS_ERROR_HEADER = {
    "read": "You are not allowed to access '{kind}' ({model}) records.",
    "write": "You are not allowed to modify '{kind}' ({model}) records.",
    "create": "You are not allowed to create '{kind}' ({model}) records.",
    "unlink": "You are not allowed to delete '{kind}' ({model}) records.",
}


def user_group_ids(env, uid: int | None = None) -> set[int]:
    uid = env.uid if uid is None else uid
    model = env.registry["res.users"]
    rel, own, target = model.relation_table(model.fields["groups_id"])
    rows = env.conn.execute(f'SELECT "{target}" FROM "{rel}" WHERE "{own}" = ?', (uid,))
    return {row[0] for row in rows}


def user_has_group(env, xml_id: str, uid: int | None = None) -> bool:
    """Return True when the user belongs to the group with external id ``module.name``."""
    module, _, name = xml_id.partition(".")
    row = env.conn.execute(
        "SELECT res_id FROM ir_model_data WHERE module = ? AND name = ? AND model = 'res.groups'",
        (module, name),
    ).fetchone()
    return bool(row) and row[0] in user_group_ids(env, uid)


def has_model_access(env, model_name: str, operation: str) -> bool:
    if operation not in OPERATIONS:
        raise ValueError(f"Invalid access operation {operation!r} (expected 'read', 'write', 'create', 'unlink')")
    if env.su:
        return True
    groups = user_group_ids(env)
    rows = env.conn.execute(
        f'SELECT group_id FROM ir_model_access WHERE model = ? AND active = 1 AND "perm_{operation}" = 1',
        (model_name,),
    ).fetchall()
    return any(row[0] is None or row[0] in groups for row in rows)


def check_model_access(env, model_name: str, operation: str) -> None:
    """Raise Odoo's AccessError when the current user lacks ``operation`` on ``model_name``."""
    if has_model_access(env, model_name, operation):
        return
    raise make_access_error(env, model_name, operation)


def make_access_error(env, model_name: str, operation: str) -> AccessError:
    model = env.registry[model_name]
    header = ACCESS_ERROR_HEADER[operation].format(kind=model.description, model=model_name)
    rows = env.conn.execute(
        "SELECT DISTINCT g.category_name, g.name FROM ir_model_access a "
        "JOIN res_groups g ON g.id = a.group_id "
        f'WHERE a.model = ? AND a.active = 1 AND a."perm_{operation}" = 1',
        (model_name,),
    ).fetchall()
    # Groups with an application come first, sorted by application then name.
    groups = sorted(rows, key=lambda row: (row[0] is None, row[0] or "", row[1]))
    if groups:
        listing = "\n".join(
            f"\t- {category} / {name}" if category else f"\t- {name}" for category, name in groups
        )
        group_info = f"This operation is allowed for the following groups:\n{listing}"
    else:
        group_info = "No group currently allows this operation."
    resolution = "Contact your administrator to request access if necessary."
    return AccessError(f"{header}\n\n{group_info}\n\n{resolution}")
