"""SQLite storage: one table per model, one table per many2many field, and a metadata table."""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from .schema import ModelDef

SQL_TYPES = {
    "integer": "INTEGER",
    "float": "REAL",
    "monetary": "REAL",
    "boolean": "INTEGER",
    "many2one": "INTEGER",
}


@lru_cache(maxsize=512)
def like_pattern_regex(pattern: str, case_insensitive: bool) -> re.Pattern:
    """Compile a SQL LIKE pattern (``%``, ``_``, backslash escapes) into a regular expression."""
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        index += 1
    flags = re.DOTALL | (re.IGNORECASE if case_insensitive else 0)
    return re.compile("".join(parts), flags)


def sql_like(value, pattern, case_insensitive) -> int | None:
    """SQL function ``sandbox_like``: PostgreSQL LIKE/ILIKE semantics, NULL when value is NULL.

    SQLite's own LIKE ignores case for ASCII letters, so ``like`` would behave as ``ilike``.
    """
    if value is None or pattern is None:
        return None
    return int(bool(like_pattern_regex(str(pattern), bool(case_insensitive)).fullmatch(str(value))))


def connect(path: str) -> sqlite3.Connection:
    """Open the sandbox database in autocommit mode; callers open transactions explicitly."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.create_function("sandbox_like", 3, sql_like, deterministic=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def ensure_schema(conn: sqlite3.Connection, registry: dict[str, ModelDef]) -> None:
    """Create the metadata table and every model table, column and index that is missing."""
    conn.execute("CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS sandbox_credentials ("
        " user_id INTEGER NOT NULL, kind TEXT NOT NULL, salt TEXT NOT NULL, digest TEXT NOT NULL)"
    )
    for model in registry.values():
        conn.execute(f'CREATE TABLE IF NOT EXISTS "{model.table}" (id INTEGER PRIMARY KEY AUTOINCREMENT)')
        existing = {row["name"] for row in conn.execute(f'PRAGMA table_info("{model.table}")')}
        for fdef in model.fields.values():
            if fdef.column and fdef.name not in existing:
                sql_type = SQL_TYPES.get(fdef.type, "TEXT")
                conn.execute(f'ALTER TABLE "{model.table}" ADD COLUMN "{fdef.name}" {sql_type}')
            if fdef.type == "many2many":
                rel, own, target = model.relation_table(fdef)
                conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "{rel}" ("{own}" INTEGER NOT NULL, '
                    f'"{target}" INTEGER NOT NULL, PRIMARY KEY ("{own}", "{target}"))'
                )
        for constraint in model.unique:
            columns = ", ".join(f'"{c}"' for c in constraint.columns)
            conn.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{constraint.name}" ON "{model.table}" ({columns})')


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sandbox_meta WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO sandbox_meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
