"""Create and upgrade the staging database's tables with Alembic migrations (staging/migrations).

Every process that opens the staging database (resources.staging.StagingDatabase) brings it
to the newest revision first, so installing a new release upgrades the schema on its first
run. `python -m staging upgrade` does the same by hand and prints both revisions.

A database from a release before migrations has the tables but no alembic_version table.
It is stamped with the first revision, which is the schema those releases created, and
upgraded from there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of the releases that used create_all
# Any constant will do: it only keeps two processes from upgrading the same database at once.
_ADVISORY_LOCK_KEY = 726_443_901


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer release than the one running."""


def upgrade_schema(engine: Engine) -> tuple[str | None, str]:
    """Bring the staging database to the newest revision in one transaction. Return (before, after)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        config = _config(connection)
        before = current_revision(connection)
        if before is None and inspect(connection).has_table("batches"):
            command.stamp(config, BASELINE)
            before = BASELINE
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        if before is not None and before not in known:
            raise SchemaTooNew(
                f"the staging database is at revision {before}, which this release does not know; "
                "a newer release upgraded it. Run that release, or restore the backup taken before the upgrade."
            )
        command.upgrade(config, "head")
        return before, current_revision(connection)


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(_config(None)).get_current_head()


def _config(connection: Connection | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config
