"""Parts the benchmarks share: the time budget, option parsers, a staging database and peak memory."""

from __future__ import annotations

import argparse
import resource
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from staging.tables import metadata as staging_metadata

POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"

DEFAULT_TIME_BUDGET_SECONDS = 150.0
MAX_TIME_BUDGET_SECONDS = 150.0  # keeps a run within about 3 minutes


class TimeBudgetExceeded(Exception):
    """The run's time budget ran out, so the measurement in progress is discarded."""


class BenchmarkError(Exception):
    """A timed step did not do what the benchmark expects, so its time is meaningless."""


@dataclass(frozen=True)
class Deadline:
    """A time.perf_counter() value after which no timed step may start or continue."""

    at: float

    def check(self, _chunk_no: int | None = None) -> None:
        """Raise TimeBudgetExceeded once the deadline has passed; also usable as post_timesheets' after_chunk."""
        if time.perf_counter() > self.at:
            raise TimeBudgetExceeded()


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low} to {high}")
        return value

    return parse


def time_budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}") from None
    if not 0 < value <= MAX_TIME_BUDGET_SECONDS:
        raise argparse.ArgumentTypeError(f"{value:g} is outside 0 to {MAX_TIME_BUDGET_SECONDS:g} seconds")
    return value


def name_list(allowed: Sequence[str], what: str) -> Callable[[str], list[str]]:
    """Parse a comma-separated subset of ``allowed``, e.g. "xmlrpc,json2"."""

    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in allowed]
        if not names or unknown:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}, expected a comma-separated subset of {','.join(allowed)}"
            )
        return names

    return parse


@contextmanager
def staging_engine(staging_url: str | None, prefix: str) -> Iterator[tuple[Engine, str]]:
    """Yield an engine on a staging database with the staging tables, and a description of it.

    Without ``staging_url`` it is a new PostgreSQL database named ``<prefix>_<hex>`` on
    127.0.0.1:5432, dropped afterwards.
    """
    if staging_url is not None:
        engine = create_engine(staging_url)
        try:
            staging_metadata.create_all(engine)
            yield engine, make_url(staging_url).render_as_string(hide_password=True)
        finally:
            engine.dispose()
        return

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(make_url(POSTGRES_ADMIN_URL).set(database=name))
        try:
            staging_metadata.create_all(engine)
            yield engine, f"postgresql on 127.0.0.1:5432, temporary database {name}"
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def peak_rss_mib() -> float:
    """Return this process's peak resident memory in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
