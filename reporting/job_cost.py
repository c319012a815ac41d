"""The job-cost report: budget, actual, committed and forecast cost per job, cost code and cost type.

Pure computation on exact decimals; reading the inputs from Odoo and project controls is
the extracts' work. Inputs are already in cents, so sums stay exact and nothing here rounds.

Definitions, per job, cost code and cost type (L labor, M material, E equipment,
S subcontract, O other):

- estimated cost at completion (EAC) = actual cost to date + estimated cost to complete;
- variance = current budget - EAC, so a positive variance is under budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")
COST_TYPES = ("L", "M", "E", "S", "O")


@dataclass(frozen=True)
class CostCodeBudget:
    """Project controls' figures for one job, cost code and cost type."""

    job: str
    cost_code: str
    cost_type: str
    original_budget: Decimal = ZERO
    current_budget: Decimal = ZERO
    committed_cost: Decimal = ZERO  # open commitments: subcontracts and purchase orders not yet invoiced
    cost_to_complete: Decimal = ZERO  # the project manager's estimate of the cost still to come


@dataclass(frozen=True)
class ActualCost:
    """Cost the ledger holds for one job, cost code and cost type."""

    job: str
    cost_code: str
    cost_type: str
    period: Decimal = ZERO
    to_date: Decimal = ZERO


@dataclass(frozen=True)
class JobCostLine:
    job: str
    cost_code: str
    cost_type: str
    original_budget: Decimal
    current_budget: Decimal
    actual_period: Decimal
    actual_to_date: Decimal
    committed_cost: Decimal
    cost_to_complete: Decimal

    @property
    def estimated_cost_at_completion(self) -> Decimal:
        return self.actual_to_date + self.cost_to_complete

    @property
    def variance(self) -> Decimal:
        return self.current_budget - self.estimated_cost_at_completion


def job_cost_lines(budgets: Iterable[CostCodeBudget], actuals: Iterable[ActualCost]) -> list[JobCostLine]:
    """Join budgets and actuals on job, cost code and cost type, sorted by those three.

    A key found on one side only still gets a line: cost booked to a code with no budget is
    exactly what a project manager needs to see, and so is a budget with no cost yet.
    Raises ValueError for an unknown cost type or a key given twice on one side.
    """
    budget_by_key = _unique(budgets, "budget")
    actual_by_key = _unique(actuals, "actual cost")
    lines = []
    for key in sorted(budget_by_key.keys() | actual_by_key.keys()):
        budget = budget_by_key.get(key) or CostCodeBudget(*key)
        actual = actual_by_key.get(key) or ActualCost(*key)
        lines.append(JobCostLine(
            job=key[0], cost_code=key[1], cost_type=key[2],
            original_budget=budget.original_budget, current_budget=budget.current_budget,
            actual_period=actual.period, actual_to_date=actual.to_date,
            committed_cost=budget.committed_cost, cost_to_complete=budget.cost_to_complete,
        ))
    return lines


def _unique(items: Iterable, what: str) -> dict[tuple[str, str, str], object]:
    by_key: dict[tuple[str, str, str], object] = {}
    for item in items:
        key = (item.job, item.cost_code, item.cost_type)
        if item.cost_type not in COST_TYPES:
            raise ValueError(f"{what} for job {item.job} cost code {item.cost_code}: unknown cost type "
                             f"{item.cost_type!r}; expected one of {', '.join(COST_TYPES)}")
        if key in by_key:
            raise ValueError(f"{what} given twice for job {item.job}, cost code {item.cost_code}, cost type {item.cost_type}")
        by_key[key] = item
    return by_key


def job_totals(lines: Iterable[JobCostLine]) -> dict[str, dict[str, Decimal]]:
    """Sum the lines of each job: the figures the WIP schedule starts from."""
    totals: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        job = totals.setdefault(line.job, {"actual_to_date": ZERO, "actual_period": ZERO, "cost_to_complete": ZERO,
                                           "current_budget": ZERO, "committed_cost": ZERO})
        job["actual_to_date"] += line.actual_to_date
        job["actual_period"] += line.actual_period
        job["cost_to_complete"] += line.cost_to_complete
        job["current_budget"] += line.current_budget
        job["committed_cost"] += line.committed_cost
    return totals
