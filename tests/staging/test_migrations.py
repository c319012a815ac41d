"""The staging schema is built and upgraded by its Alembic migrations, from empty and from the release before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text

from staging.schema import BASELINE, SchemaTooNew, _config, current_revision, head_revision, upgrade_schema
from staging.tables import alerts, batches, metadata
from tests.fixtures.databases import POSTGRES_ADMIN_URL, temporary_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path: Path):
    """An empty database on each backend."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'staging.sqlite'}")
        yield engine
        engine.dispose()
        return
    yield request.getfixturevalue("postgres_engine")


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def batch_row(status: str) -> dict:
    return {
        "batch_id": "accruals-2026-11-01-abc", "domain": "accruals", "partition_key": "2026-11-01",
        "source_file": "accruals.csv", "content_hash": "0" * 64, "mapping": "project_controls", "rows_in": 3,
        "rows_staged": 3, "rows_excepted": 0, "staged_hours": Decimal("0.00"), "file_hours": Decimal("0.00"),
        "counted_rows": 3, "status": status, "staged_at": "2026-12-01 06:00:00+00:00",
    }


def previous_release(engine) -> None:
    """Build the schema as the release before migrations left it: tables, no alembic_version."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), BASELINE)
        connection.execute(text("DROP TABLE alembic_version"))


def test_empty_database_gets_every_table(empty_engine):
    before, after = upgrade_schema(empty_engine)

    assert before is None
    assert after == head_revision()
    assert set(inspect(empty_engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    assert schema_differences(empty_engine) == []


def test_upgrade_twice_changes_nothing(empty_engine):
    upgrade_schema(empty_engine)

    assert upgrade_schema(empty_engine) == (head_revision(), head_revision())


@pytest.fixture
def postgres_engine():
    """An empty PostgreSQL database of its own, because the session's database contains other tests' tables."""
    with temporary_database(POSTGRES_ADMIN_URL, "PostgreSQL", '"', " WITH (FORCE)") as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_previous_release_is_upgraded_in_place(postgres_engine):
    engine = postgres_engine
    previous_release(engine)
    alerts.create(engine)  # the previous release's alert sensor created this table itself
    with engine.begin() as connection:
        connection.execute(insert(batches).values(**batch_row("staged")))
    status = next(column for column in inspect(engine).get_columns("batches") if column["name"] == "status")
    assert status["type"].length == 16

    before, after = upgrade_schema(engine)

    assert (before, after) == (BASELINE, head_revision())
    assert schema_differences(engine) == []
    with engine.begin() as connection:
        connection.execute(batches.update().values(status="awaiting_approval"))  # 17 characters
        stored = connection.execute(select(batches.c.batch_id, batches.c.status)).all()
    assert stored == [("accruals-2026-11-01-abc", "awaiting_approval")]


def test_database_from_newer_release_is_refused(empty_engine):
    upgrade_schema(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(SchemaTooNew) as refused:
        upgrade_schema(empty_engine)

    assert "9999" in str(refused.value)
    with empty_engine.connect() as connection:
        assert current_revision(connection) == "9999"


def test_upgrade_command_reports_revisions(tmp_path, monkeypatch, capsys):
    from staging.__main__ import main

    monkeypatch.setenv("STAGING_DATABASE_URL", f"sqlite:///{tmp_path / 'staging.sqlite'}")

    assert main(["upgrade"]) == 0
    assert f"from revision (empty) to {head_revision()}" in capsys.readouterr().out
    assert main(["upgrade"]) == 0
    assert "nothing to do" in capsys.readouterr().out


@pytest.mark.postgres
def test_upgrade_command_names_a_missing_database(monkeypatch, capsys):
    from staging.__main__ import main

    monkeypatch.setenv("STAGING_DATABASE_URL", POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/no_such_staging_db")

    assert main(["upgrade"]) == 1
    message = capsys.readouterr().err
    assert message.startswith("error: cannot open the staging database")
    assert "no_such_staging_db" in message
    assert "Traceback" not in message
