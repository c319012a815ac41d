"""Alembic's entry point for the staging database; staging.schema hands it an open connection."""

from alembic import context

from staging.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run staging migrations through staging.schema.upgrade_schema or `python -m staging upgrade`")

context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
