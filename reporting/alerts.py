"""Alerts raised for failed asset checks, kept in the staging database next to the batches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, Text, UniqueConstraint, insert, select

from staging.batches import now

# Its own MetaData, so creating the alerts table never touches the staging tables.
metadata = MetaData()

DEFAULT_OWNER = "finance"

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("asset", String(255), nullable=False),
    Column("check_name", String(128), nullable=False),
    Column("partition_key", String(64)),
    Column("severity", String(8), nullable=False),  # WARN or ERROR, as Dagster's AssetCheckSeverity
    Column("batch_id", String(80)),
    # Who acts on it: the owners in the check's exceptions_by_owner, comma-separated, else finance.
    Column("owner", String(128), nullable=False),
    Column("description", Text),
    # The Dagster run and asset check execution that failed. The sensor may read a failure
    # again, and this pair keeps it from being stored twice.
    Column("run_id", String(64), nullable=False),
    Column("check_execution_id", Integer, nullable=False),
    UniqueConstraint("run_id", "check_execution_id"),
)


@dataclass(frozen=True)
class Alert:
    """One failed asset check evaluation, as the alert sensor logs and stores it."""

    asset: str
    check_name: str
    partition_key: str | None
    severity: str
    batch_id: str | None
    owner: str
    description: str | None
    run_id: str
    check_execution_id: int

    def log_line(self) -> str:
        return (
            f"{self.severity} check {self.check_name} failed on {self.asset}"
            f" partition {self.partition_key or '(none)'} batch {self.batch_id or '(none)'}"
            f" owner {self.owner}: {self.description or 'no description'}"
        )


def create_alerts_table(engine: Engine) -> None:
    # NOTE: the alerts table is still created here, outside the staging migrations
    # (staging/migrations), so a change to it needs its own upgrade step.
    metadata.create_all(engine)


def record_alert(engine: Engine, alert: Alert, raised_at: datetime | None = None) -> bool:
    """Insert the alert unless its run and check execution are stored already; returns True when inserted."""
    with engine.begin() as connection:
        known = connection.execute(
            select(alerts.c.id).where(
                alerts.c.run_id == alert.run_id, alerts.c.check_execution_id == alert.check_execution_id
            )
        ).first()
        if known:
            return False
        connection.execute(insert(alerts).values(**asdict(alert), raised_at=raised_at or now()))
    return True


def stored_alerts(engine: Engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(alerts).order_by(alerts.c.id)).mappings()]
