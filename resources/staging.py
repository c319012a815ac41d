"""The staging database as a Dagster resource."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from staging.schema import upgrade_schema


class StagingDatabase(dg.ConfigurableResource):
    """Batches, staged lines, exceptions and the posting ledger, in any SQLAlchemy database."""

    url: str = Field(
        default="sqlite:///.demo/staging.sqlite",
        description="SQLAlchemy URL; a SQLite file by default, e.g. postgresql+psycopg2://user@host/db in production",
    )
    review_dir: str = Field(
        default=".demo/review", description="folder for the per-batch exceptions workbooks finance reviews"
    )
    reports_dir: str = Field(
        default=".demo/reports", description="folder for the month-end report workbooks and charts, one folder per period"
    )

    @cached_property
    def engine(self) -> Engine:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()
        else:
            engine = create_engine(url, pool_pre_ping=True)
        upgrade_schema(engine)
        return engine

    def display_url(self) -> str:
        """Return the URL with any password hidden, safe for logs and metadata."""
        return make_url(self.url).render_as_string(hide_password=True)
