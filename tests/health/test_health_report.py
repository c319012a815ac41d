"""integration_health on SQLite: last posted partition, lag, open exceptions and waiting batches."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ingest.records import OwnerRole
from reporting.health import age_bucket, business_date, exceptions_per_day, integration_health
from staging.batches import acquire_posting_lease, now, set_batch_status
from tests.health.staged import backdate_exceptions, stage

TODAY = date(2026, 11, 20)


@pytest.fixture
def engine(sqlite_staging):
    return sqlite_staging.engine


def test_empty_database_reports_nothing_posted(engine):
    report = integration_health(engine, TODAY)

    assert [health.domain for health in report.domains] == ["labor", "equipment", "accruals"]
    for health in report.domains:
        assert health.last_posted_partition is None
        assert health.lag_days is None
        assert health.open_exceptions == 0
        assert health.exceptions_by_age == {"0-1": 0, "2-7": 0, "8-30": 0, ">30": 0}
    assert report.exceptions_by_domain_owner == {}


def test_last_posted_partition_and_lag(engine):
    stage(engine, "labor-16", "labor", "2026-11-16", "reconciled")
    stage(engine, "labor-17", "labor", "2026-11-17", "posted")
    stage(engine, "labor-18", "labor", "2026-11-18", "held")
    stage(engine, "equipment-15", "equipment", "2026-11-15", "reconciled")
    stage(engine, "accruals-10", "accruals", "2026-10-01", "reconciled")
    stage(engine, "accruals-11", "accruals", "2026-11-01", "awaiting_approval")

    report = integration_health(engine, TODAY)

    labor = report.domain("labor")
    assert labor.last_posted_partition == "2026-11-17"
    assert labor.lag_days == 3
    equipment = report.domain("equipment")
    assert equipment.last_posted_partition == "2026-11-15"
    assert equipment.lag_days == 5
    accruals = report.domain("accruals")
    assert accruals.last_posted_partition == "2026-10-01"
    # Lag of a monthly domain counts from the period's last day, 2026-10-31.
    assert accruals.lag_days == 20


def test_month_end_business_date():
    assert business_date("accruals", "2026-02-01") == date(2026, 2, 28)
    assert business_date("accruals", "2028-02-01") == date(2028, 2, 29)
    assert business_date("accruals", "2026-12-01") == date(2026, 12, 31)
    assert business_date("labor", "2026-11-16") == date(2026, 11, 16)


def test_waiting_batches_by_status(engine):
    stage(engine, "accruals-11", "accruals", "2026-11-01", "awaiting_approval")
    stage(engine, "labor-19", "labor", "2026-11-19", "held")
    stage(engine, "labor-18", "labor", "2026-11-18", "post_failed")
    stage(engine, "equipment-17", "equipment", "2026-11-17", "staged")

    report = integration_health(engine, TODAY)

    assert report.domain("accruals").awaiting_approval == ["accruals-11"]
    assert report.domain("labor").held == ["labor-19"]
    assert report.domain("labor").waiting_for_retry == ["labor-18"]
    assert report.domain("equipment").held == []
    assert report.domain("equipment").waiting_for_retry == []


def test_posting_without_live_lease_waits_for_retry(engine):
    stage(engine, "labor-16", "labor", "2026-11-16", "posting")  # no run holds a lease
    stage(engine, "labor-17", "labor", "2026-11-17", "posting")
    acquire_posting_lease(engine, "labor-17", "run-live")

    report = integration_health(engine, TODAY)
    assert report.domain("labor").waiting_for_retry == ["labor-16"]

    # 31 minutes later the lease of run-live has lapsed too.
    later = integration_health(engine, TODAY, at=now() + timedelta(minutes=31))
    assert later.domain("labor").waiting_for_retry == ["labor-16", "labor-17"]


def test_open_exceptions_by_owner_and_age(engine):
    stage(engine, "labor-16", "labor", "2026-11-16", "reconciled", (OwnerRole.MASTER_DATA, OwnerRole.FIELD))
    stage(engine, "labor-18", "labor", "2026-11-18", "reconciled", (OwnerRole.MASTER_DATA,))
    stage(engine, "labor-19", "labor", "2026-11-19", "held", (OwnerRole.FINANCE,))
    stage(engine, "equipment-10", "equipment", "2026-10-10", "reconciled", (OwnerRole.INTEGRATION,))
    backdate_exceptions(engine, "labor-16", datetime(2026, 11, 13, 12, tzinfo=UTC))  # 7 days
    backdate_exceptions(engine, "labor-18", datetime(2026, 11, 19, 12, tzinfo=UTC))  # 1 day
    backdate_exceptions(engine, "labor-19", datetime(2026, 11, 12, 12, tzinfo=UTC))  # 8 days
    backdate_exceptions(engine, "equipment-10", datetime(2026, 10, 11, 12, tzinfo=UTC))  # 40 days

    report = integration_health(engine, TODAY)

    labor = report.domain("labor")
    assert labor.open_exceptions == 4
    assert labor.exceptions_by_owner == {"field": 1, "finance": 1, "master_data": 2}
    assert labor.exceptions_by_age == {"0-1": 1, "2-7": 2, "8-30": 1, ">30": 0}
    assert report.domain("equipment").exceptions_by_age == {"0-1": 0, "2-7": 0, "8-30": 0, ">30": 1}
    assert report.exceptions_by_domain_owner[("labor", "master_data")] == {"0-1": 1, "2-7": 1, "8-30": 0, ">30": 0}
    assert report.exceptions_by_domain_owner[("equipment", "integration")] == {"0-1": 0, "2-7": 0, "8-30": 0, ">30": 1}


def test_reversed_batch_exceptions_not_open(engine):
    stage(engine, "equipment-16", "equipment", "2026-11-16", "reversed", (OwnerRole.FIELD,))

    report = integration_health(engine, TODAY)

    assert report.domain("equipment").open_exceptions == 0


def test_restaged_partition_counts_current_batch(engine):
    stage(engine, "labor-19-a", "labor", "2026-11-19", "held", (OwnerRole.FIELD, OwnerRole.FIELD))
    stage(engine, "labor-19-b", "labor", "2026-11-19", "reconciled", (OwnerRole.MASTER_DATA,))

    report = integration_health(engine, TODAY)

    labor = report.domain("labor")
    assert labor.open_exceptions == 1
    assert labor.exceptions_by_owner == {"master_data": 1}
    assert labor.held == []


def test_age_bucket_edges():
    cases = {-1: "0-1", 0: "0-1", 1: "0-1", 2: "2-7", 7: "2-7", 8: "8-30", 30: "8-30", 31: ">30", 400: ">30"}
    for age, label in cases.items():
        assert age_bucket(age) == label, age


def test_age_uses_company_day(engine):
    stage(engine, "labor-19", "labor", "2026-11-19", "held", (OwnerRole.FIELD,))
    # 03:00 UTC on the 20th is still the 19th in Chicago.
    backdate_exceptions(engine, "labor-19", datetime(2026, 11, 20, 3, tzinfo=UTC))

    chicago = integration_health(engine, date(2026, 11, 21), zone=ZoneInfo("America/Chicago"))
    utc = integration_health(engine, date(2026, 11, 21))

    assert chicago.domain("labor").exceptions_by_age["2-7"] == 1
    assert utc.domain("labor").exceptions_by_age["0-1"] == 1


def test_exceptions_per_day_series(engine):
    stage(engine, "labor-16", "labor", "2026-11-16", "reconciled", (OwnerRole.FIELD, OwnerRole.FIELD))
    stage(engine, "labor-18", "labor", "2026-11-18", "held", (OwnerRole.FINANCE,))
    stage(engine, "equipment-01", "equipment", "2026-10-01", "held", (OwnerRole.FIELD,))
    backdate_exceptions(engine, "labor-16", datetime(2026, 11, 16, 12, tzinfo=UTC))
    backdate_exceptions(engine, "labor-18", datetime(2026, 11, 20, 12, tzinfo=UTC))
    backdate_exceptions(engine, "equipment-01", datetime(2026, 10, 1, 12, tzinfo=UTC))  # before the window

    series = exceptions_per_day(engine, TODAY, 30)

    assert len(series) == 30
    assert series[0][0] == date(2026, 10, 22)
    assert series[-1] == (TODAY, 1)
    assert dict(series)[date(2026, 11, 16)] == 2
    assert sum(count for _, count in series) == 3
