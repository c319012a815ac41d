"""The month-end report of one period: job cost, WIP schedule and the tie-out to the ledger.

Glue between the extracts (project controls, Odoo) and the pure computations in
reporting.job_cost and reporting.wip. The findings here become the asset's checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ingest.job_forecasts import JobForecasts
from odoo_io.job_cost import NO_JOB, JobBillings, LedgerCosts
from reporting.job_cost import JobCostLine, job_cost_lines, job_totals
from reporting.wip import JobContract, WipLine, wip_schedule

ZERO = Decimal("0.00")
NO_JOB_LABEL = "(no job)"


@dataclass
class MonthEndReport:
    period: str
    job_cost: list[JobCostLine]
    wip: list[WipLine]
    tie_out: list[dict] = field(default_factory=list)  # report figures that differ from Odoo's own sums
    unreported_jobs: list[dict] = field(default_factory=list)  # cost or billings on jobs with no contract


def build_month_end_report(period: str, forecasts: JobForecasts, costs: LedgerCosts, billings: JobBillings) -> MonthEndReport:
    """Compute the period's job cost and WIP, and compare their totals with the ledger's."""
    lines = job_cost_lines(forecasts.budgets, costs.actuals)
    totals = job_totals(lines)
    contracts = [
        JobContract(
            job=terms.job, name=terms.name, original_contract=terms.original_contract,
            approved_change_orders=terms.approved_change_orders, pending_change_orders=terms.pending_change_orders,
            billings_to_date=billings.billings_to_date.get(terms.job, ZERO),
            retention_held=billings.retention_held.get(terms.job, ZERO),
            physical_percent_complete=terms.physical_percent_complete,
        )
        for terms in forecasts.contracts
    ]
    report = MonthEndReport(period, lines, wip_schedule(contracts, totals))

    # Job cost must hold every cent the ledger and the timesheets hold.
    figures = [
        ("actual cost for the period", sum((line.actual_period for line in lines), ZERO),
         costs.ledger_period + costs.timesheet_period),
        ("actual cost to date", sum((line.actual_to_date for line in lines), ZERO),
         costs.ledger_to_date + costs.timesheet_to_date),
        ("billings to date", sum(billings.billings_to_date.values(), ZERO), billings.ledger_billings),
        ("retention held", sum(billings.retention_held.values(), ZERO), billings.ledger_retention),
    ]
    report.tie_out = [
        {"figure": name, "report": str(reported), "odoo": str(ledger), "difference": str(reported - ledger)}
        for name, reported, ledger in figures if reported != ledger
    ]

    # Every job with cost or billings must be on the WIP schedule, or its money is missing there.
    on_schedule = {contract.job for contract in contracts}
    money_by_job: dict[str, list[Decimal]] = {}
    for job, job_total in totals.items():
        money_by_job.setdefault(job, [ZERO, ZERO])[0] += job_total["actual_to_date"]
    for job, amount in billings.billings_to_date.items():
        money_by_job.setdefault(job, [ZERO, ZERO])[1] += amount
    report.unreported_jobs = [
        {"job": job or NO_JOB_LABEL, "cost_to_date": str(cost), "billings_to_date": str(billed)}
        for job, (cost, billed) in sorted(money_by_job.items())
        if job not in on_schedule and (cost or billed)
    ]
    return report


def job_label(job: str) -> str:
    return NO_JOB_LABEL if job == NO_JOB else job
