"""Contracts, change orders and cost forecasts from the project-controls database.

These are the month-end report's inputs that the ledger does not hold: each job's contract,
its change orders, and per period the project manager's budget, commitments, estimate to
complete and physical percent complete. The tables live in the same database as the accruals
(see ingest/project_controls.py) and are read through SQLAlchemy Core on SQLite, PostgreSQL
and MariaDB.

A change order counts in the contract when it was approved on or before the period's last
day. One approved later, or still pending, is pending for that period. Rejected ones do not
count. Cost codes are normalised to the canonical "DD SS SS" form as accrual cost codes are.

Rows that fail a rule are returned as exceptions naming the table, the row (its 1-based
position in key order, as accrual rows are numbered), its key and the value. They are left
out of the figures: every row read is either used or listed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Column, Date, Engine, MetaData, Numeric, String, Table, delete, insert, select

from ingest.accruals import parse_amount
from ingest.mapping import CostCodeRules
from ingest.project_controls import connect
from ingest.records import OwnerRole, Reason, RowException
from ingest.values import InvalidValue, normalise_cost_code
from reporting.job_cost import COST_TYPES, CostCodeBudget

MONEY = Numeric(14, 2, asdecimal=True)
_COST_CODE_RULES = CostCodeRules()
CHANGE_ORDER_STATUSES = ("approved", "pending", "rejected")

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("job", String(32), primary_key=True),  # the analytic account code in Odoo, e.g. "J-2301"
    Column("name", String(120), nullable=False),
    Column("customer", String(120), nullable=False),
    Column("original_contract", MONEY, nullable=False),
)

change_orders = Table(
    "change_orders",
    metadata,
    Column("change_order_id", String(32), primary_key=True),
    Column("job", String(32), nullable=False, index=True),
    Column("description", String(255), nullable=False),
    Column("amount", MONEY, nullable=False),  # negative for a deduct
    Column("status", String(16), nullable=False),  # approved, pending or rejected
    Column("status_date", Date, nullable=False),
)

cost_forecasts = Table(
    "cost_forecasts",
    metadata,
    Column("period", String(7), primary_key=True),  # "YYYY-MM": the forecast as of that month's end
    Column("job", String(32), primary_key=True),
    Column("cost_code", String(32), primary_key=True),  # as entered: "033000", "03-30-00", "03 30 00"
    Column("cost_type", String(8), primary_key=True),
    Column("original_budget", MONEY, nullable=False),
    Column("current_budget", MONEY, nullable=False),
    Column("committed_cost", MONEY, nullable=False),
    Column("cost_to_complete", MONEY, nullable=False),
)

job_progress = Table(
    "job_progress",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("job", String(32), primary_key=True),
    Column("physical_percent_complete", Numeric(5, 2, asdecimal=True), nullable=True),
)


@dataclass(frozen=True)
class ContractTerms:
    """A job's contract as of a period's end."""

    job: str
    name: str
    customer: str
    original_contract: Decimal
    approved_change_orders: Decimal
    pending_change_orders: Decimal
    physical_percent_complete: Decimal | None


@dataclass
class JobForecasts:
    period: str
    contracts: list[ContractTerms] = field(default_factory=list)
    budgets: list[CostCodeBudget] = field(default_factory=list)
    exceptions: list[RowException] = field(default_factory=list)
    rows_in: int = 0
    rows_used: int = 0  # rows_in = rows_used + rows with an exception, always


def read_job_forecasts(url: str, period: str) -> JobForecasts:
    """Read the contracts, change orders, cost forecasts and progress of ``period`` ("YYYY-MM")."""
    year, month = (int(part) for part in period.split("-"))
    period_end = date(year, month, calendar.monthrange(year, month)[1])
    result = JobForecasts(period)
    with connect(url) as engine:
        job_rows, order_rows, forecast_rows, progress_rows = _fetch(engine, period)
    result.rows_in = len(job_rows) + len(order_rows) + len(forecast_rows) + len(progress_rows)

    progress = {row["job"]: Decimal(str(row["physical_percent_complete"]))
                for row in progress_rows if row["physical_percent_complete"] is not None}
    approved, pending = _change_orders_by_job(order_rows, period_end, result.exceptions)
    for position, row in enumerate(sorted(job_rows, key=lambda item: item["job"]), start=1):
        try:
            contract = parse_amount(row["original_contract"])
        except InvalidValue as error:
            result.exceptions.append(_exception("jobs", position, row["job"], "original_contract",
                                                row["original_contract"], error.reason, error.message))
            continue
        result.contracts.append(ContractTerms(
            job=row["job"], name=row["name"], customer=row["customer"], original_contract=contract,
            approved_change_orders=approved.get(row["job"], Decimal("0.00")),
            pending_change_orders=pending.get(row["job"], Decimal("0.00")),
            physical_percent_complete=progress.get(row["job"]),
        ))
    result.budgets = _budgets(forecast_rows, result.exceptions)
    result.rows_used = result.rows_in - len({(item.source_file, item.source_row) for item in result.exceptions})
    return result


def _fetch(engine: Engine, period: str) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    with engine.connect() as connection:
        def rows(query) -> list[dict]:
            return [dict(row._mapping) for row in connection.execute(query)]

        return (
            rows(select(jobs)),
            rows(select(change_orders)),
            rows(select(cost_forecasts).where(cost_forecasts.c.period == period)),
            rows(select(job_progress).where(job_progress.c.period == period)),
        )


def _change_orders_by_job(
    rows: list[dict], period_end: date, exceptions: list[RowException]
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    approved: dict[str, Decimal] = {}
    pending: dict[str, Decimal] = {}
    for position, row in enumerate(sorted(rows, key=lambda item: str(item["change_order_id"])), start=1):
        key = row["change_order_id"]
        status = str(row["status"] or "").strip().lower()
        if status not in CHANGE_ORDER_STATUSES:
            exceptions.append(_exception("change_orders", position, key, "status", row["status"], Reason.INVALID_FORMAT,
                                         f"status must be one of {', '.join(CHANGE_ORDER_STATUSES)}"))
            continue
        try:
            amount = parse_amount(row["amount"])
        except InvalidValue as error:
            exceptions.append(_exception("change_orders", position, key, "amount", row["amount"], error.reason,
                                         error.message))
            continue
        if status == "rejected":
            continue
        counts_now = status == "approved" and row["status_date"] <= period_end
        target = approved if counts_now else pending
        target[row["job"]] = target.get(row["job"], Decimal("0.00")) + amount
    return approved, pending


def _budgets(rows: list[dict], exceptions: list[RowException]) -> list[CostCodeBudget]:
    budgets: dict[tuple[str, str, str], CostCodeBudget] = {}
    ordered = sorted(rows, key=lambda item: (item["job"], str(item["cost_code"]), str(item["cost_type"])))
    for position, row in enumerate(ordered, start=1):
        key_text = f"{row['job']} {row['cost_code']} {row['cost_type']}"
        cost_type = str(row["cost_type"] or "").strip().upper()
        if cost_type not in COST_TYPES:
            exceptions.append(_exception("cost_forecasts", position, key_text, "cost_type", row["cost_type"],
                                         Reason.UNKNOWN_COST_TYPE, f"cost type must be one of {', '.join(COST_TYPES)}"))
            continue
        try:
            cost_code = normalise_cost_code(row["cost_code"], _COST_CODE_RULES)
        except InvalidValue as error:
            exceptions.append(_exception("cost_forecasts", position, key_text, "cost_code", row["cost_code"],
                                         error.reason, error.message))
            continue
        money = {}
        for name in ("original_budget", "current_budget", "committed_cost", "cost_to_complete"):
            try:
                money[name] = parse_amount(row[name])
            except InvalidValue as error:
                exceptions.append(_exception("cost_forecasts", position, key_text, name, row[name], error.reason,
                                             error.message))
                break
        if len(money) < 4:
            continue
        key = (row["job"], cost_code, cost_type)
        if key in budgets:
            exceptions.append(_exception(
                "cost_forecasts", position, key_text, "cost_code", row["cost_code"], Reason.DUPLICATE_IN_FILE,
                f"job {row['job']} already has a {cost_type} forecast for cost code {cost_code}",
            ))
            continue
        budgets[key] = CostCodeBudget(job=row["job"], cost_code=cost_code, cost_type=cost_type, **money)
    return list(budgets.values())


def _exception(table: str, position: int, key: str, column: str, value, reason: Reason, message: str) -> RowException:
    return RowException(f"project_controls:{table}", position, column, "" if value is None else str(value), reason,
                        OwnerRole.FINANCE, f"{table} {key}: {message}")


# ---------------------------------------------------------------------------
# Demo data, for the jobs of the Odoo sandbox's demo company. J-2417 is forecast at a loss,
# CO-2302-01 was approved only after November closed, and cost codes are typed as users do.

# J-1990 is closed, so it is not on the WIP schedule and has no contract row here.
DEMO_JOBS = [
    ("J-2301", "Riverside Medical Office Building", "Riverside Health Partners", "1650000.00"),
    ("J-2302", "Cedar Hollow Elementary Addition", "Cedar Hollow School District", "640000.00"),
    ("J-2417", "Harbor Point Parking Structure", "Harbor Point Developments", "1620000.00"),
]
DEMO_CHANGE_ORDERS = [
    ("CO-2301-01", "J-2301", "MRI suite shielding", "126500.00", "approved", date(2026, 10, 14)),
    ("CO-2301-02", "J-2301", "Owner-requested entry canopy", "48200.00", "pending", date(2026, 11, 20)),
    ("CO-2302-01", "J-2302", "Rock excavation at footings", "37800.00", "approved", date(2026, 12, 3)),
    ("CO-2417-01", "J-2417", "Deck coating deduct", "-22000.00", "approved", date(2026, 9, 30)),
    ("CO-2417-02", "J-2417", "Added parking level", "210000.00", "rejected", date(2026, 11, 5)),
]
# (job, cost code as typed, cost type, original budget, current budget, committed, cost to complete)
DEMO_FORECASTS_2026_11 = [
    ("J-2301", "033000", "S", "410000.00", "425000.00", "96000.00", "118000.00"),
    ("J-2301", "03-30-00", "L", "260000.00", "262000.00", "0.00", "71500.00"),
    ("J-2301", "05 12 00", "S", "690000.00", "705000.00", "310000.00", "305000.00"),
    ("J-2301", "01 50 00", "O", "84000.00", "84000.00", "6000.00", "21000.00"),
    ("J-2302", "03 30 00", "M", "118000.00", "121500.00", "14200.00", "38000.00"),
    ("J-2302", "04-20-00", "S", "356000.00", "356000.00", "160000.00", "171000.00"),
    ("J-2302", "031100", "L", "92000.00", "95000.00", "0.00", "26400.00"),
    ("J-2417", "03 41 00", "M", "980000.00", "1040000.00", "220000.00", "410000.00"),
    ("J-2417", "312300", "E", "140000.00", "152000.00", "18000.00", "64000.00"),
    ("J-2417", "03 30 00", "L", "520000.00", "560000.00", "0.00", "305000.00"),
]
DEMO_PROGRESS_2026_11 = [("J-2301", "62.00"), ("J-2302", "55.00"), ("J-2417", "48.50")]


def create_demo_job_forecasts(url: str) -> None:
    """Create the forecast tables at ``url`` and replace their contents with the demo data for 2026-11."""
    with connect(url) as engine:
        metadata.create_all(engine)
        with engine.begin() as connection:
            for table in (job_progress, cost_forecasts, change_orders, jobs):
                connection.execute(delete(table))
            connection.execute(insert(jobs), [
                {"job": job, "name": name, "customer": customer, "original_contract": Decimal(amount)}
                for job, name, customer, amount in DEMO_JOBS
            ])
            connection.execute(insert(change_orders), [
                {"change_order_id": key, "job": job, "description": text, "amount": Decimal(amount), "status": status,
                 "status_date": day}
                for key, job, text, amount, status, day in DEMO_CHANGE_ORDERS
            ])
            connection.execute(insert(cost_forecasts), [
                {"period": "2026-11", "job": job, "cost_code": code, "cost_type": kind,
                 "original_budget": Decimal(original), "current_budget": Decimal(current),
                 "committed_cost": Decimal(committed), "cost_to_complete": Decimal(to_complete)}
                for job, code, kind, original, current, committed, to_complete in DEMO_FORECASTS_2026_11
            ])
            connection.execute(insert(job_progress), [
                {"period": "2026-11", "job": job, "physical_percent_complete": Decimal(percent)}
                for job, percent in DEMO_PROGRESS_2026_11
            ])
