"""The job-cost report: budgets joined to ledger cost by job, cost code and cost type."""

from decimal import Decimal

import pytest

from reporting.job_cost import ActualCost, CostCodeBudget, job_cost_lines, job_totals

D = Decimal


def test_lines_join_budget_and_actual():
    budgets = [CostCodeBudget("J-2301", "03 30 00", "S", D("90000.00"), D("95000.00"), D("12000.00"), D("30000.00"))]
    actuals = [ActualCost("J-2301", "03 30 00", "S", period=D("8000.00"), to_date=D("61000.00"))]

    [line] = job_cost_lines(budgets, actuals)

    assert (line.actual_period, line.actual_to_date, line.committed_cost) == (D("8000.00"), D("61000.00"), D("12000.00"))
    assert line.estimated_cost_at_completion == D("91000.00")
    assert line.variance == D("4000.00")


def test_unbudgeted_cost_and_unspent_budget_show():
    budgets = [CostCodeBudget("J-2301", "05 12 00", "S", current_budget=D("40000.00"), cost_to_complete=D("40000.00"))]
    actuals = [ActualCost("J-2301", "01 50 00", "L", to_date=D("1200.00"))]

    lines = job_cost_lines(budgets, actuals)

    assert [(line.cost_code, line.current_budget, line.actual_to_date) for line in lines] == [
        ("01 50 00", D("0.00"), D("1200.00")), ("05 12 00", D("40000.00"), D("0.00"))]
    assert lines[0].variance == D("-1200.00")


def test_unknown_cost_type_is_rejected():
    with pytest.raises(ValueError, match="unknown cost type 'X'"):
        job_cost_lines([CostCodeBudget("J-2301", "03 30 00", "X")], [])


def test_duplicate_budget_is_rejected():
    budget = CostCodeBudget("J-2301", "03 30 00", "M", current_budget=D("1.00"))

    with pytest.raises(ValueError, match="budget given twice for job J-2301, cost code 03 30 00, cost type M"):
        job_cost_lines([budget, budget], [])


def test_job_totals_sum_the_lines():
    lines = job_cost_lines(
        [CostCodeBudget("J-2301", "03 30 00", "M", current_budget=D("100.00"), cost_to_complete=D("40.00")),
         CostCodeBudget("J-2301", "03 30 00", "L", current_budget=D("50.00"), cost_to_complete=D("10.00"))],
        [ActualCost("J-2301", "03 30 00", "M", period=D("5.00"), to_date=D("70.00")),
         ActualCost("J-2417", "31 23 00", "E", to_date=D("9.99"))],
    )

    totals = job_totals(lines)

    assert totals["J-2301"]["actual_to_date"] == D("70.00")
    assert totals["J-2301"]["cost_to_complete"] == D("50.00")
    assert totals["J-2301"]["current_budget"] == D("150.00")
    assert totals["J-2417"]["actual_to_date"] == D("9.99")
