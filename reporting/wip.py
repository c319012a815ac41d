"""The work-in-progress (WIP) schedule: percentage-of-completion revenue per job.

Pure computation on exact decimals. Per job:

- contract value = original contract + approved change orders (pending ones are not revenue);
- estimated total cost = cost to date + estimated cost to complete;
- estimated gross profit = contract value - estimated total cost;
- percent complete (cost-to-cost) = cost to date / estimated total cost, 0 when there is no
  estimated cost; the physical percent from project controls is shown beside it, not used;
- earned revenue = contract value x percent complete;
- a loss job (estimated gross profit below zero) recognises the whole expected loss now. The
  loss provision is the part of that loss not yet in earned revenue - cost to date, so gross
  profit to date equals the expected loss;
- over-billing = billings - earned revenue when positive, under-billing = earned revenue -
  billings when positive; both are non-negative and at most one is not zero;
- backlog = contract value - earned revenue.

Rounding: one rule, applied once. Percent complete keeps full decimal precision. Earned
revenue and the loss provision are rounded to cents, half up. Every other figure is a sum or
difference of cent amounts and is exact. So, per job and in the totals,
earned revenue + over-billing - under-billing = billings to date, to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class JobContract:
    """A job's contract and billing figures, from project controls and the ledger."""

    job: str
    name: str
    original_contract: Decimal
    approved_change_orders: Decimal = ZERO
    pending_change_orders: Decimal = ZERO
    billings_to_date: Decimal = ZERO
    retention_held: Decimal = ZERO  # part of the billings the customer keeps until completion
    physical_percent_complete: Decimal | None = None  # 0-100 when project controls gives it


@dataclass(frozen=True)
class WipLine:
    job: str
    name: str
    contract_value: Decimal
    pending_change_orders: Decimal
    estimated_total_cost: Decimal
    estimated_gross_profit: Decimal
    cost_to_date: Decimal
    percent_complete: Decimal  # cost-to-cost, as a fraction 0-1 (more when cost overran the estimate)
    physical_percent_complete: Decimal | None
    earned_revenue: Decimal
    loss_provision: Decimal
    gross_profit_to_date: Decimal
    billings_to_date: Decimal
    retention_held: Decimal
    over_billing: Decimal
    under_billing: Decimal
    backlog: Decimal


def wip_line(contract: JobContract, cost_to_date: Decimal, cost_to_complete: Decimal) -> WipLine:
    """Compute one job's line of the WIP schedule."""
    contract_value = contract.original_contract + contract.approved_change_orders
    estimated_total_cost = cost_to_date + cost_to_complete
    estimated_gross_profit = contract_value - estimated_total_cost
    percent = cost_to_date / estimated_total_cost if estimated_total_cost else Decimal(0)

    earned_revenue = _cents(contract_value * percent)
    gross_profit_before_provision = earned_revenue - cost_to_date
    loss_provision = ZERO
    if estimated_gross_profit < 0 and gross_profit_before_provision > estimated_gross_profit:
        loss_provision = gross_profit_before_provision - estimated_gross_profit

    billed_over = contract.billings_to_date - earned_revenue
    return WipLine(
        job=contract.job,
        name=contract.name,
        contract_value=contract_value,
        pending_change_orders=contract.pending_change_orders,
        estimated_total_cost=estimated_total_cost,
        estimated_gross_profit=estimated_gross_profit,
        cost_to_date=cost_to_date,
        percent_complete=percent,
        physical_percent_complete=contract.physical_percent_complete,
        earned_revenue=earned_revenue,
        loss_provision=loss_provision,
        gross_profit_to_date=gross_profit_before_provision - loss_provision,
        billings_to_date=contract.billings_to_date,
        retention_held=contract.retention_held,
        over_billing=max(billed_over, ZERO),
        under_billing=max(-billed_over, ZERO),
        backlog=contract_value - earned_revenue,
    )


def wip_schedule(
    contracts: Iterable[JobContract], cost_by_job: dict[str, dict[str, Decimal]]
) -> list[WipLine]:
    """Compute the WIP schedule for every contract, in job order.

    ``cost_by_job`` maps a job to its ``actual_to_date`` and ``cost_to_complete`` (see
    reporting.job_cost.job_totals). A contract with no cost yet has a line of zeros.
    """
    lines = []
    for contract in sorted(contracts, key=lambda item: item.job):
        cost = cost_by_job.get(contract.job, {})
        lines.append(wip_line(contract, cost.get("actual_to_date", ZERO), cost.get("cost_to_complete", ZERO)))
    return lines


def wip_totals(lines: Iterable[WipLine]) -> dict[str, Decimal]:
    """Sum the money columns of the schedule; percentages do not add up and are left out."""
    names = ("contract_value", "pending_change_orders", "estimated_total_cost", "estimated_gross_profit",
             "cost_to_date", "earned_revenue", "loss_provision", "gross_profit_to_date", "billings_to_date",
             "retention_held", "over_billing", "under_billing", "backlog")
    totals = dict.fromkeys(names, ZERO)
    for line in lines:
        for name in names:
            totals[name] += getattr(line, name)
    return totals


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
