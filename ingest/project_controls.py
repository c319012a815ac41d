"""The project-controls source database: accrual tables, their queries and the demo data.

Works through SQLAlchemy Core on SQLite, PostgreSQL and MariaDB. The pipeline only reads this
database; `create_demo_project_controls_db` is the one writer, for the demo and the tests.

`accruals.approved` is text, because project-controls systems load it from CSV exports as
'Y', 'N', 'true', 'false', '1' or '0'. A blank flag is stored as NULL and means "no approval
recorded", never "approved". A database that declares the column BOOLEAN works too: the driver
returns Python booleans and the reader maps them like the text values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)

MONEY = Numeric(14, 2, asdecimal=True)

metadata = MetaData()

accrual_batches = Table(
    "accrual_batches",
    metadata,
    Column("batch_ref", String(32), primary_key=True),  # "ACR-2026-11"
    Column("period", String(7), nullable=False, unique=True),  # "YYYY-MM", one export per period
    Column("control_count", Integer, nullable=False),
    Column("control_amount", MONEY, nullable=False),
    Column("exported_at", DateTime, nullable=False),
)

accruals = Table(
    "accruals",
    metadata,
    Column("accrual_id", String(32), primary_key=True),
    Column("period", String(7), nullable=False, index=True),
    Column("job", String(32), nullable=False),
    Column("cost_code", String(32), nullable=False),  # as entered: "033000", "03-30-00", "03 30 00"
    Column("cost_type", String(8), nullable=False),  # L, M, E, S or O
    Column("vendor", String(120), nullable=False),
    Column("description", String(255), nullable=False),
    Column("amount", MONEY, nullable=False),  # negative for a credit
    Column("approved", String(8), nullable=True),  # NULL: no approval recorded
)


@contextmanager
def connect(url: str) -> Iterator[Engine]:
    """Yield an engine for `url` and dispose of its connection pool afterwards."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def fetch_accrual_rows(engine: Engine, period: str) -> list[dict]:
    """Return the accrual rows of `period` as dicts, sorted by accrual_id in code-point order.

    The sort happens in Python, not in SQL, because PostgreSQL and MariaDB collations order
    punctuation and letter case differently, and row numbers must not depend on the backend.
    """
    query = select(accruals).where(accruals.c.period == period)
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    return sorted(rows, key=lambda row: str(row["accrual_id"]))


def fetch_accrual_batch(engine: Engine, period: str) -> dict | None:
    """Return the control row of `period` from accrual_batches, or None when there is none."""
    query = select(accrual_batches).where(accrual_batches.c.period == period)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return dict(row._mapping) if row is not None else None


# ---------------------------------------------------------------------------
# Demo data


@dataclass(frozen=True)
class DemoAccrual:
    accrual_id: str
    period: str
    job: str
    cost_code: str
    cost_type: str
    vendor: str
    description: str
    amount: Decimal
    approved: str | None


def _demo(accrual_id, period, job, cost_code, cost_type, vendor, description, amount, approved) -> DemoAccrual:
    return DemoAccrual(accrual_id, period, job, cost_code, cost_type, vendor, description, Decimal(amount), approved)


# Cost codes are written the way project-controls users type them; the jobs and cost codes exist
# in the Odoo sandbox's demo company. Approval flags use the text forms of a CSV load.
DEMO_ACCRUALS = [
    _demo("AC-2610-001", "2026-10", "J-2301", "033000", "S", "Ridgeline Concrete Pumping",
          "Pumping for level 3 deck pours, not yet invoiced", "18450.00", "Y"),
    _demo("AC-2610-002", "2026-10", "J-2301", "05-12-00", "S", "Ironclad Steel Erectors",
          "Steel erection progress to 40 %", "42300.00", "Y"),
    _demo("AC-2610-003", "2026-10", "J-2302", "03-30-00", "M", "Metro Rebar Supply",
          "Rebar received, invoice pending", "9875.40", "Y"),
    _demo("AC-2610-004", "2026-10", "J-2302", "04 20 00", "S", "Brookside Masonry",
          "CMU walls, east wing progress", "21600.00", "Y"),
    _demo("AC-2610-005", "2026-10", "J-2417", "312300", "E", "Summit Equipment Rentals",
          "Excavator rental, 2 weeks", "6240.00", "Y"),
    _demo("AC-2610-006", "2026-10", "J-2417", "03-41-00", "M", "Keystone Precast",
          "Precast double tees received", "35000.00", "Y"),
    _demo("AC-2611-001", "2026-11", "J-2301", "033000", "S", "Ridgeline Concrete Pumping",
          "Pumping for level 4 deck pours, not yet invoiced", "19200.00", "Y"),
    _demo("AC-2611-002", "2026-11", "J-2301", "05-12-00", "S", "Ironclad Steel Erectors",
          "Steel erection progress to 65 %", "38750.00", "true"),
    _demo("AC-2611-003", "2026-11", "J-2302", "03-30-00", "M", "Metro Rebar Supply",
          "Rebar received, invoice pending", "10412.75", "1"),
    _demo("AC-2611-004", "2026-11", "J-2302", "04 20 00", "S", "Brookside Masonry",
          "CMU walls, west wing progress", "23150.00", None),  # no approval recorded
    _demo("AC-2611-005", "2026-11", "J-2417", "312300", "E", "Summit Equipment Rentals",
          "Excavator and loader rental, 4 weeks", "14880.00", "Y"),  # +138.5 % on October
    _demo("AC-2611-006", "2026-11", "J-2417", "03-41-00", "M", "Keystone Precast",
          "Precast double tees received", "31500.00", "Y"),
    _demo("AC-2611-007", "2026-11", "J-2301", "033000", "S", "Ridgeline Concrete Pumping",
          "Credit for pump truck hours rejected on site", "-850.00", "Y"),
]

# (batch_ref, period, exported_at); count and amount are the sums of the period's rows.
DEMO_BATCHES = [
    ("ACR-2026-10", "2026-10", datetime(2026, 11, 2, 6, 0)),
    ("ACR-2026-11", "2026-11", datetime(2026, 12, 2, 6, 0)),
]


def demo_control_totals(period: str) -> tuple[int, Decimal]:
    """Return the row count and amount total of the demo accruals of `period`."""
    rows = [row for row in DEMO_ACCRUALS if row.period == period]
    return len(rows), sum((row.amount for row in rows), Decimal("0.00"))


def create_demo_project_controls_db(url: str) -> None:
    """Create the accrual tables at `url` and replace their contents with the demo data.

    Demo periods are 2026-10 and 2026-11, for jobs J-2301, J-2302 and J-2417. Running it twice
    leaves the same data.
    """
    with connect(url) as engine:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(delete(accruals))
            connection.execute(delete(accrual_batches))
            connection.execute(insert(accruals), [vars(row) for row in DEMO_ACCRUALS])
            batches = []
            for batch_ref, period, exported_at in DEMO_BATCHES:
                count, amount = demo_control_totals(period)
                batches.append({
                    "batch_ref": batch_ref,
                    "period": period,
                    "control_count": count,
                    "control_amount": amount,
                    "exported_at": exported_at,
                })
            connection.execute(insert(accrual_batches), batches)
