"""Helpers of the accrual tests: the handed case inputs and the demo database on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from ingest.project_controls import create_demo_project_controls_db, metadata

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "inputs"
DATA_DIR = Path(__file__).parent / "data"


def case_file(name: str) -> Path:
    """Path of a handed case input, or skip when the shared folder is not beside this checkout."""
    path = CASES / name
    if not path.exists():
        pytest.skip(f"case input {path} is not beside this checkout")
    return path


def empty_database(url: str) -> str:
    """Drop the accrual tables at `url`, so a session-scoped server database starts clean."""
    engine = create_engine(url)
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """An empty database on SQLite, PostgreSQL and MariaDB in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'project_controls.sqlite'}"
        return
    url = request.getfixturevalue(f"{request.param}_server_url")
    yield empty_database(url)
    empty_database(url)


@pytest.fixture
def demo_url(database_url: str) -> str:
    """The demo project-controls database on each backend."""
    create_demo_project_controls_db(database_url)
    return database_url


@pytest.fixture
def sqlite_demo_url(tmp_path: Path) -> str:
    """The demo project-controls database in a SQLite file, for tests that need one backend."""
    url = f"sqlite:///{tmp_path / 'demo_project_controls.sqlite'}"
    create_demo_project_controls_db(url)
    return url
