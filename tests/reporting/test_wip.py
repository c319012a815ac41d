"""The WIP schedule: percentage of completion, loss jobs, over- and under-billing, rounding."""

from decimal import Decimal
from itertools import product

import pytest

from reporting.wip import JobContract, wip_line, wip_schedule, wip_totals

D = Decimal


def test_profitable_job_earns_by_cost_to_cost():
    contract = JobContract("J-2301", "Riverside Clinic", D("1000000.00"), approved_change_orders=D("50000.00"),
                           pending_change_orders=D("12000.00"), billings_to_date=D("520000.00"))

    line = wip_line(contract, cost_to_date=D("400000.00"), cost_to_complete=D("440000.00"))

    assert line.contract_value == D("1050000.00")
    assert line.estimated_total_cost == D("840000.00")
    assert line.estimated_gross_profit == D("210000.00")
    assert line.earned_revenue == D("500000.00")
    assert line.gross_profit_to_date == D("100000.00")
    assert line.loss_provision == D("0.00")
    assert (line.over_billing, line.under_billing) == (D("20000.00"), D("0.00"))
    assert line.backlog == D("550000.00")
    assert line.pending_change_orders == D("12000.00")


def test_loss_job_recognises_whole_expected_loss():
    contract = JobContract("J-2417", "Harbor Garage", D("300000.00"), billings_to_date=D("100000.00"))

    line = wip_line(contract, cost_to_date=D("150000.00"), cost_to_complete=D("200000.00"))

    assert line.estimated_gross_profit == D("-50000.00")
    assert line.earned_revenue == D("128571.43")  # 300000 x 150000 / 350000, rounded half up
    assert line.loss_provision == D("28571.43")
    assert line.gross_profit_to_date == D("-50000.00")
    assert (line.over_billing, line.under_billing) == (D("0.00"), D("28571.43"))
    assert line.backlog == D("171428.57")


def test_job_without_estimated_cost_earns_nothing():
    line = wip_line(JobContract("J-2420", "Not started", D("80000.00")), D("0.00"), D("0.00"))

    assert line.percent_complete == 0
    assert line.earned_revenue == D("0.00")
    assert line.backlog == D("80000.00")


def test_finished_loss_job_needs_no_provision():
    line = wip_line(JobContract("J-1990", "Closed out", D("100000.00"), billings_to_date=D("100000.00")),
                    cost_to_date=D("110000.00"), cost_to_complete=D("0.00"))

    assert line.percent_complete == 1
    assert line.loss_provision == D("0.00")
    assert line.gross_profit_to_date == D("-10000.00")


@pytest.mark.parametrize(("contract", "cost", "to_complete", "billed"), list(product(
    [D("0.00"), D("99999.99"), D("1234567.89")],
    [D("0.00"), D("0.01"), D("33333.33"), D("700000.00")],
    [D("0.00"), D("0.03"), D("66666.67"), D("900000.00")],
    [D("0.00"), D("50000.00"), D("2000000.00")],
)))
def test_figures_tie_to_the_cent(contract, cost, to_complete, billed):
    line = wip_line(JobContract("J", "job", contract, billings_to_date=billed), cost, to_complete)

    assert line.earned_revenue + line.over_billing - line.under_billing == billed
    assert min(line.over_billing, line.under_billing) == 0
    assert line.over_billing >= 0
    assert line.under_billing >= 0
    assert line.earned_revenue == line.earned_revenue.quantize(D("0.01"))
    assert line.backlog + line.earned_revenue == line.contract_value
    if line.estimated_gross_profit < 0:
        assert line.gross_profit_to_date == line.estimated_gross_profit or line.percent_complete == 0


def test_schedule_orders_jobs_and_totals_add_up():
    contracts = [JobContract("J-2417", "Harbor Garage", D("300000.00"), billings_to_date=D("100000.00")),
                 JobContract("J-2301", "Riverside Clinic", D("1000000.00"), billings_to_date=D("520000.00"))]
    costs = {"J-2301": {"actual_to_date": D("400000.00"), "cost_to_complete": D("440000.00")},
             "J-2417": {"actual_to_date": D("150000.00"), "cost_to_complete": D("200000.00")}}

    lines = wip_schedule(contracts, costs)
    totals = wip_totals(lines)

    assert [line.job for line in lines] == ["J-2301", "J-2417"]
    assert totals["earned_revenue"] == D("604761.91")  # 476190.48 + 128571.43
    assert totals["earned_revenue"] + totals["over_billing"] - totals["under_billing"] == totals["billings_to_date"]
    assert totals["gross_profit_to_date"] == sum(line.gross_profit_to_date for line in lines)
