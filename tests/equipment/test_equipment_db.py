"""Equipment source database on SQLite, PostgreSQL and MariaDB: demo contents and the reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, insert

from ingest.equipment_db import (
    DEMO_DATES,
    AmbiguousRate,
    EquipmentRate,
    create_demo_equipment_db,
    drop_equipment_tables,
    equipment_assignments,
    equipment_rates,
    load_assignments,
    load_rates,
    load_units,
    rate_in_force,
    read_db_usage,
)
from ingest.equipment_usage import USAGE_COLUMNS
from ingest.records import ExtractError


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def demo_db(request, tmp_path) -> Iterator:
    """An engine on a database holding the demo equipment tables; the tables are dropped after."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'equipment.sqlite'}"
    else:
        url = request.getfixturevalue(f"{request.param}_server_url")
    engine = create_engine(url)
    create_demo_equipment_db(engine)
    yield engine
    drop_equipment_tables(engine)
    engine.dispose()


def test_db_usage_and_control(demo_db):
    frame, control = read_db_usage(demo_db, date(2026, 11, 18))
    assert tuple(frame.columns) == USAGE_COLUMNS
    assert list(frame["unit_key"]) == ["EX-104", "LDR-220", "CRN-310", "EX-115"]
    assert list(frame["usage_hours"]) == [Decimal("9.00"), Decimal("8.90"), Decimal("8.80"), Decimal("6.00")]
    assert all(isinstance(hours, Decimal) for hours in frame["usage_hours"])
    assert control.record_count == len(frame)
    assert control.total_hours == sum(frame["usage_hours"])
    assert control.total_hours == Decimal("32.70")
    assert frame.iloc[0].source_record_id == "EX-104:2026-11-18"


def test_db_usage_every_demo_date_balances(demo_db):
    for business_date in DEMO_DATES:
        frame, control = read_db_usage(demo_db, business_date)
        assert control.record_count == len(frame)
        assert control.total_hours == sum(frame["usage_hours"], Decimal(0))


def test_db_usage_without_control_raises(demo_db):
    with pytest.raises(ExtractError, match="batch_control"):
        read_db_usage(demo_db, date(2026, 11, 20))


def test_demo_units_and_archived(demo_db):
    units = {unit.unit_id: unit for unit in load_units(demo_db)}
    assert set(units) == {"EX-104", "LDR-220", "CRN-310", "EX-099"}
    assert units["EX-104"].pin == "PIN0000042"
    assert units["CRN-310"].pin == "PIN0000105"
    assert units["EX-099"].active is False
    assert units["LDR-220"].active is True


def test_rate_changes_on_effective_date(demo_db):
    assert rate_in_force(demo_db, "LDR-3Y", date(2026, 11, 17)) == Decimal("72.5000")
    assert rate_in_force(demo_db, "LDR-3Y", date(2026, 11, 18)) == Decimal("78.2500")
    assert rate_in_force(demo_db, "EXC-21T", date(2026, 11, 18)) == Decimal("95.0000")
    assert rate_in_force(demo_db, "EXC-21T", date(2025, 12, 31)) is None
    assert rate_in_force(demo_db, "DOZ-D6", date(2026, 11, 18)) is None


def test_rate_from_loaded_rows(demo_db):
    rates = load_rates(demo_db)
    assert all(isinstance(rate.hourly_rate, Decimal) for rate in rates)
    assert rate_in_force(rates, "LDR-3Y", date(2026, 11, 17)) == Decimal("72.5000")
    assert rate_in_force(rates, "LDR-3Y", date(2026, 11, 18)) == Decimal("78.2500")


def test_overlapping_rates_raise(demo_db):
    with demo_db.begin() as connection:
        connection.execute(
            insert(equipment_rates),
            [dict(equipment_class="CRN-50T", effective_from=date(2026, 11, 17), hourly_rate=Decimal("190"))],
        )
    with pytest.raises(AmbiguousRate, match="CRN-50T"):
        rate_in_force(demo_db, "CRN-50T", date(2026, 11, 18))


def test_assignments_normalise_cost_codes(demo_db):
    assignments = load_assignments(demo_db, date(2026, 11, 18))
    ex104 = [(a.job, a.cost_code, a.share_hours) for a in assignments if a.unit_id == "EX-104"]
    assert ex104 == [("J-2301", "03 30 00", Decimal("6.00")), ("J-2417", "01 50 00", Decimal("3.00"))]
    assert {a.unit_id for a in load_assignments(demo_db, date(2026, 11, 19))} == {"EX-104", "LDR-220"}


def test_invalid_assignment_cost_code_raises(demo_db):
    with demo_db.begin() as connection:
        connection.execute(
            insert(equipment_assignments),
            [dict(unit_id="LDR-220", start_date=date(2026, 11, 19), end_date=date(2026, 11, 19),
                  job="J-2301", cost_code="concrete", share_percent=Decimal(0))],
        )
    with pytest.raises(ExtractError, match="concrete"):
        load_assignments(demo_db, date(2026, 11, 19))


def test_demo_db_refill_is_idempotent(demo_db):
    create_demo_equipment_db(demo_db)
    frame, control = read_db_usage(demo_db, date(2026, 11, 16))
    assert len(frame) == 3
    assert control.record_count == 3


def test_rate_in_force_open_ended():
    rates = [EquipmentRate("X", date(2026, 1, 1), None, Decimal("10"))]
    assert rate_in_force(rates, "X", date(2030, 1, 1)) == Decimal("10")
