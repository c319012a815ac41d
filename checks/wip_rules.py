"""Reasonableness rules on the WIP schedule: each returns the jobs a controller should look at.

These are warnings. A WIP line can be right and still trip one (a job that overran its
estimate does have cost above it), so the report is delivered and the jobs are listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from reporting.wip import WipLine

HUNDRED = Decimal(100)


def percent_complete_out_of_range(lines: Iterable[WipLine]) -> list[dict]:
    """Jobs whose cost-to-cost or physical percent complete lies outside 0-100 %."""
    findings = []
    for line in lines:
        cost_percent = line.percent_complete * HUNDRED
        physical = line.physical_percent_complete
        if not 0 <= cost_percent <= HUNDRED or (physical is not None and not 0 <= physical <= HUNDRED):
            findings.append({"job": line.job, "cost_to_cost_pct": _pct(cost_percent),
                             "physical_pct": _pct(physical) if physical is not None else ""})
    return findings


def cost_above_estimate(lines: Iterable[WipLine]) -> list[dict]:
    """Jobs whose cost to date exceeds the estimated total cost (a negative estimate to complete)."""
    return [
        {"job": line.job, "cost_to_date": str(line.cost_to_date), "estimated_total_cost": str(line.estimated_total_cost)}
        for line in lines if line.cost_to_date > line.estimated_total_cost
    ]


def billings_far_above_earned(lines: Iterable[WipLine], threshold_pct: Decimal) -> list[dict]:
    """Jobs over-billed by more than ``threshold_pct`` of their contract value."""
    findings = []
    for line in lines:
        if line.over_billing and line.over_billing * HUNDRED > line.contract_value * threshold_pct:
            share = line.over_billing * HUNDRED / line.contract_value if line.contract_value else HUNDRED
            findings.append({"job": line.job, "over_billing": str(line.over_billing),
                             "contract_value": str(line.contract_value), "over_billing_pct": _pct(share)})
    return findings


def _pct(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1")))
