"""Contracts, change orders and cost forecasts read from the project-controls database."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, insert

from ingest.job_forecasts import (
    change_orders,
    cost_forecasts,
    create_demo_job_forecasts,
    read_job_forecasts,
)

D = Decimal


@pytest.fixture
def source(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'project_controls.sqlite'}"
    create_demo_job_forecasts(url)
    return url


def execute(url: str, statement) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(statement)
    engine.dispose()


def test_demo_contracts_count_change_orders_by_period_end(source):
    forecasts = read_job_forecasts(source, "2026-11")

    by_job = {contract.job: contract for contract in forecasts.contracts}
    assert by_job["J-2301"].approved_change_orders == D("126500.00")
    assert by_job["J-2301"].pending_change_orders == D("48200.00")
    assert by_job["J-2302"].approved_change_orders == D("0.00")  # approved on 2026-12-03, after November
    assert by_job["J-2302"].pending_change_orders == D("37800.00")
    assert by_job["J-2417"].approved_change_orders == D("-22000.00")  # the rejected order does not count
    assert by_job["J-2417"].physical_percent_complete == D("48.50")
    assert forecasts.exceptions == []
    assert forecasts.rows_in == forecasts.rows_used == 21


def test_demo_cost_codes_are_canonical(source):
    forecasts = read_job_forecasts(source, "2026-11")

    assert {(budget.job, budget.cost_code, budget.cost_type) for budget in forecasts.budgets} >= {
        ("J-2301", "03 30 00", "S"), ("J-2301", "03 30 00", "L"), ("J-2302", "04 20 00", "S"), ("J-2417", "31 23 00", "E")}
    assert len(forecasts.budgets) == 10


def test_period_without_forecasts_reads_contracts_only(source):
    forecasts = read_job_forecasts(source, "2026-09")

    assert forecasts.budgets == []
    assert {contract.job for contract in forecasts.contracts} == {"J-2301", "J-2302", "J-2417"}
    assert next(c for c in forecasts.contracts if c.job == "J-2301").approved_change_orders == D("0.00")


FORECAST = {"period": "2026-11", "job": "J-2302", "original_budget": D("1.00"), "current_budget": D("1.00"),
            "committed_cost": D("0.00"), "cost_to_complete": D("0.00")}


@pytest.mark.parametrize(("statement", "table", "row", "column", "value", "message"), [
    (insert(cost_forecasts).values(**FORECAST, cost_code="07 50 00", cost_type="Q"),
     "cost_forecasts", 8, "cost_type", "Q", "cost type must be one of L, M, E, S, O"),
    (insert(cost_forecasts).values(**FORECAST, cost_code="7-5", cost_type="M"),
     "cost_forecasts", 8, "cost_code", "7-5", "J-2302 7-5 M"),
    (insert(cost_forecasts).values(**FORECAST, cost_code="03-30-00", cost_type="M"),
     "cost_forecasts", 6, "cost_code", "03-30-00", "already has a M forecast for cost code 03 30 00"),
    (insert(change_orders).values(change_order_id="CO-2302-02", job="J-2302", description="x", amount=D("5.00"),
                                  status="maybe", status_date=date(2026, 11, 2)),
     "change_orders", 4, "status", "maybe", "CO-2302-02: status must be one of approved, pending, rejected"),
])
# Rows are numbered by key: a job's forecasts sort by cost code as typed ("03 30 00" before
# "03-30-00" before "031100"), after J-2301's four rows.
def test_bad_forecast_rows_are_listed(source, statement, table, row, column, value, message):
    execute(source, statement)

    forecasts = read_job_forecasts(source, "2026-11")

    [problem] = forecasts.exceptions
    assert problem.source_file == f"project_controls:{table}"
    assert problem.source_row == row
    assert problem.column == column
    assert problem.value == value
    assert message in problem.message
    assert forecasts.rows_in == forecasts.rows_used + 1


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_forecasts_read_the_same_on_server_databases(backend, request, source):
    url = request.getfixturevalue(f"{backend}_server_url")
    create_demo_job_forecasts(url)

    assert read_job_forecasts(url, "2026-11") == read_job_forecasts(source, "2026-11")
