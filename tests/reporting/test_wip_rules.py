"""Warnings on the WIP schedule: out-of-range percent complete, cost above estimate, over-billing."""

from decimal import Decimal

from checks.wip_rules import billings_far_above_earned, cost_above_estimate, percent_complete_out_of_range
from reporting.wip import JobContract, wip_line

D = Decimal


def line(job="J-2301", contract="100000.00", cost="40000.00", to_complete="40000.00", billed="0.00", physical=None):
    return wip_line(JobContract(job, job, D(contract), billings_to_date=D(billed), physical_percent_complete=physical),
                    D(cost), D(to_complete))


def test_negative_cost_to_complete_is_listed():
    overrun = line(cost="90000.00", to_complete="-10000.00")

    assert percent_complete_out_of_range([overrun, line()]) == [
        {"job": "J-2301", "cost_to_cost_pct": "112.5", "physical_pct": ""}]
    assert cost_above_estimate([overrun, line()]) == [
        {"job": "J-2301", "cost_to_date": "90000.00", "estimated_total_cost": "80000.00"}]


def test_physical_percent_outside_range_is_listed():
    assert [item["job"] for item in percent_complete_out_of_range([line(physical=D("104"))])] == ["J-2301"]
    assert percent_complete_out_of_range([line(physical=D("100"))]) == []


def test_over_billing_above_threshold_is_listed():
    # Earned revenue is 50000.00; 61000.01 billed is 11000.01 over, just above 11 % of 100000.00.
    assert billings_far_above_earned([line(billed="61000.00")], D("11")) == []
    assert billings_far_above_earned([line(billed="61000.01")], D("11")) == [
        {"job": "J-2301", "over_billing": "11000.01", "contract_value": "100000.00", "over_billing_pct": "11.0"}]


def test_under_billed_job_is_never_listed():
    assert billings_far_above_earned([line(billed="0.00")], D("0")) == []
