"""PNG charts of the month-end report: over- and under-billing by job, and budget against forecast cost."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers or in CI

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from reporting.job_cost import JobCostLine, job_totals  # noqa: E402
from reporting.month_end import job_label  # noqa: E402
from reporting.wip import WipLine  # noqa: E402

OVER = "#c0504d"
UNDER = "#4f81bd"


def write_billing_chart(lines: Sequence[WipLine], path: Path, period: str) -> Path:
    """Bar chart per job: over-billing above zero, under-billing below it."""
    jobs = [job_label(line.job) for line in lines]
    over = [float(line.over_billing) for line in lines]
    under = [-float(line.under_billing) for line in lines]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    axes.bar(jobs, over, color=OVER, label="Over-billed (billings in excess of earned revenue)")
    axes.bar(jobs, under, color=UNDER, label="Under-billed (earned revenue not yet billed)")
    axes.axhline(0, color="#404040", linewidth=0.8)
    axes.set_title(f"Over- and under-billing by job, {period}")
    axes.set_ylabel("Amount")
    axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes.legend(loc="best", fontsize=8)
    return _save(figure, path)


def write_budget_chart(lines: Sequence[JobCostLine], path: Path, period: str) -> Path:
    """Grouped bars per job: current budget, estimated cost at completion and actual cost to date."""
    totals = job_totals(lines)
    jobs = sorted(totals)
    budget = [float(totals[job]["current_budget"]) for job in jobs]
    forecast = [float(totals[job]["actual_to_date"] + totals[job]["cost_to_complete"]) for job in jobs]
    actual = [float(totals[job]["actual_to_date"]) for job in jobs]
    positions = range(len(jobs))
    width = 0.27
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    axes.bar([p - width for p in positions], budget, width, label="Current budget", color="#9bbb59")
    axes.bar(list(positions), forecast, width, label="Estimated cost at completion", color="#f79646")
    axes.bar([p + width for p in positions], actual, width, label="Actual cost to date", color="#4f81bd")
    axes.set_xticks(list(positions), [job_label(job) for job in jobs])
    axes.set_title(f"Budget against forecast cost by job, {period}")
    axes.set_ylabel("Amount")
    axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes.legend(loc="best", fontsize=8)
    return _save(figure, path)


def _save(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
    return path
