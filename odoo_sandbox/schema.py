"""Field and model definitions: the table-driven description the ORM, storage and RPC layers read.

Adding a model (for example account.move) means adding a ``ModelDef`` to ``models.py``; the
storage creates its table and the ORM serves it without further code.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Callable

RELATIONAL_TYPES = frozenset({"many2one", "one2many", "many2many"})
X2MANY_TYPES = frozenset({"one2many", "many2many"})
NUMERIC_TYPES = frozenset({"integer", "float", "monetary"})


@dataclass(frozen=True)
class FieldDef:
    """One field of a model, with the attributes ``fields_get`` reports."""

    name: str
    type: str
    string: str
    required: bool = False
    readonly: bool = False
    relation: str | None = None
    # one2many: the many2one field on the comodel that points back here.
    inverse_name: str | None = None
    selection: tuple[tuple[str, str], ...] | None = None
    # A constant or a callable taking the ORM environment.
    default: Any = None
    # many2one only: "set null", "cascade" or "restrict" (required fields use "restrict").
    ondelete: str = "set null"
    store: bool = True
    help: str = ""
    # Served versions, as major numbers; None means every version.
    since: int | None = None
    until: int | None = None

    @property
    def is_x2many(self) -> bool:
        return self.type in X2MANY_TYPES

    @property
    def column(self) -> bool:
        """True when the field is a column of the model's table."""
        return self.store and not self.is_x2many

    def served_in(self, major: int) -> bool:
        if self.since is not None and major < self.since:
            return False
        if self.until is not None and major > self.until:
            return False
        return True

    def effective_ondelete(self) -> str:
        if self.required and self.ondelete == "set null":
            return "restrict"
        return self.ondelete


@dataclass(frozen=True)
class UniqueConstraint:
    """A unique index; ``message`` is None for an index that Odoo creates outside _sql_constraints."""

    name: str
    columns: tuple[str, ...]
    message: str | None = None


@dataclass
class ModelDef:
    """One model: its technical name, description (``_description``), fields and ordering."""

    name: str
    description: str
    fields: dict[str, FieldDef] = dataclass_field(default_factory=dict)
    order: str = "id"
    rec_name: str = "name"
    parent_name: str | None = None
    unique: tuple[UniqueConstraint, ...] = ()
    display_name: Callable[[dict], str] | None = None

    @property
    def table(self) -> str:
        return self.name.replace(".", "_")

    @property
    def has_active(self) -> bool:
        return "active" in self.fields

    def field(self, name: str) -> FieldDef:
        try:
            return self.fields[name]
        except KeyError:
            raise ValueError(f"Invalid field {name!r} on model {self.name!r}") from None

    def relation_table(self, fdef: FieldDef) -> tuple[str, str, str]:
        """Return (table, column for this model, column for the comodel) of a many2many field."""
        tables = sorted([self.table, fdef.relation.replace(".", "_")])
        return f"{tables[0]}_{tables[1]}_{fdef.name}_rel", f"{self.table}_id", "target_id"


def magic_fields() -> list[FieldDef]:
    """Return the fields every Odoo model has (``id``, ``display_name`` and the log fields)."""
    return [
        FieldDef("id", "integer", "ID", readonly=True),
        FieldDef("display_name", "char", "Display Name", readonly=True, store=False),
        FieldDef("create_date", "datetime", "Created on", readonly=True),
        FieldDef("create_uid", "many2one", "Created by", readonly=True, relation="res.users"),
        FieldDef("write_date", "datetime", "Last Updated on", readonly=True),
        FieldDef("write_uid", "many2one", "Last Updated by", readonly=True, relation="res.users"),
    ]


def build_model(model: ModelDef, field_defs: list[FieldDef], major: int) -> ModelDef:
    """Return a copy of ``model`` holding the magic fields and the fields served in ``major``."""
    served = {f.name: f for f in magic_fields()}
    for fdef in field_defs:
        if fdef.served_in(major):
            served[fdef.name] = fdef
    return ModelDef(
        name=model.name,
        description=model.description,
        fields=served,
        order=model.order,
        rec_name=model.rec_name,
        parent_name=model.parent_name,
        unique=model.unique,
        display_name=model.display_name,
    )
