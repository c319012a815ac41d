"""The model methods callable over RPC, with the signatures Odoo 17/18/19 expose.

``api`` is "model" for ``@api.model`` methods and "records" for methods whose first argument is
the list of record ids (odoo/api.py ``call_kw``). The JSON-2 routes and ``/doc-bearer`` read the
parameter names from these signatures.
"""

from __future__ import annotations

import calendar
import datetime as dt
import inspect
from dataclasses import dataclass
from typing import Any, Callable

from . import access, orm
from .schema import NUMERIC_TYPES, ModelDef


@dataclass(frozen=True)
class Method:
    name: str
    function: Callable
    api: str  # "model" or "records"
    since: int | None = None
    until: int | None = None
    models: tuple[str, ...] | None = None

    def parameters(self) -> list[str]:
        names = list(inspect.signature(self.function).parameters)[2:]
        return names[1:] if self.api == "records" else names


def search(env, model, domain, offset=0, limit=None, order=None):
    return orm.search_ids(env, model, domain, offset, limit, order)


def search_count(env, model, domain, limit=None):
    return orm.count_records(env, model, domain, limit)


def search_read(env, model, domain=None, fields=None, offset=0, limit=None, order=None):
    ids = orm.search_ids(env, model, domain or [], offset, limit, order)
    return orm.read_records(env, model, ids, fields)


def read(env, model, ids, fields=None, load="_classic_read"):
    return orm.read_records(env, model, ids, fields, load)


def create(env, model, vals_list):
    # odoo/api.py _call_kw_model_create: a single dict returns an id, a list returns ids.
    if isinstance(vals_list, dict):
        return orm.create_records(env, model, [vals_list])[0]
    if not isinstance(vals_list, (list, tuple)):
        raise ValueError(f"Invalid values {vals_list!r} for {model.name}.create: expected a dictionary or a list")
    return orm.create_records(env, model, list(vals_list))


def create_json2(env, model, vals_list):
    """JSON-2 returns the created recordset as a list of ids, even for one record."""
    if isinstance(vals_list, dict):
        vals_list = [vals_list]
    return orm.create_records(env, model, list(vals_list))


def write(env, model, ids, vals):
    return orm.write_records(env, model, ids, vals)


def unlink(env, model, ids):
    return orm.unlink_records(env, model, ids)


def fields_get(env, model, allfields=None, attributes=None):
    access.check_model_access(env, model.name, "read")
    result = {}
    for name, fdef in model.fields.items():
        if allfields and name not in allfields:
            continue
        description = {
            "name": name,
            "type": fdef.type,
            "string": fdef.string,
            "required": fdef.required,
            "readonly": fdef.readonly,
            "store": fdef.store,
            "searchable": fdef.store or fdef.is_x2many,
            "sortable": fdef.column,
        }
        if fdef.help:
            description["help"] = fdef.help
        if fdef.relation:
            description["relation"] = fdef.relation
        if fdef.inverse_name:
            description["relation_field"] = fdef.inverse_name
        if fdef.selection:
            description["selection"] = [list(pair) for pair in fdef.selection]
        if attributes:
            description = {key: value for key, value in description.items() if key in attributes}
        result[name] = description
    return result


def name_search_v17(env, model, name="", args=None, operator="ilike", limit=100):
    return _name_search(env, model, name, args, operator, limit)


def name_search_v19(env, model, name="", domain=None, operator="ilike", limit=100):
    return _name_search(env, model, name, domain, operator, limit)


def _name_search(env, model, name, domain, operator, limit):
    terms = list(domain or [])
    if name or operator != "ilike":
        terms.append((model.rec_name, operator, name))
    ids = orm.search_ids(env, model, terms, 0, limit)
    names = orm.display_names(env, model, ids)
    return [[record_id, names[record_id]] for record_id in ids]


def check_access_rights(env, model, operation, raise_exception=True):
    if access.has_model_access(env, model.name, operation):
        return True
    if raise_exception:
        raise access.make_access_error(env, model.name, operation)
    return False


def has_access(env, model, ids, operation):
    return access.has_model_access(env, model.name, operation)


def check_access(env, model, ids, operation):
    access.check_model_access(env, model.name, operation)
    return None


def context_get(env, model):
    return {"lang": "en_US", "tz": "UTC", "uid": env.uid}


# -- read_group ----------------------------------------------------------------------------

AGGREGATORS = {
    "sum": lambda values: sum(v for v in values if v is not None),
    "avg": lambda values: (sum(v for v in values if v is not None) / len(values)) if values else 0,
    "min": lambda values: min((v for v in values if v is not None), default=False),
    "max": lambda values: max((v for v in values if v is not None), default=False),
    "count": lambda values: len([v for v in values if v is not None]),
    "count_distinct": lambda values: len({v for v in values if v is not None}),
}
DATE_GRANULARITIES = ("day", "week", "month", "quarter", "year")


def read_group(env, model, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
    """Group records as read_group does in Odoo 17/18 (odoo/models.py)."""
    groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
    if not groupby:
        raise ValueError("read_group needs at least one groupby field")
    used_groupby = groupby[:1] if lazy else groupby
    specs = [parse_groupby(model, spec) for spec in used_groupby]
    aggregates = parse_aggregates(model, fields, {spec[0] for spec in specs})

    ids = orm.search_ids(env, model, domain or [])
    rows = orm.fetch_rows(env, model, ids)
    groups: dict[tuple, list[dict]] = {}
    for record_id in ids:
        row = rows[record_id]
        key = tuple(group_key(row, name, granularity) for name, granularity in specs)
        groups.setdefault(key, []).append(row)

    m2o_names = {}
    for name, _granularity in specs:
        fdef = model.fields[name]
        if fdef.type == "many2one":
            wanted = {key[specs.index((name, _granularity))] for key in groups} - {None}
            m2o_names[name] = orm.display_names(env, env.registry[fdef.relation], list(wanted))

    result = []
    for key, members in groups.items():
        group: dict[str, Any] = {}
        group_domain: list = []
        for (name, granularity), value in zip(specs, key):
            spec_name = f"{name}:{granularity}" if granularity else name
            fdef = model.fields[name]
            if fdef.type == "many2one":
                group[spec_name] = [value, m2o_names[name].get(value, "")] if value else False
                group_domain.append((name, "=", value or False))
            elif fdef.type in ("date", "datetime") and value is not None:
                start, end, label = date_bucket(value, granularity or "month")
                group[spec_name] = label
                group.setdefault("__range", {})[spec_name] = {"from": start, "to": end}
                group_domain.extend([(name, ">=", start), (name, "<", end)])
            else:
                group[spec_name] = value if value is not None else False
                group_domain.append((name, "=", value if value is not None else False))
        count_key = f"{used_groupby[0].split(':')[0]}_count" if lazy else "__count"
        group[count_key] = len(members)
        for alias, field_name, aggregator in aggregates:
            values = [member.get(field_name) for member in members]
            group[alias] = AGGREGATORS[aggregator](values)
        group["__domain"] = group_domain + list(domain or [])
        if lazy and len(groupby) > 1:
            group["__context"] = {"group_by": groupby[1:]}
        result.append((key, group))

    result.sort(key=lambda item: group_sort_key(item[0], item[1], specs, m2o_names))
    if orderby:
        result = order_groups(result, orderby)
    groups_only = [group for _key, group in result]
    if offset:
        groups_only = groups_only[offset:]
    if limit:
        groups_only = groups_only[:limit]
    return groups_only


def parse_groupby(model: ModelDef, spec: str) -> tuple[str, str | None]:
    name, _, granularity = spec.partition(":")
    fdef = model.field(name)
    if not fdef.column:
        raise ValueError(f"Invalid groupby {spec!r}: field {model.name}.{name} is not stored")
    if granularity and (fdef.type not in ("date", "datetime") or granularity not in DATE_GRANULARITIES):
        raise ValueError(f"Invalid groupby {spec!r}")
    if fdef.type in ("date", "datetime") and not granularity:
        granularity = "month"
    return name, granularity or None


def parse_aggregates(model: ModelDef, fields, groupby_names: set[str]) -> list[tuple[str, str, str]]:
    """Return (result key, field, aggregator) triples from read_group ``fields``."""
    specs = list(fields or [])
    if not specs:
        specs = [name for name, fdef in model.fields.items()
                 if fdef.type in NUMERIC_TYPES and fdef.column and name not in ("id", "sequence")]
    result = []
    for spec in specs:
        if spec == "__count":
            continue
        alias, _, rest = spec.partition(":")
        field_name = alias
        aggregator = None
        if rest:
            if "(" in rest and rest.endswith(")"):
                aggregator, _, field_name = rest[:-1].partition("(")
            else:
                aggregator = rest
        fdef = model.field(field_name)
        if alias in groupby_names or field_name in groupby_names:
            continue
        if aggregator is None:
            if fdef.type not in NUMERIC_TYPES or not fdef.column or field_name in ("id", "sequence"):
                continue
            aggregator = "sum"
        if aggregator not in AGGREGATORS:
            raise ValueError(f"Invalid aggregation function {aggregator!r}")
        result.append((alias, field_name, aggregator))
    return result


def group_key(row: dict, name: str, granularity: str | None):
    value = row.get(name)
    if value in ("", None):
        return None
    if granularity:
        return date_bucket(value, granularity)[0]
    return value


def date_bucket(value: str, granularity: str) -> tuple[str, str, str]:
    """Return the start, the exclusive end and the label of the period holding ``value``."""
    day = dt.date.fromisoformat(str(value)[:10])
    if granularity == "day":
        start, end = day, day + dt.timedelta(days=1)
        label = start.strftime("%d %b %Y")
    elif granularity == "week":
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=7)
        label = f"W{start.isocalendar()[1]} {start.isocalendar()[0]}"
    elif granularity == "quarter":
        quarter = (day.month - 1) // 3
        start = dt.date(day.year, quarter * 3 + 1, 1)
        end = dt.date(day.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)
        label = f"Q{quarter + 1} {day.year}"
    elif granularity == "year":
        start, end = dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
        label = str(day.year)
    else:
        start = dt.date(day.year, day.month, 1)
        end = start + dt.timedelta(days=calendar.monthrange(day.year, day.month)[1])
        label = start.strftime("%B %Y")
    return start.isoformat(), end.isoformat(), label


def group_sort_key(key: tuple, group: dict, specs, m2o_names) -> tuple:
    parts = []
    for (name, _granularity), value in zip(specs, key):
        if name in m2o_names and value is not None:
            value = m2o_names[name].get(value, "")
        # PostgreSQL sorts NULL after every value in ascending order.
        parts.append((value is None, "" if value is None else value))
    return tuple(parts)


def order_groups(result: list, orderby: str) -> list:
    for part in reversed([p.strip() for p in orderby.split(",") if p.strip()]):
        words = part.split()
        name, descending = words[0], len(words) > 1 and words[1].lower() == "desc"
        def sort_value(item, name=name):
            value = item[1].get(name)
            if isinstance(value, list):
                value = value[1]
            return (value is None or value is False, value if value not in (None, False) else "")
        result = sorted(result, key=sort_value, reverse=descending)
    return result


# -- the method table ------------------------------------------------------------------------

METHODS: list[Method] = [
    Method("search", search, "model"),
    Method("search_count", search_count, "model"),
    Method("search_read", search_read, "model"),
    Method("read", read, "records"),
    Method("create", create, "model"),
    Method("write", write, "records"),
    Method("unlink", unlink, "records"),
    Method("fields_get", fields_get, "model"),
    # NOTE: Odoo 19 replaces read_group with formatted_read_group over RPC; the sandbox keeps
    # read_group on 19 and does not serve formatted_read_group.
    Method("read_group", read_group, "model"),
    Method("name_search", name_search_v17, "model", until=18),
    Method("name_search", name_search_v19, "model", since=19),
    # NOTE: Odoo 18 keeps check_access_rights as a deprecated method (not verified in the
    # stored 18.0 sources); the sandbox serves it on 17 and 18.
    Method("check_access_rights", check_access_rights, "model", until=18),
    Method("has_access", has_access, "records", since=18),
    Method("check_access", check_access, "records", since=18),
    Method("context_get", context_get, "model", models=("res.users",)),
]
EXTRA_METHODS: list[Method] = []


def find_method(env, model: ModelDef, name: str) -> Method | None:
    for method in [*EXTRA_METHODS, *METHODS]:
        if method.name != name:
            continue
        if method.models is not None and model.name not in method.models:
            continue
        if method.since is not None and env.major < method.since:
            continue
        if method.until is not None and env.major > method.until:
            continue
        return method
    return None


def model_methods(env, model: ModelDef) -> list[Method]:
    names = set()
    result = []
    for method in [*EXTRA_METHODS, *METHODS]:
        found = find_method(env, model, method.name)
        if found is not None and found.name not in names:
            names.add(found.name)
            result.append(found)
    return result

