"""The month-end report tables in staging: written per period, read by BI tools and the workbook."""

from __future__ import annotations

from dataclasses import asdict, fields

from sqlalchemy import Engine, delete, insert, select

from reporting.job_cost import JobCostLine
from reporting.wip import WipLine
from staging.batches import now
from staging.tables import report_job_cost, report_wip


def replace_period_reports(engine: Engine, period: str, job_cost: list[JobCostLine], wip: list[WipLine]) -> None:
    """Replace the period's rows of both report tables in one transaction; other periods stay."""
    computed_at = now()
    job_cost_rows = [
        {**asdict(line), "period": period, "estimated_cost_at_completion": line.estimated_cost_at_completion,
         "variance": line.variance, "computed_at": computed_at}
        for line in job_cost
    ]
    wip_rows = [{**asdict(line), "period": period, "computed_at": computed_at} for line in wip]
    with engine.begin() as connection:
        connection.execute(delete(report_job_cost).where(report_job_cost.c.period == period))
        connection.execute(delete(report_wip).where(report_wip.c.period == period))
        if job_cost_rows:
            connection.execute(insert(report_job_cost), job_cost_rows)
        if wip_rows:
            connection.execute(insert(report_wip), wip_rows)


def period_wip(engine: Engine, period: str) -> list[WipLine]:
    """Read a period's WIP schedule back as computed, in job order."""
    names = [item.name for item in fields(WipLine)]
    with engine.connect() as connection:
        rows = connection.execute(select(report_wip).where(report_wip.c.period == period).order_by(report_wip.c.job))
        return [WipLine(**{name: row._mapping[name] for name in names}) for row in rows]


def period_job_cost(engine: Engine, period: str) -> list[JobCostLine]:
    names = [item.name for item in fields(JobCostLine)]
    with engine.connect() as connection:
        rows = connection.execute(
            select(report_job_cost).where(report_job_cost.c.period == period)
            .order_by(report_job_cost.c.job, report_job_cost.c.cost_code, report_job_cost.c.cost_type))
        return [JobCostLine(**{name: row._mapping[name] for name in names}) for row in rows]
