"""Odoo search domains: parsing the Polish-notation list and compiling it into SQLite SQL.

Semantics follow odoo/osv/expression.py (17.0/18.0): consecutive terms are joined with an
implicit '&'; '=' False matches NULL; negative operators ('!=', 'not in', 'not like',
'not ilike') also match NULL; like/ilike wrap the value in '%'; dotted paths traverse
relations; ``in []`` matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any

from .schema import ModelDef

TERM_OPERATORS = frozenset({
    "=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike", "like", "not like", "ilike",
    "not ilike", "in", "not in", "child_of", "parent_of", "any", "not any",
})
NEGATIVE_OPERATORS = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in", "not any": "any"}
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
TRUE_SQL = "1 = 1"
FALSE_SQL = "0 = 1"


def parse_domain(domain: Any) -> tuple:
    """Parse a domain into a tree of ("&"|"|", a, b), ("!", a), ("leaf", path, op, value), ("true",), ("false",)."""
    if domain is None or domain is False:
        return ("true",)
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Invalid domain {domain!r}: expected a list of terms and operators")
    items = list(domain)
    position = 0

    def parse_one() -> tuple:
        nonlocal position
        if position >= len(items):
            raise ValueError(f"Invalid domain {domain!r}: an operator is missing an operand")
        item = items[position]
        position += 1
        if item in ("&", "|"):
            left = parse_one()
            right = parse_one()
            return (item, left, right)
        if item == "!":
            return ("!", parse_one())
        return parse_leaf(item)

    nodes = []
    while position < len(items):
        nodes.append(parse_one())
    if not nodes:
        return ("true",)
    tree = nodes[-1]
    for node in reversed(nodes[:-1]):
        tree = ("&", node, tree)
    return tree


def parse_leaf(item: Any) -> tuple:
    if not isinstance(item, (list, tuple)) or len(item) != 3:
        raise ValueError(f"Invalid leaf {item!r}")
    path, operator, value = item
    if tuple(item) == TRUE_LEAF:
        return ("true",)
    if tuple(item) == FALSE_LEAF:
        return ("false",)
    if not isinstance(path, str) or not isinstance(operator, str):
        raise ValueError(f"Invalid leaf {item!r}")
    operator = operator.lower()
    if operator == "<>":
        operator = "!="
    if operator not in TERM_OPERATORS:
        raise ValueError(f"Invalid leaf {item!r}: unknown operator {operator!r}")
    return ("leaf", path, operator, value)


def mentions_field(tree: tuple, name: str) -> bool:
    """Return True when a leaf of the tree starts with field ``name`` (used for the active test)."""
    kind = tree[0]
    if kind == "leaf":
        return tree[1].split(".")[0] == name
    if kind in ("&", "|"):
        return mentions_field(tree[1], name) or mentions_field(tree[2], name)
    if kind == "!":
        return mentions_field(tree[1], name)
    return False


@dataclass
class Compiler:
    """Compile domain trees into SQL with parameters; one instance per query."""

    registry: dict[str, ModelDef]
    params: list = dataclass_field(default_factory=list)
    alias_count: int = 0

    def new_alias(self) -> str:
        self.alias_count += 1
        return f"t{self.alias_count}"

    def select_ids(self, model: ModelDef, domain: Any, active_test: bool) -> str:
        """Return ``SELECT id FROM <model> WHERE <domain>`` as SQL; parameters go to self.params."""
        alias = self.new_alias()
        where = self.where(model, parse_domain(domain), alias, active_test)
        return f'SELECT "{alias}".id FROM "{model.table}" "{alias}" WHERE {where}'

    def where(self, model: ModelDef, tree: tuple, alias: str, active_test: bool) -> str:
        sql = self.node(model, tree, alias)
        if active_test and model.has_active and not mentions_field(tree, "active"):
            sql = f'({sql}) AND "{alias}"."active" = 1'
        return sql

    def node(self, model: ModelDef, tree: tuple, alias: str) -> str:
        kind = tree[0]
        if kind == "true":
            return TRUE_SQL
        if kind == "false":
            return FALSE_SQL
        if kind == "&":
            return f"({self.node(model, tree[1], alias)} AND {self.node(model, tree[2], alias)})"
        if kind == "|":
            return f"({self.node(model, tree[1], alias)} OR {self.node(model, tree[2], alias)})"
        if kind == "!":
            return f"(NOT COALESCE({self.node(model, tree[1], alias)}, 0))"
        return self.leaf(model, alias, tree[1], tree[2], tree[3])

    # -- leaves -------------------------------------------------------------------------

    def leaf(self, model: ModelDef, alias: str, path: str, operator: str, value: Any) -> str:
        name, _, rest = path.partition(".")
        if name == "display_name":
            name = model.rec_name
        fdef = model.field(name)
        if not fdef.store and not fdef.is_x2many:
            raise ValueError(f"Non-stored field {model.name}.{name} cannot be searched.")
        column = f'"{alias}"."{name}"'

        if rest:
            return self.path_leaf(model, alias, fdef, rest, operator, value)
        if operator in ("any", "not any"):
            return self.any_leaf(model, alias, fdef, operator, value)
        if operator == "=?":
            if value is None or value is False:
                return TRUE_SQL
            operator = "="
        if operator in ("child_of", "parent_of"):
            return self.hierarchy_leaf(model, alias, fdef, operator, value)
        if fdef.is_x2many:
            return self.x2many_leaf(model, alias, fdef, operator, value)
        if fdef.type == "many2one" and self.is_name_value(value):
            return self.name_leaf(fdef, column, operator, value)
        return self.column_leaf(fdef, column, operator, value)

    @staticmethod
    def is_name_value(value: Any) -> bool:
        if isinstance(value, str):
            return True
        return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, str) for v in value)

    def path_leaf(self, model, alias, fdef, rest, operator, value) -> str:
        if fdef.type == "many2one":
            # A many2one path searches the comodel without the active test (expression.py).
            sub = self.select_ids(self.registry[fdef.relation], [(rest, operator, value)], active_test=False)
            return f'"{alias}"."{fdef.name}" IN ({sub})'
        if fdef.is_x2many:
            sub = self.select_ids(self.registry[fdef.relation], [(rest, operator, value)], active_test=True)
            return f'"{alias}".id IN ({self.x2many_owners(model, fdef, sub)})'
        raise ValueError(f"Invalid path {fdef.name}.{rest} on model {model.name}: {fdef.name} is not relational")

    def any_leaf(self, model, alias, fdef, operator, value) -> str:
        if fdef.type not in ("many2one", "one2many", "many2many"):
            raise ValueError(f"Operator {operator!r} needs a relational field, not {model.name}.{fdef.name}")
        comodel = self.registry[fdef.relation]
        sub = self.select_ids(comodel, value, active_test=fdef.type != "many2one")
        if fdef.type == "many2one":
            inside = f'"{alias}"."{fdef.name}" IN ({sub})'
        else:
            inside = f'"{alias}".id IN ({self.x2many_owners(model, fdef, sub)})'
        return inside if operator == "any" else f"(NOT {inside})"

    def x2many_owners(self, model: ModelDef, fdef, comodel_ids_sql: str) -> str:
        """Return SQL selecting the ids of ``model`` linked through ``fdef`` to the given comodel ids."""
        if fdef.type == "one2many":
            comodel = self.registry[fdef.relation]
            return (f'SELECT "{fdef.inverse_name}" FROM "{comodel.table}" '
                    f'WHERE id IN ({comodel_ids_sql}) AND "{fdef.inverse_name}" IS NOT NULL')
        rel, own, target = model.relation_table(fdef)
        return f'SELECT "{own}" FROM "{rel}" WHERE "{target}" IN ({comodel_ids_sql})'

    def x2many_leaf(self, model, alias, fdef, operator, value) -> str:
        comodel = self.registry[fdef.relation]
        positive = NEGATIVE_OPERATORS.get(operator, operator)
        negate = operator in NEGATIVE_OPERATORS
        if value is False or value is None:
            # '=' False: no linked record at all; '!=' False: at least one.
            sub = self.select_ids(comodel, [], active_test=False)
            owners = f'"{alias}".id IN ({self.x2many_owners(model, fdef, sub)})'
            return owners if negate else f"(NOT {owners})"
        if self.is_name_value(value):
            sub = self.select_ids(comodel, [(comodel.rec_name, positive, value)], active_test=False)
        else:
            ids = value if isinstance(value, (list, tuple)) else [value]
            sub = self.select_ids(comodel, [("id", "in", list(ids))], active_test=False)
        owners = f'"{alias}".id IN ({self.x2many_owners(model, fdef, sub)})'
        return f"(NOT {owners})" if negate else owners

    def name_leaf(self, fdef, column, operator, value) -> str:
        comodel = self.registry[fdef.relation]
        positive = NEGATIVE_OPERATORS.get(operator, operator)
        sub = self.select_ids(comodel, [(comodel.rec_name, positive, value)], active_test=False)
        if operator in NEGATIVE_OPERATORS:
            return f"({column} IS NULL OR {column} NOT IN ({sub}))"
        return f"{column} IN ({sub})"

    def hierarchy_leaf(self, model, alias, fdef, operator, value) -> str:
        comodel = model if fdef.name == "id" else self.registry.get(fdef.relation or "")
        if comodel is None:
            raise ValueError(f"Operator {operator!r} needs a relational field, not {model.name}.{fdef.name}")
        if self.is_name_value(value):
            ids_sql = self.select_ids(comodel, [(comodel.rec_name, "ilike", value)], active_test=False)
        else:
            ids = value if isinstance(value, (list, tuple)) else [value]
            ids = [int(i) for i in ids if i]
            if not ids:
                return FALSE_SQL
            ids_sql = ", ".join("?" for _ in ids)
            self.params.extend(ids)
        parent = comodel.parent_name
        target = f'"{alias}"."{fdef.name}"' if fdef.name != "id" else f'"{alias}".id'
        if fdef.is_x2many:
            raise ValueError(f"Operator {operator!r} on x2many field {model.name}.{fdef.name} is not supported")
        if not parent:
            return f"{target} IN ({ids_sql})"
        table = comodel.table
        if operator == "child_of":
            tree = (f'WITH RECURSIVE tree(id) AS (SELECT id FROM "{table}" WHERE id IN ({ids_sql}) '
                    f'UNION SELECT c.id FROM "{table}" c JOIN tree ON c."{parent}" = tree.id) SELECT id FROM tree')
        else:
            tree = (f'WITH RECURSIVE tree(id) AS (SELECT id FROM "{table}" WHERE id IN ({ids_sql}) '
                    f'UNION SELECT c."{parent}" FROM "{table}" c JOIN tree ON c.id = tree.id '
                    f'WHERE c."{parent}" IS NOT NULL) SELECT id FROM tree')
        return f"{target} IN ({tree})"

    def column_leaf(self, fdef, column, operator, value) -> str:
        if fdef.type == "boolean":
            return self.boolean_leaf(column, operator, value)
        if operator in ("in", "not in"):
            return self.in_leaf(column, operator, value)
        if operator in ("like", "not like", "ilike", "not ilike", "=like", "=ilike"):
            return self.like_leaf(column, operator, value)
        if value is False or value is None:
            if operator == "=":
                return f"{column} IS NULL"
            if operator == "!=":
                return f"{column} IS NOT NULL"
            return FALSE_SQL
        self.params.append(self.sql_value(value))
        if operator == "!=":
            return f"({column} != ? OR {column} IS NULL)"
        return f"{column} {operator} ?"

    def boolean_leaf(self, column, operator, value) -> str:
        if operator in ("in", "not in"):
            values = value if isinstance(value, (list, tuple)) else [value]
            wanted = {bool(v) for v in values}
            if operator == "not in":
                wanted = {True, False} - wanted
            if wanted == {True, False}:
                return TRUE_SQL
            if not wanted:
                return FALSE_SQL
            value, operator = wanted.pop(), "="
        if operator not in ("=", "!="):
            raise ValueError(f"Operator {operator!r} is not supported on a boolean field")
        truthy = bool(value) if operator == "=" else not bool(value)
        return f"{column} = 1" if truthy else f"({column} IS NULL OR {column} = 0)"

    def in_leaf(self, column, operator, value) -> str:
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        has_null = any(v is False or v is None for v in values)
        values = [self.sql_value(v) for v in values if v is not False and v is not None]
        parts = []
        if values:
            self.params.extend(values)
            parts.append(f"{column} IN ({', '.join('?' for _ in values)})")
        if has_null:
            parts.append(f"{column} IS NULL")
        positive = f"({' OR '.join(parts)})" if parts else FALSE_SQL
        if operator == "in":
            return positive
        if not parts:
            return TRUE_SQL
        if has_null:
            return f"(NOT {positive})"
        return f"({column} IS NULL OR NOT {positive})"

    def like_leaf(self, column, operator, value) -> str:
        case_insensitive = 1 if "ilike" in operator else 0
        pattern = "" if value is False or value is None else str(value)
        if operator in ("like", "not like", "ilike", "not ilike"):
            pattern = f"%{pattern}%"
        self.params.extend([pattern, case_insensitive])
        match = f"sandbox_like({column}, ?, ?) = 1"
        if operator.startswith("not "):
            return f"({column} IS NULL OR NOT {match})"
        return match

    @staticmethod
    def sql_value(value: Any) -> Any:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, (list, tuple, dict)):
            raise ValueError(f"Invalid value {value!r} in a domain term")
        return value


def compile_order(model: ModelDef, order: str | None, alias: str) -> str:
    """Compile an ``order`` specification into ORDER BY SQL, sorting NULLs as PostgreSQL does."""
    spec = order or model.order
    terms = []
    for part in spec.split(","):
        words = part.strip().split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ValueError(f"Invalid 'order' specified: {spec!r}")
        name = words[0].strip('"')
        direction = words[1].upper() if len(words) == 2 else "ASC"
        fdef = model.fields.get(name)
        if fdef is None or not fdef.column:
            raise ValueError(f"Invalid 'order' specified: {spec!r} (field {name!r} cannot be sorted on {model.name})")
        # NOTE: Odoo sorts a many2one by the comodel's _order; the sandbox sorts by the stored id.
        expression = f'"{alias}"."{name}"'
        # PostgreSQL puts NULLs last in ascending order and first in descending order.
        terms.append(f"({expression} IS NULL) {direction}, {expression} {direction}")
    terms.append(f'"{alias}".id ASC')
    return ", ".join(terms)
