"""The month-end report asset: job cost and the WIP schedule, tied out to Odoo's ledger.

month_end_report -> reads contracts and forecasts from project controls, actual cost,
billings and retention from Odoo, and writes the period's rows of the report tables in
staging. It posts nothing, so any period can be refreshed from the UI at any time.
"""

import calendar
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg

from assets.owners import BATCH_OWNERS
from checks.journal import result
from checks.reporting import markdown_table
from checks.wip_rules import billings_far_above_earned, cost_above_estimate, percent_complete_out_of_range
from ingest.job_forecasts import read_job_forecasts
from odoo_io.job_cost import fetch_job_billings, fetch_job_costs
from pipelines.company import company_asset_key
from pipelines.partitions import monthly_partitions
from reporting.month_end import build_month_end_report, job_label
from reporting.report_charts import write_billing_chart, write_budget_chart
from reporting.report_workbook import write_report_workbook
from reporting.wip import wip_totals
from resources.odoo import OdooResource
from resources.project_controls import ProjectControlsSource
from resources.staging import StagingDatabase
from staging.reports import replace_period_reports

GROUP = "reporting"
REPORT_KEY = company_asset_key("month_end_report")
ACTUALS_TIE = "report_ties_to_ledger"
JOBS_REPORTED = "every_job_with_money_reported"
FORECASTS_VALID = "forecast_rows_valid"
PERCENT_RANGE = "percent_complete_in_range"
COST_WITHIN = "cost_within_estimate"
BILLINGS_NEAR = "billings_near_earned"
# NOTE: a firm-wide threshold; some firms set it per job or use a share of billings instead.
OVER_BILLING_WARN_PCT = Decimal("10")

CHECK_DESCRIPTIONS = (
    (ACTUALS_TIE, "Actual cost, billings and retention in the report equal what Odoo's ledger and timesheets sum to."),
    (JOBS_REPORTED, "Every job with cost or billings in Odoo has a contract in project controls and a WIP line."),
    (FORECASTS_VALID, "Every contract, change order and cost forecast row was read; bad rows are listed."),
    (PERCENT_RANGE, "Warns when a job's percent complete (cost-to-cost or physical) is outside 0-100 %."),
    (COST_WITHIN, "Warns when a job's cost to date is above its estimated total cost."),
    (BILLINGS_NEAR, f"Warns when a job is over-billed by more than {OVER_BILLING_WARN_PCT} % of its contract."),
)
WIP_TABLE_COLUMNS = ("job", "contract_value", "estimated_total_cost", "percent_complete", "earned_revenue",
                     "billings_to_date", "over_billing", "under_billing", "gross_profit_to_date")


class MonthEndReportConfig(dg.Config):
    """Run settings a controller may set in the launchpad."""

    company_id: int | None = None  # one Odoo company; every company the Odoo user sees when empty


def _check_specs() -> list[dg.AssetCheckSpec]:
    with warnings.catch_warnings():
        # NOTE: partitioned check specs are a preview feature in dagster 1.13 (see checks/labor.py).
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [
            # Reports post nothing, so no check blocks: a failing one marks the report as not to be relied on.
            dg.AssetCheckSpec(name, asset=REPORT_KEY, partitions_def=monthly_partitions, description=text)
            for name, text in CHECK_DESCRIPTIONS
        ]


@dg.asset(
    key=REPORT_KEY,
    group_name=GROUP,
    owners=BATCH_OWNERS,
    partitions_def=monthly_partitions,
    check_specs=_check_specs(),
    kinds={"odoo", "sqlalchemy"},
    description=(
        "Month-end job-cost report and WIP schedule: budget, actual, committed and forecast cost per job and "
        "cost code, and percentage-of-completion revenue, over- and under-billing per job, tied to Odoo's ledger."
    ),
)
def month_end_report(
    context: dg.AssetExecutionContext, config: MonthEndReportConfig, odoo: OdooResource,
    project_controls: ProjectControlsSource, staging: StagingDatabase,
) -> dg.MaterializeResult:
    period_start = date.fromisoformat(context.partition_key)
    period_end = period_start.replace(day=calendar.monthrange(period_start.year, period_start.month)[1])
    period = f"{period_start:%Y-%m}"

    # Step 1: contracts, change orders and forecasts from project controls.
    forecasts = read_job_forecasts(project_controls.url, period)

    # Step 2: actual cost, billings and retention from Odoo, with Odoo's own totals.
    client = odoo.preflight(context.log, "reporting")
    costs = fetch_job_costs(client, period_start=period_start, period_end=period_end, company_id=config.company_id)
    billings = fetch_job_billings(client, period_end=period_end, company_id=config.company_id)

    # Step 3: the report, and its rows in staging for BI tools.
    report = build_month_end_report(period, forecasts, costs, billings)
    replace_period_reports(staging.engine, period, report.job_cost, report.wip)
    context.log.info("Month-end report %s: %d job-cost lines, %d jobs on the WIP schedule",
                     period, len(report.job_cost), len(report.wip))

    # Step 4: checks, then the workbook and charts, which list the failed checks on their summary.
    check_results = _check_results(report, forecasts)
    notes = [f"{check.check_name} failed: {check.description}" for check in check_results if not check.passed]
    folder = Path(staging.reports_dir) / period
    workbook = write_report_workbook(folder / f"month-end-{period}.xlsx", period, report.wip, report.job_cost, notes)
    billing_chart = write_billing_chart(report.wip, folder / f"billing-{period}.png", period)
    budget_chart = write_budget_chart(report.job_cost, folder / f"budget-{period}.png", period)

    totals = wip_totals(report.wip)
    return dg.MaterializeResult(
        metadata={
            "workbook": dg.MetadataValue.path(str(workbook)),
            "billing_chart": dg.MetadataValue.path(str(billing_chart)),
            "budget_chart": dg.MetadataValue.path(str(budget_chart)),
            "period": period,
            "jobs": len(report.wip),
            "job_cost_lines": len(report.job_cost),
            "cost_to_date": str(totals["cost_to_date"]),
            "earned_revenue": str(totals["earned_revenue"]),
            "billings_to_date": str(totals["billings_to_date"]),
            "over_billing": str(totals["over_billing"]),
            "under_billing": str(totals["under_billing"]),
            "wip_schedule": dg.MetadataValue.md(markdown_table(
                [_wip_row(line) for line in report.wip], WIP_TABLE_COLUMNS)),
            "journal_items_read": costs.items_read,
        },
        check_results=check_results,
    )


def _wip_row(line) -> dict:
    row = {name: getattr(line, name) for name in WIP_TABLE_COLUMNS}
    row["job"] = job_label(line.job)
    row["percent_complete"] = f"{(line.percent_complete * 100).quantize(Decimal('0.1'))} %"
    return row


def _check_results(report, forecasts) -> list[dg.AssetCheckResult]:
    percent = percent_complete_out_of_range(report.wip)
    overrun = cost_above_estimate(report.wip)
    over_billed = billings_far_above_earned(report.wip, OVER_BILLING_WARN_PCT)
    forecast_problems = [
        {"table": item.source_file, "row": item.source_row, "column": item.column, "value": item.value,
         "message": item.message}
        for item in forecasts.exceptions
    ]
    return [
        result(REPORT_KEY, ACTUALS_TIE, not report.tie_out, f"{len(report.tie_out)} report totals differ from Odoo.",
               {"differences": dg.MetadataValue.md(markdown_table(report.tie_out, ("figure", "report", "odoo", "difference")))}
               if report.tie_out else {}),
        result(REPORT_KEY, JOBS_REPORTED, not report.unreported_jobs,
               f"{len(report.unreported_jobs)} jobs have money in Odoo but no contract in project controls.",
               {"jobs": dg.MetadataValue.md(markdown_table(report.unreported_jobs,
                                                           ("job", "cost_to_date", "billings_to_date")))}
               if report.unreported_jobs else {}),
        result(REPORT_KEY, FORECASTS_VALID, not forecast_problems,
               f"{len(forecast_problems)} project-controls rows were left out of the report.",
               {"rows_in": forecasts.rows_in, "rows_used": forecasts.rows_used,
                **({"rows": dg.MetadataValue.md(markdown_table(
                    forecast_problems, ("table", "row", "column", "value", "message")))} if forecast_problems else {})}),
        _warning(PERCENT_RANGE, percent, "jobs have a percent complete outside 0-100 %."),
        _warning(COST_WITHIN, overrun, "jobs have cost to date above their estimated total cost."),
        _warning(BILLINGS_NEAR, over_billed, f"jobs are over-billed by more than {OVER_BILLING_WARN_PCT} % of contract."),
    ]


def _warning(name: str, findings: list[dict], text: str) -> dg.AssetCheckResult:
    metadata = {"jobs": dg.MetadataValue.md(markdown_table(findings, list(findings[0])))} if findings else {}
    return result(REPORT_KEY, name, not findings, f"{len(findings)} {text}", metadata, warn=True)


reporting_assets = [month_end_report]
