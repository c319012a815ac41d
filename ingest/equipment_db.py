"""The equipment-management source database: tables, demo contents and the reads the pipeline makes.

SQLAlchemy Core, so one schema serves SQLite, PostgreSQL and MariaDB. The pipeline only
reads it. Hours are NUMERIC(8,2) and rates NUMERIC(12,4), so every value comes back as
Decimal. Dates are DATE columns, and `effective_to` and `end_date` are the last day in force
(inclusive); a NULL `effective_to` means open-ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    and_,
    create_engine,
    delete,
    insert,
    or_,
    select,
)

from ingest.equipment_usage import usage_frame
from ingest.mapping import CostCodeRules
from ingest.records import ControlRecord, ExtractError
from ingest.values import InvalidValue, normalise_cost_code

metadata = MetaData()

equipment_units = Table(
    "equipment_units",
    metadata,
    Column("unit_id", String(20), primary_key=True),  # fleet number painted on the machine, e.g. EX-104
    Column("pin", String(17), unique=True),  # product identification number the telematics feed sends
    Column("serial_no", String(40)),
    Column("equipment_class", String(20), nullable=False),  # rate class, e.g. EXC-21T
    Column("description", String(80), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),  # False once the unit is archived
)

equipment_rates = Table(
    "equipment_rates",
    metadata,
    Column("rate_id", Integer, primary_key=True, autoincrement=True),
    Column("equipment_class", String(20), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),  # last day in force; NULL while the rate is current
    Column("hourly_rate", Numeric(12, 4), nullable=False),
    UniqueConstraint("equipment_class", "effective_from"),
)

equipment_assignments = Table(
    "equipment_assignments",
    metadata,
    Column("assignment_id", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", String(20), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),  # same as start_date for a one-day assignment
    Column("job", String(20), nullable=False),
    Column("cost_code", String(20), nullable=False),  # canonical "03 30 00" or a raw code such as "033000"
    Column("share_hours", Numeric(8, 2)),  # either hours on this job that day ...
    Column("share_percent", Numeric(7, 4)),  # ... or a percentage of the day's usage
)

equipment_usage = Table(
    "equipment_usage",
    metadata,
    Column("usage_id", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", String(20), nullable=False),
    Column("work_date", Date, nullable=False),
    Column("hours", Numeric(8, 2), nullable=False),
)

batch_control = Table(
    "batch_control",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("record_count", Integer, nullable=False),
    Column("total_hours", Numeric(12, 2), nullable=False),
)

DB_USAGE_SOURCE = "equipment_usage"  # source_file of usage rows read from the database


@dataclass(frozen=True)
class EquipmentUnit:
    unit_id: str
    pin: str | None
    serial_no: str | None
    equipment_class: str
    active: bool


@dataclass(frozen=True)
class EquipmentRate:
    equipment_class: str
    effective_from: date
    effective_to: date | None  # inclusive; None while current
    hourly_rate: Decimal


@dataclass(frozen=True)
class Assignment:
    """Job and cost code a unit worked for over a date range, with its share of each day."""

    unit_id: str
    start_date: date
    end_date: date
    job: str
    cost_code: str  # canonical "DD SS SS" after load_assignments
    share_hours: Decimal | None
    share_percent: Decimal | None


class AmbiguousRate(ValueError):
    """More than one rate of a class is in force on one date."""


# ---------------------------------------------------------------------------
# Reads


def read_db_usage(url_or_engine: str | Engine, business_date: date) -> tuple[pd.DataFrame, ControlRecord]:
    """Read one day's usage rows as a canonical usage frame, and the day's control record.

    unit_key is the database's unit_id, source_row the usage_id, and meter_start and
    meter_end are None because the database stores hours, not meter readings. A day
    without a batch_control row raises ExtractError, because the rows cannot be balanced.
    """
    with _engine(url_or_engine) as engine, engine.connect() as connection:
        usage = connection.execute(
            select(equipment_usage)
            .where(equipment_usage.c.work_date == business_date)
            .order_by(equipment_usage.c.usage_id)
        ).all()
        control = connection.execute(
            select(batch_control).where(batch_control.c.business_date == business_date)
        ).first()

    if control is None:
        raise ExtractError(DB_USAGE_SOURCE, f"batch_control has no row for {business_date.isoformat()}")
    rows = [
        {
            "source_file": DB_USAGE_SOURCE,
            "source_row": row.usage_id,
            "source_record_id": f"{row.unit_id}:{row.work_date.isoformat()}",
            "unit_key": row.unit_id,
            "work_date": pd.Timestamp(row.work_date),
            "meter_start": None,
            "meter_end": None,
            "usage_hours": Decimal(row.hours).quantize(Decimal("0.01")),
            "read_start_at": pd.NaT,
            "read_end_at": pd.NaT,
        }
        for row in usage
    ]
    record = ControlRecord(
        record_count=int(control.record_count),
        total_hours=Decimal(control.total_hours).quantize(Decimal("0.01")),
        source=f"batch_control {business_date.isoformat()}",
    )
    return usage_frame(rows), record


def load_units(url_or_engine: str | Engine) -> list[EquipmentUnit]:
    """Load every unit, archived ones included, so pricing can tell archived from unknown."""
    with _engine(url_or_engine) as engine, engine.connect() as connection:
        rows = connection.execute(select(equipment_units).order_by(equipment_units.c.unit_id)).all()
    return [EquipmentUnit(r.unit_id, r.pin, r.serial_no, r.equipment_class, bool(r.active)) for r in rows]


def load_rates(url_or_engine: str | Engine) -> list[EquipmentRate]:
    with _engine(url_or_engine) as engine, engine.connect() as connection:
        rows = connection.execute(
            select(equipment_rates).order_by(equipment_rates.c.equipment_class, equipment_rates.c.effective_from)
        ).all()
    return [EquipmentRate(r.equipment_class, r.effective_from, r.effective_to, Decimal(r.hourly_rate)) for r in rows]


def load_assignments(url_or_engine: str | Engine, business_date: date) -> list[Assignment]:
    """Assignments in force on `business_date`, with cost codes in the canonical form.

    A raw cost code that cannot be normalised raises ExtractError naming the assignment,
    because it would post to the wrong phase.
    """
    table = equipment_assignments
    with _engine(url_or_engine) as engine, engine.connect() as connection:
        rows = connection.execute(
            select(table)
            .where(and_(table.c.start_date <= business_date, table.c.end_date >= business_date))
            .order_by(table.c.unit_id, table.c.assignment_id)
        ).all()

    assignments = []
    for row in rows:
        try:
            cost_code = normalise_cost_code(row.cost_code, CostCodeRules())
        except InvalidValue as error:
            raise ExtractError("equipment_assignments", f"assignment {row.assignment_id}: {error.message}") from None
        assignments.append(
            Assignment(
                unit_id=row.unit_id,
                start_date=row.start_date,
                end_date=row.end_date,
                job=row.job,
                cost_code=cost_code,
                share_hours=None if row.share_hours is None else Decimal(row.share_hours),
                share_percent=None if row.share_percent is None else Decimal(row.share_percent),
            )
        )
    return assignments


def rate_in_force(
    url_or_rows: str | Engine | Iterable[EquipmentRate], equipment_class: str, work_date: date
) -> Decimal | None:
    """Hourly rate of `equipment_class` in force on `work_date`, or None when none is.

    Takes a database URL or engine, or rates already loaded. Two rates in force on the same
    date raise AmbiguousRate, because picking one would be a guess.
    """
    if isinstance(url_or_rows, (str, Engine)):
        table = equipment_rates
        with _engine(url_or_rows) as engine, engine.connect() as connection:
            rows = connection.execute(
                select(table).where(
                    table.c.equipment_class == equipment_class,
                    table.c.effective_from <= work_date,
                    or_(table.c.effective_to.is_(None), table.c.effective_to >= work_date),
                )
            ).all()
        rates = [EquipmentRate(r.equipment_class, r.effective_from, r.effective_to, Decimal(r.hourly_rate)) for r in rows]
    else:
        rates = [
            rate
            for rate in url_or_rows
            if rate.equipment_class == equipment_class
            and rate.effective_from <= work_date
            and (rate.effective_to is None or rate.effective_to >= work_date)
        ]
    if len(rates) > 1:
        starts = ", ".join(sorted(rate.effective_from.isoformat() for rate in rates))
        raise AmbiguousRate(f"{len(rates)} rates of {equipment_class} are in force on {work_date.isoformat()} (from {starts})")
    return rates[0].hourly_rate if rates else None


class _engine:
    """Context manager that yields an engine and disposes it only if it was made from a URL."""

    def __init__(self, url_or_engine: str | Engine):
        self.owned = isinstance(url_or_engine, str)
        self.engine = create_engine(url_or_engine) if self.owned else url_or_engine

    def __enter__(self) -> Engine:
        return self.engine

    def __exit__(self, *exc_info) -> None:
        if self.owned:
            self.engine.dispose()


# ---------------------------------------------------------------------------
# Demo contents

DEMO_DATES = tuple(date(2026, 11, 16) + timedelta(days=offset) for offset in range(4))

# unit_id, pin, serial_no, equipment_class, description, active
DEMO_UNITS = (
    ("EX-104", "PIN0000042", "SN0042", "EXC-21T", "21 t hydraulic excavator", True),
    ("LDR-220", "PIN0000077", "SN0077", "LDR-3Y", "3 yd wheel loader", True),
    ("CRN-310", "PIN0000105", "SN0105", "CRN-50T", "50 t rough-terrain crane", True),
    ("EX-099", "PIN0000099", "SN0099", "EXC-21T", "21 t hydraulic excavator, archived", False),
)

# equipment_class, effective_from, effective_to, hourly_rate. LDR-3Y changes on 2026-11-18,
# so the rate in force on the work date, not on the posting date, decides the charge.
DEMO_RATES = (
    ("EXC-21T", date(2026, 1, 1), None, Decimal("95.0000")),
    ("LDR-3Y", date(2026, 1, 1), date(2026, 11, 17), Decimal("72.5000")),
    ("LDR-3Y", date(2026, 11, 18), None, Decimal("78.2500")),
    ("CRN-50T", date(2026, 1, 1), None, Decimal("185.0000")),
)

# Hours each unit worked per demo date. The demo fleet snapshots carry the same hours on the
# hour meters, so the database path and the telematics path give the same usage.
DEMO_DAILY_HOURS = {
    "EX-104": (Decimal("9.40"), Decimal("8.70"), Decimal("9.00"), Decimal("8.20")),
    "LDR-220": (Decimal("8.50"), Decimal("9.80"), Decimal("8.90"), Decimal("9.30")),
    "CRN-310": (Decimal("8.00"), Decimal("9.60"), Decimal("8.80"), Decimal("9.20")),
}

# Usage rows beyond DEMO_DAILY_HOURS: an archived unit and one the register does not contain.
DEMO_EXTRA_USAGE = (
    ("EX-099", date(2026, 11, 17), Decimal("4.00")),
    ("EX-115", date(2026, 11, 18), Decimal("6.00")),
)

# unit_id, start_date, end_date, job, cost_code, share_hours, share_percent
DEMO_ASSIGNMENTS = (
    # EX-104 splits each day over three jobs by hours; 2026-11-18 has a raw cost code.
    ("EX-104", date(2026, 11, 16), date(2026, 11, 17), "J-2301", "03 30 00", Decimal("3.00"), None),
    ("EX-104", date(2026, 11, 16), date(2026, 11, 17), "J-2302", "31 23 00", Decimal("3.00"), None),
    ("EX-104", date(2026, 11, 16), date(2026, 11, 17), "J-2417", "03 11 00", Decimal("3.00"), None),
    ("EX-104", date(2026, 11, 18), date(2026, 11, 19), "J-2301", "03-30-00", Decimal("6.00"), None),
    ("EX-104", date(2026, 11, 18), date(2026, 11, 19), "J-2417", "01 50 00", Decimal("3.00"), None),
    # LDR-220 sits on one job all week.
    ("LDR-220", date(2026, 11, 16), date(2026, 11, 19), "J-2302", "31 23 00", None, Decimal("100")),
    # CRN-310 splits 60/40 and has no assignment on 2026-11-19.
    ("CRN-310", date(2026, 11, 16), date(2026, 11, 18), "J-2417", "03 11 00", None, Decimal("60")),
    ("CRN-310", date(2026, 11, 16), date(2026, 11, 18), "J-2301", "01 50 00", None, Decimal("40")),
    ("EX-099", date(2026, 11, 17), date(2026, 11, 17), "J-2301", "31 23 00", Decimal("4.00"), None),
)


def demo_usage_rows() -> list[tuple[str, date, Decimal]]:
    """(unit_id, work_date, hours) of the demo usage table, in insertion order."""
    rows = [
        (unit_id, work_date, hours)
        for work_date_index, work_date in enumerate(DEMO_DATES)
        for unit_id, daily in DEMO_DAILY_HOURS.items()
        for hours in [daily[work_date_index]]
    ]
    rows.extend(DEMO_EXTRA_USAGE)
    return sorted(rows, key=lambda row: row[1])


def create_demo_equipment_db(url_or_engine: str | Engine) -> None:
    """Create the equipment tables and fill them with the demo contents, replacing earlier ones."""
    with _engine(url_or_engine) as engine:
        metadata.create_all(engine)
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(delete(table))
            connection.execute(
                insert(equipment_units),
                [
                    dict(unit_id=u, pin=p, serial_no=s, equipment_class=c, description=d, active=a)
                    for u, p, s, c, d, a in DEMO_UNITS
                ],
            )
            connection.execute(
                insert(equipment_rates),
                [dict(equipment_class=c, effective_from=f, effective_to=t, hourly_rate=r) for c, f, t, r in DEMO_RATES],
            )
            connection.execute(
                insert(equipment_assignments),
                [
                    dict(unit_id=u, start_date=s, end_date=e, job=j, cost_code=c, share_hours=h, share_percent=p)
                    for u, s, e, j, c, h, p in DEMO_ASSIGNMENTS
                ],
            )
            usage = demo_usage_rows()
            connection.execute(insert(equipment_usage), [dict(unit_id=u, work_date=d, hours=h) for u, d, h in usage])
            connection.execute(insert(batch_control), _control_rows(usage))


def _control_rows(usage: Sequence[tuple[str, date, Decimal]]) -> list[dict]:
    controls = []
    for business_date in DEMO_DATES:
        hours = [row[2] for row in usage if row[1] == business_date]
        controls.append(dict(business_date=business_date, record_count=len(hours), total_hours=sum(hours, Decimal(0))))
    return controls


def drop_equipment_tables(url_or_engine: str | Engine) -> None:
    """Drop the equipment tables, e.g. after a test on a shared database."""
    with _engine(url_or_engine) as engine:
        metadata.drop_all(engine)
