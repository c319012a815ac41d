"""Record operations (search, read, create, write, unlink) over the SQLite tables.

Behaviour follows odoo/models.py and odoo/fields.py (17.0/18.0): read value formats, defaults,
x2many commands, MissingError on write, and the NOT NULL / foreign key / unique violations that
odoo/service/model.py turns into ValidationError texts.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from . import access
from .domain import Compiler, compile_order, parse_domain
from .exceptions import MissingError, UserError, ValidationError
from .schema import FieldDef, ModelDef

SUPERUSER_ID = 1
MAGIC_COLUMNS = ("id", "create_date", "create_uid", "write_date", "write_uid")


class Hooks:
    """Model-specific rules; rule modules subclass it and register with ``register_hooks``."""

    def before_create(self, env: "Environment", vals_list: list[dict]) -> None: ...

    def after_create(self, env: "Environment", ids: list[int], vals_list: list[dict]) -> None: ...

    def before_write(self, env: "Environment", ids: list[int], vals: dict) -> None: ...

    def after_write(self, env: "Environment", ids: list[int], vals: dict) -> None: ...

    def before_unlink(self, env: "Environment", ids: list[int]) -> None: ...

    def after_unlink(self, env: "Environment", ids: list[int]) -> None: ...


HOOKS: dict[str, Hooks] = {}


def register_hooks(model_name: str) -> Callable[[type[Hooks]], type[Hooks]]:
    def decorate(cls: type[Hooks]) -> type[Hooks]:
        HOOKS[model_name] = cls()
        return cls
    return decorate


class Environment:
    """The database connection, models, calling user and context of one RPC call."""

    def __init__(self, conn: sqlite3.Connection, registry: dict[str, ModelDef], version: str,
                 uid: int, context: dict | None = None, su: bool = False):
        self.conn = conn
        self.registry = registry
        self.version = version
        self.major = int(version.split(".")[0])
        self.uid = uid
        self.context = dict(context or {})
        self.su = su
        self._company_id: int | None = None

    def sudo(self) -> "Environment":
        env = Environment(self.conn, self.registry, self.version, self.uid, self.context, su=True)
        env._company_id = self._company_id
        return env

    def with_context(self, **values: Any) -> "Environment":
        env = Environment(self.conn, self.registry, self.version, self.uid, {**self.context, **values}, self.su)
        env._company_id = self._company_id
        return env

    def model(self, name: str) -> ModelDef:
        model = self.registry.get(name)
        if model is None:
            # odoo/service/model.py (17.0)
            raise UserError(f"Object {name} doesn't exist")
        return model

    @property
    def company_id(self) -> int:
        """The user's current company: ``allowed_company_ids[0]`` from the context, else res.users.company_id."""
        allowed = self.context.get("allowed_company_ids")
        if allowed:
            return int(allowed[0])
        if self._company_id is None:
            row = self.conn.execute("SELECT company_id FROM res_users WHERE id = ?", (self.uid,)).fetchone()
            self._company_id = row[0] if row else None
        return self._company_id

    @property
    def company_ids(self) -> list[int]:
        """The companies selected for this call (``allowed_company_ids``, else the user's companies)."""
        allowed = self.context.get("allowed_company_ids")
        if allowed:
            return [int(c) for c in allowed]
        model = self.registry["res.users"]
        rel, own, target = model.relation_table(model.fields["company_ids"])
        ids = [row[0] for row in self.conn.execute(f'SELECT "{target}" FROM "{rel}" WHERE "{own}" = ?', (self.uid,))]
        return ids or [self.company_id]

    @property
    def active_test(self) -> bool:
        return self.context.get("active_test", True) is not False


def now_string() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def float_round(value: float, digits: int = 2) -> float:
    """Round half away from zero, as odoo.tools.float_utils.float_round does."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


# -- search ------------------------------------------------------------------------------

def search_ids(env: Environment, model: ModelDef, domain: Any = None, offset: int = 0,
               limit: int | None = None, order: str | None = None, check_access: bool = True) -> list[int]:
    if check_access:
        access.check_model_access(env, model.name, "read")
    compiler = Compiler(env.registry)
    alias = compiler.new_alias()
    where = compiler.where(model, parse_domain(domain), alias, env.active_test)
    order_sql = compile_order(model, order or None, alias)
    sql = f'SELECT "{alias}".id FROM "{model.table}" "{alias}" WHERE {where} ORDER BY {order_sql}'
    params = list(compiler.params)
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    if offset:
        if not limit:
            sql += " LIMIT -1"
        sql += " OFFSET ?"
        params.append(int(offset))
    return [row[0] for row in env.conn.execute(sql, params)]


def count_records(env: Environment, model: ModelDef, domain: Any = None, limit: int | None = None) -> int:
    access.check_model_access(env, model.name, "read")
    compiler = Compiler(env.registry)
    sub = compiler.select_ids(model, domain, env.active_test)
    sql = f"SELECT COUNT(*) FROM ({sub}{' LIMIT ?' if limit else ''})"
    params = list(compiler.params) + ([int(limit)] if limit else [])
    return env.conn.execute(sql, params).fetchone()[0]


# -- read --------------------------------------------------------------------------------

def fetch_rows(env: Environment, model: ModelDef, ids: list[int]) -> dict[int, dict]:
    """Return stored rows by id, without access checks; missing ids are absent."""
    rows: dict[int, dict] = {}
    ids = [int(i) for i in ids]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        placeholders = ", ".join("?" for _ in chunk)
        for row in env.conn.execute(f'SELECT * FROM "{model.table}" WHERE id IN ({placeholders})', chunk):
            rows[row["id"]] = dict(row)
    return rows


def display_names(env: Environment, model: ModelDef, ids: list[int]) -> dict[int, str]:
    rows = fetch_rows(env, model, [i for i in ids if i])
    return {record_id: display_name(model, row) for record_id, row in rows.items()}


def display_name(model: ModelDef, row: dict) -> str:
    if model.display_name is not None:
        return model.display_name(row)
    value = row.get(model.rec_name)
    return value if value else f"{model.name},{row['id']}"


def x2many_ids(env: Environment, model: ModelDef, fdef: FieldDef, record_id: int) -> list[int]:
    if fdef.type == "one2many":
        comodel = env.registry[fdef.relation]
        order = compile_order(comodel, None, "c")
        active = ' AND "c"."active" = 1' if comodel.has_active and env.active_test else ""
        sql = f'SELECT "c".id FROM "{comodel.table}" "c" WHERE "c"."{fdef.inverse_name}" = ?{active} ORDER BY {order}'
        return [row[0] for row in env.conn.execute(sql, (record_id,))]
    rel, own, target = model.relation_table(fdef)
    return [row[0] for row in env.conn.execute(
        f'SELECT "{target}" FROM "{rel}" WHERE "{own}" = ? ORDER BY "{target}"', (record_id,))]


def read_records(env: Environment, model: ModelDef, ids: Any, fields: Any = None,
                 load: str | None = "_classic_read") -> list[dict]:
    """Read records in the order of ``ids``; ids that do not exist are left out."""
    access.check_model_access(env, model.name, "read")
    ids = normalize_ids(ids)
    names = list(fields) if fields else [name for name in model.fields if name != "id"]
    for name in names:
        model.field(name)
    rows = fetch_rows(env, model, ids)
    m2o_names: dict[str, dict[int, str]] = {}
    if load == "_classic_read":
        for name in names:
            fdef = model.fields[name]
            if fdef.type == "many2one" and fdef.relation in env.registry:
                wanted = {row[name] for row in rows.values() if row.get(name)}
                m2o_names[name] = display_names(env, env.registry[fdef.relation], list(wanted))
    result = []
    seen = set()
    for record_id in ids:
        if record_id in seen or record_id not in rows:
            continue
        seen.add(record_id)
        row = rows[record_id]
        record = {"id": record_id}
        for name in names:
            record[name] = read_value(env, model, model.fields[name], row, load, m2o_names.get(name))
        result.append(record)
    return result


def read_value(env, model: ModelDef, fdef: FieldDef, row: dict, load, names: dict | None) -> Any:
    if fdef.name == "display_name":
        return display_name(model, row)
    if fdef.name == "complete_name" and model.name == "ir.model.data":
        return f"{row.get('module')}.{row.get('name')}"
    if fdef.is_x2many:
        return x2many_ids(env, model, fdef, row["id"])
    value = row.get(fdef.name)
    if fdef.type == "many2one":
        if not value:
            return False
        if load == "_classic_read":
            return [value, (names or {}).get(value, f"{fdef.relation},{value}")]
        return value
    if fdef.type == "integer":
        return int(value or 0)
    if fdef.type in ("float", "monetary"):
        return float(value or 0.0)
    if fdef.type == "boolean":
        return bool(value)
    if fdef.type == "json":
        return json.loads(value) if value else False
    if value is None or value == "":
        return False
    return value


# -- create / write ----------------------------------------------------------------------

def normalize_ids(ids: Any) -> list[int]:
    if ids is None or ids is False:
        return []
    if isinstance(ids, bool):
        raise ValueError(f"Invalid record ids {ids!r}")
    if isinstance(ids, int):
        return [ids]
    if isinstance(ids, (list, tuple)):
        result = []
        for record_id in ids:
            if isinstance(record_id, bool) or not isinstance(record_id, int):
                raise ValueError(f"Invalid record id {record_id!r}: expected an integer")
            result.append(record_id)
        return result
    raise ValueError(f"Invalid record ids {ids!r}: expected an integer or a list of integers")


def convert_to_column(env: Environment, model: ModelDef, fdef: FieldDef, value: Any) -> Any:
    """Convert an RPC value to the stored value, raising ValueError on a wrong type."""
    if fdef.type == "many2one":
        if value is False or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"Wrong value for {model.name}.{fdef.name}: {value!r} (expected a record id)")
        return value
    if fdef.type == "boolean":
        return int(bool(value))
    if fdef.type == "integer":
        return int(value or 0)
    if fdef.type in ("float", "monetary"):
        number = float(value or 0.0)
        return float_round(number, 2) if fdef.type == "monetary" else number
    if fdef.type == "selection":
        if value is False or value is None:
            return None
        keys = [key for key, _label in fdef.selection or ()]
        if value not in keys:
            raise ValueError(f"Wrong value for {model.name}.{fdef.name}: {value!r}")
        return value
    if fdef.type == "date":
        if not value:
            return None
        text = str(value)[:10]
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"time data {value!r} does not match format '%Y-%m-%d'") from None
    if fdef.type == "datetime":
        if not value:
            return None
        try:
            return dt.datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise ValueError(f"time data {value!r} does not match format '%Y-%m-%d %H:%M:%S'") from None
    if fdef.type == "json":
        return json.dumps(value) if value is not False else None
    if value is False or value is None or value == "":
        return None
    return str(value)


def mandatory_field_error(model: ModelDef, fdef: FieldDef) -> ValidationError:
    # odoo/service/model.py: NOT NULL violation.
    return ValidationError(
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        f"Model: {model.description} ({model.name})\n"
        f"Field: {fdef.string} ({fdef.name})\n"
    )


def foreign_key_error(model: ModelDef, column: str) -> ValidationError:
    # odoo/service/model.py: foreign key violation, raised for a missing target on insert and
    # for a restricted delete alike.
    return ValidationError(
        "The operation cannot be completed: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {model.description} ({model.name})\n"
        f"Constraint: {model.table}_{column}_fkey\n"
    )


def split_values(env: Environment, model: ModelDef, vals: dict) -> tuple[dict, dict]:
    """Split ``vals`` into stored column values and x2many commands; reject unknown fields."""
    if not isinstance(vals, dict):
        raise ValueError(f"Invalid values {vals!r} for {model.name}: expected a dictionary")
    columns, x2many = {}, {}
    for name, value in vals.items():
        fdef = model.fields.get(name)
        if fdef is None:
            raise ValueError(f"Invalid field {name!r} on model {model.name!r}")
        if name in MAGIC_COLUMNS or not fdef.store:
            continue
        if fdef.is_x2many:
            x2many[name] = value
        else:
            columns[name] = convert_to_column(env, model, fdef, value)
    return columns, x2many


def check_columns(env: Environment, model: ModelDef, columns: dict, record_id: int | None) -> None:
    """Enforce NOT NULL on required fields, many2one targets and unique indexes."""
    for name, value in columns.items():
        fdef = model.fields[name]
        if fdef.required and value is None and fdef.type != "boolean":
            raise mandatory_field_error(model, fdef)
        if fdef.type == "many2one" and value is not None and fdef.relation in env.registry:
            comodel = env.registry[fdef.relation]
            if not env.conn.execute(f'SELECT 1 FROM "{comodel.table}" WHERE id = ?', (value,)).fetchone():
                raise foreign_key_error(model, name)
    for constraint in model.unique:
        if not any(column in columns for column in constraint.columns):
            continue
        if record_id is None:
            values = [columns.get(column) for column in constraint.columns]
        else:
            current = fetch_rows(env, model, [record_id])[record_id]
            values = [columns.get(column, current.get(column)) for column in constraint.columns]
        if any(value is None for value in values):
            continue
        where = " AND ".join(f'"{column}" = ?' for column in constraint.columns)
        params = list(values)
        if record_id is not None:
            where += " AND id != ?"
            params.append(record_id)
        if env.conn.execute(f'SELECT 1 FROM "{model.table}" WHERE {where}', params).fetchone():
            raise unique_error(model, constraint, values)


def unique_error(model: ModelDef, constraint, values: list) -> ValidationError:
    if constraint.message:
        return ValidationError(f"The operation cannot be completed: {constraint.message}")
    # An index outside _sql_constraints: odoo/service/model.py shows PostgreSQL's message.
    columns = ", ".join(constraint.columns)
    shown = ", ".join(str(value) for value in values)
    return ValidationError(
        "The operation cannot be completed: duplicate key value violates unique constraint "
        f'"{constraint.name}"\nDETAIL:  Key ({columns})=({shown}) already exists.\n'
    )


def apply_defaults(env: Environment, model: ModelDef, vals: dict) -> dict:
    result = dict(vals)
    for name, fdef in model.fields.items():
        if name in result or fdef.default is None or not fdef.store:
            continue
        default = fdef.default(env) if callable(fdef.default) else fdef.default
        result[name] = default
    return result


def create_records(env: Environment, model: ModelDef, vals_list: list[dict]) -> list[int]:
    access.check_model_access(env, model.name, "create")
    for vals in vals_list:
        if not isinstance(vals, dict):
            raise ValueError(f"Invalid values {vals!r} for {model.name}: expected a dictionary")
    # Rules see the values as sent, before defaults, like overrides of create() in Odoo.
    vals_list = [dict(vals) for vals in vals_list]
    hooks = HOOKS.get(model.name)
    if hooks:
        hooks.before_create(env, vals_list)
    vals_list = [apply_defaults(env, model, vals) for vals in vals_list]

    ids = []
    stamp = now_string()
    for vals in vals_list:
        columns, x2many = split_values(env, model, vals)
        for name, fdef in model.fields.items():
            if fdef.required and fdef.column and name not in MAGIC_COLUMNS and columns.get(name) is None \
                    and fdef.type != "boolean":
                raise mandatory_field_error(model, fdef)
        check_columns(env, model, columns, None)
        columns.update(create_date=stamp, write_date=stamp, create_uid=env.uid, write_uid=env.uid)
        names = ", ".join(f'"{name}"' for name in columns)
        placeholders = ", ".join("?" for _ in columns)
        cursor = env.conn.execute(
            f'INSERT INTO "{model.table}" ({names}) VALUES ({placeholders})', list(columns.values()))
        record_id = cursor.lastrowid
        for name, commands in x2many.items():
            apply_x2many_commands(env, model, model.fields[name], record_id, commands)
        ids.append(record_id)

    if hooks:
        hooks.after_create(env, ids, vals_list)
    return ids


def write_records(env: Environment, model: ModelDef, ids: Any, vals: dict) -> bool:
    access.check_model_access(env, model.name, "write")
    ids = normalize_ids(ids)
    if not isinstance(vals, dict):
        raise ValueError(f"Invalid values {vals!r} for {model.name}: expected a dictionary")
    existing = fetch_rows(env, model, ids)
    missing = [record_id for record_id in ids if record_id not in existing]
    if missing:
        # odoo/models.py: _check_missing / MissingError text.
        shown = ", ".join(str(i) for i in missing)
        raise MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: {model.name}({shown},), User: {env.uid})"
        )

    vals = dict(vals)
    hooks = HOOKS.get(model.name)
    if hooks:
        hooks.before_write(env, ids, vals)

    columns, x2many = split_values(env, model, vals)
    for record_id in ids:
        check_columns(env, model, columns, record_id)
    if ids:
        columns.update(write_date=now_string(), write_uid=env.uid)
        assignments = ", ".join(f'"{name}" = ?' for name in columns)
        placeholders = ", ".join("?" for _ in ids)
        env.conn.execute(
            f'UPDATE "{model.table}" SET {assignments} WHERE id IN ({placeholders})',
            list(columns.values()) + ids,
        )
        for name, commands in x2many.items():
            for record_id in ids:
                apply_x2many_commands(env, model, model.fields[name], record_id, commands)

    if hooks:
        hooks.after_write(env, ids, vals)
    return True


def apply_x2many_commands(env: Environment, model: ModelDef, fdef: FieldDef, record_id: int, commands: Any) -> None:
    """Apply x2many command triples (odoo/fields.py ``Command``) to one record."""
    comodel = env.registry[fdef.relation]
    if commands is False or commands is None:
        commands = [(5, 0, 0)]
    if not isinstance(commands, (list, tuple)):
        raise ValueError(f"Invalid value {commands!r} for {model.name}.{fdef.name}: expected a list of commands")
    if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
        commands = [(6, 0, list(commands))]
    for command in commands:
        if not isinstance(command, (list, tuple)) or not command:
            raise ValueError(f"Invalid command {command!r} for {model.name}.{fdef.name}")
        code = command[0]
        target = command[1] if len(command) > 1 else 0
        payload = command[2] if len(command) > 2 else None
        if code == 0:
            vals = dict(payload or {})
            if fdef.type == "one2many":
                vals[fdef.inverse_name] = record_id
            new_id = create_records(env, comodel, [vals])[0]
            if fdef.type == "many2many":
                link(env, model, fdef, record_id, new_id)
        elif code == 1:
            write_records(env, comodel, [target], dict(payload or {}))
        elif code == 2:
            unlink_records(env, comodel, [target])
        elif code == 3:
            unlink_link(env, model, fdef, record_id, target)
        elif code == 4:
            if fdef.type == "one2many":
                write_records(env, comodel, [target], {fdef.inverse_name: record_id})
            else:
                link(env, model, fdef, record_id, target)
        elif code == 5:
            for linked in x2many_ids(env.with_context(active_test=False), model, fdef, record_id):
                unlink_link(env, model, fdef, record_id, linked)
        elif code == 6:
            wanted = normalize_ids(payload or [])
            current = x2many_ids(env.with_context(active_test=False), model, fdef, record_id)
            for linked in current:
                if linked not in wanted:
                    unlink_link(env, model, fdef, record_id, linked)
            for linked in wanted:
                if linked not in current:
                    apply_x2many_commands(env, model, fdef, record_id, [(4, linked, 0)])
        else:
            raise ValueError(f"Invalid command {command!r} for {model.name}.{fdef.name}")


def link(env: Environment, model: ModelDef, fdef: FieldDef, record_id: int, target_id: int) -> None:
    comodel = env.registry[fdef.relation]
    if not env.conn.execute(f'SELECT 1 FROM "{comodel.table}" WHERE id = ?', (target_id,)).fetchone():
        rel, _own, _target = model.relation_table(fdef)
        raise ValidationError(
            "The operation cannot be completed: another model requires the record being deleted. "
            "If possible, archive it instead.\n\n"
            f"Model: {model.description} ({model.name})\nConstraint: {rel}_target_id_fkey\n"
        )
    rel, own, target = model.relation_table(fdef)
    env.conn.execute(f'INSERT OR IGNORE INTO "{rel}" ("{own}", "{target}") VALUES (?, ?)', (record_id, target_id))


def unlink_link(env: Environment, model: ModelDef, fdef: FieldDef, record_id: int, target_id: int) -> None:
    if fdef.type == "many2many":
        rel, own, target = model.relation_table(fdef)
        env.conn.execute(f'DELETE FROM "{rel}" WHERE "{own}" = ? AND "{target}" = ?', (record_id, target_id))
        return
    comodel = env.registry[fdef.relation]
    inverse = comodel.fields[fdef.inverse_name]
    if inverse.effective_ondelete() == "cascade":
        unlink_records(env, comodel, [target_id])
    else:
        write_records(env, comodel, [target_id], {fdef.inverse_name: False})


def unlink_records(env: Environment, model: ModelDef, ids: Any) -> bool:
    access.check_model_access(env, model.name, "unlink")
    ids = [i for i in normalize_ids(ids) if i in fetch_rows(env, model, normalize_ids(ids))]
    if not ids:
        return True
    hooks = HOOKS.get(model.name)
    if hooks:
        hooks.before_unlink(env, ids)
    placeholders = ", ".join("?" for _ in ids)
    for other in env.registry.values():
        for fdef in other.fields.values():
            if fdef.relation != model.name:
                continue
            if fdef.type == "many2many":
                rel, own, target = other.relation_table(fdef)
                env.conn.execute(f'DELETE FROM "{rel}" WHERE "{target}" IN ({placeholders})', ids)
                continue
            if fdef.type != "many2one" or not fdef.column:
                continue
            referencing = [row[0] for row in env.conn.execute(
                f'SELECT id FROM "{other.table}" WHERE "{fdef.name}" IN ({placeholders})', ids)]
            referencing = [r for r in referencing if not (other.name == model.name and r in ids)]
            if not referencing:
                continue
            if fdef.name in ("create_uid", "write_uid"):
                env.conn.execute(f'UPDATE "{other.table}" SET "{fdef.name}" = NULL WHERE "{fdef.name}" IN ({placeholders})', ids)
                continue
            ondelete = fdef.effective_ondelete()
            if ondelete == "restrict":
                raise foreign_key_error(other, fdef.name)
            if ondelete == "cascade":
                unlink_records(env.sudo(), other, referencing)
            else:
                env.conn.execute(f'UPDATE "{other.table}" SET "{fdef.name}" = NULL WHERE "{fdef.name}" IN ({placeholders})', ids)
    for fdef in model.fields.values():
        if fdef.type == "many2many":
            rel, own, _target = model.relation_table(fdef)
            env.conn.execute(f'DELETE FROM "{rel}" WHERE "{own}" IN ({placeholders})', ids)
    env.conn.execute(f'DELETE FROM "{model.table}" WHERE id IN ({placeholders})', ids)
    if hooks:
        hooks.after_unlink(env, ids)
    return True
