"""Alerts raised for failed asset checks, kept in the staging database next to the batches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select

from staging.batches import now
from staging.tables import alerts

DEFAULT_OWNER = "finance"


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
