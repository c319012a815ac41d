"""Integration health: how far each domain has posted, and what waits for someone.

Pure data on the staging database: no Dagster and no Odoo. The asset in
assets/integration_health.py turns the report into a workbook, a chart and metadata.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from staging.batches import POSTING_LEASE, as_utc, list_batches, now, open_exceptions

DOMAINS = ("labor", "equipment", "accruals")
MONTHLY_DOMAINS = frozenset({"accruals"})
POSTED_STATUSES = frozenset({"posted", "reconciled"})

# Age of an open exception in whole days since it was recorded: (label, last day of the
# bucket). The buckets are contiguous from day 0 and the last one is open-ended.
AGE_BUCKETS = (("0-1", 1), ("2-7", 7), ("8-30", 30), (">30", None))


@dataclass(frozen=True)
class DomainHealth:
    """Posting progress and open work of one domain."""

    domain: str
    last_posted_partition: str | None
    # Days from the last posted business date to ``today``; for a monthly domain the
    # business date is the last day of the posted period. None when nothing has posted.
    lag_days: int | None
    open_exceptions: int
    exceptions_by_owner: dict[str, int]
    exceptions_by_age: dict[str, int]
    awaiting_approval: list[str]  # batch ids with status awaiting_approval
    held: list[str]  # batch ids with status held
    # Batch ids whose post failed (post_failed) or stopped in "posting" without a live lease.
    waiting_for_retry: list[str]


@dataclass(frozen=True)
class HealthReport:
    """Integration health of every domain on ``today``, with open exceptions per domain and owner."""

    today: date
    generated_at: datetime
    domains: list[DomainHealth]
    # (domain, owner) -> count per age bucket label, for the owners' table.
    exceptions_by_domain_owner: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    def domain(self, name: str) -> DomainHealth:
        for health in self.domains:
            if health.domain == name:
                return health
        raise KeyError(f"domain {name!r} is not in the report; domains are {', '.join(DOMAINS)}")


def integration_health(
    engine: Engine, today: date, *, zone: ZoneInfo | None = None, at: datetime | None = None
) -> HealthReport:
    """Compute the health report of every domain from the staging database.

    ``zone`` decides which calendar day an exception's ``recorded_at`` falls on (UTC when
    omitted), and ``at`` is the moment that decides whether a posting lease is still live
    (now when omitted).
    """
    at = at or now()
    zone = zone or ZoneInfo("UTC")
    all_batches = list_batches(engine)
    current = current_batches(all_batches)
    open_rows = current_open_exceptions(engine, current)

    domains = []
    by_domain_owner: dict[tuple[str, str], Counter] = {}
    for domain in DOMAINS:
        domain_batches = [batch for batch in all_batches if batch["domain"] == domain]
        rows = [row for row in open_rows if row["domain"] == domain]
        ages = [age_bucket((today - recorded_day(row["recorded_at"], zone)).days) for row in rows]
        for row, bucket in zip(rows, ages, strict=True):
            by_domain_owner.setdefault((domain, row["owner"]), Counter())[bucket] += 1

        last_posted = max(
            (batch["partition_key"] for batch in domain_batches if batch["status"] in POSTED_STATUSES), default=None
        )
        domains.append(
            DomainHealth(
                domain=domain,
                last_posted_partition=last_posted,
                lag_days=None if last_posted is None else (today - business_date(domain, last_posted)).days,
                open_exceptions=len(rows),
                exceptions_by_owner=dict(sorted(Counter(row["owner"] for row in rows).items())),
                exceptions_by_age={label: ages.count(label) for label, _ in AGE_BUCKETS},
                awaiting_approval=_batch_ids(domain_batches, "awaiting_approval"),
                held=_batch_ids(domain_batches, "held"),
                waiting_for_retry=[batch["batch_id"] for batch in domain_batches if waits_for_retry(batch, at)],
            )
        )

    table = {
        key: {label: counts[label] for label, _ in AGE_BUCKETS} for key, counts in sorted(by_domain_owner.items())
    }
    return HealthReport(today=today, generated_at=at, domains=domains, exceptions_by_domain_owner=table)


def current_batches(all_batches: list[dict]) -> dict[str, dict]:
    """Map the batch id of each partition's most recently staged batch to its header."""
    latest: dict[tuple[str, str], dict] = {}
    for batch in all_batches:
        key = (batch["domain"], batch["partition_key"])
        if key not in latest or as_utc(batch["staged_at"]) >= as_utc(latest[key]["staged_at"]):
            latest[key] = batch
    return {batch["batch_id"]: batch for batch in latest.values()}


def current_open_exceptions(engine: Engine, current: dict[str, dict]) -> list[dict]:
    """Exceptions of each partition's current batch, unless that batch was reversed."""
    return [
        row
        for row in open_exceptions(engine)
        if row["batch_id"] in current and row["status"] != "reversed"
    ]


def exceptions_per_day(
    engine: Engine, today: date, days: int = 30, *, zone: ZoneInfo | None = None
) -> list[tuple[date, int]]:
    """Count the open exceptions recorded on each of the ``days`` days ending with ``today``.

    An exception counts on the day it was recorded, so the series shows when today's open
    work arrived. Exceptions that a re-staged batch replaced are not counted on any day.
    """
    zone = zone or ZoneInfo("UTC")
    rows = current_open_exceptions(engine, current_batches(list_batches(engine)))
    counts = Counter(recorded_day(row["recorded_at"], zone) for row in rows)
    first = today - timedelta(days=days - 1)
    return [(first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0)) for offset in range(days)]


def business_date(domain: str, partition_key: str) -> date:
    """Return the last business date a partition covers: the day itself, or the month's last day."""
    start = date.fromisoformat(partition_key)
    if domain in MONTHLY_DOMAINS:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def age_bucket(age_days: int) -> str:
    """Return the AGE_BUCKETS label of an age in days. An age below 0 (clock skew) counts as 0-1."""
    for label, last in AGE_BUCKETS:
        if last is None or age_days <= last:
            return label
    raise AssertionError("the last of AGE_BUCKETS is open-ended")


def waits_for_retry(batch: dict, at: datetime) -> bool:
    """Tell whether a batch failed to post, or stopped in "posting" with no run holding a live lease."""
    if batch["status"] == "post_failed":
        return True
    if batch["status"] != "posting":
        return False
    since = batch["posting_since"]
    return batch["posting_run_id"] is None or since is None or as_utc(since) < at - POSTING_LEASE


def recorded_day(moment: datetime, zone: ZoneInfo) -> date:
    return as_utc(moment).astimezone(zone).date()


def _batch_ids(domain_batches: list[dict], status: str) -> list[str]:
    return [batch["batch_id"] for batch in domain_batches if batch["status"] == status]
