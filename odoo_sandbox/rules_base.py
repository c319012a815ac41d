"""Rules of base models: external ids (odoo/addons/base/models/ir_model.py, ``ir.model.data``)."""

from __future__ import annotations

from . import methods, orm
from .exceptions import ValidationError

# ir.model.data _sql_constraints: CHECK(name NOT LIKE '% %').
NO_SPACES_ERROR = "The operation cannot be completed: External IDs cannot contain spaces"


def check_object_reference(env, model, module, xml_id, raise_on_access_error=False):
    """Return [model, res_id] of the external id ``module.xml_id``; ValueError when it is unknown."""
    orm.search_ids(env, model, [], limit=1)  # read access on ir.model.data
    row = env.conn.execute(
        "SELECT model, res_id FROM ir_model_data WHERE module = ? AND name = ?", (module, xml_id)
    ).fetchone()
    if row is None:
        raise ValueError(f"External ID not found in the system: {module}.{xml_id}")
    return [row[0], row[1]]


@orm.register_hooks("ir.model.data")
class ModelDataHooks(orm.Hooks):
    def before_create(self, env, vals_list):
        for vals in vals_list:
            check_name(vals)

    def before_write(self, env, ids, vals):
        check_name(vals)


def check_name(vals: dict) -> None:
    if isinstance(vals.get("name"), str) and " " in vals["name"]:
        raise ValidationError(NO_SPACES_ERROR)


methods.EXTRA_METHODS.append(
    methods.Method("check_object_reference", check_object_reference, "model", models=("ir.model.data",))
)
