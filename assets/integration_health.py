"""Integration health: one morning summary of what posted, what lags and what waits for someone.
integration_health -> per domain (labor, equipment, accruals): the last partition posted to Odoo
                      and its lag, open exceptions by owner and age, batches waiting for
                      approval, held batches and posts waiting for a retry; written as a
                      workbook and a bar chart of open exceptions per day
"""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.owners import HEALTH_OWNERS
from checks.reporting import markdown_table
from pipelines.company import COMPANY_KEY_PREFIX
from pipelines.partitions import COMPANY_TIMEZONE
from reporting.chart import write_bar_chart_png
from reporting.health import HealthReport, exceptions_per_day, integration_health as compute_health
from reporting.workbook import write_health_workbook
from resources.staging import StagingDatabase

GROUP = "integration_health"
CHART_DAYS = 30
WORKBOOK_NAME = "integration_health.xlsx"
CHART_NAME = "open_exceptions_per_day.png"


class IntegrationHealthConfig(dg.Config):
    """Run settings of the health report: the output folder."""

    # Folder for the workbook and the chart, created when missing. Empty means "health" under the
    # staging resource's reports_dir (REPORTS_DIR), so scheduled runs write to the reports volume
    # rather than to the process's working directory.
    out_dir: str = ""


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=GROUP,
    owners=HEALTH_OWNERS,
    description=(
        "Morning health check of the field-to-Odoo integration: for labor, equipment and accruals, the last "
        "business date posted to Odoo and how many days it lags, the rows held for review by owner and age, "
        "accrual batches waiting for a controller's approval, held batches and posts waiting for a retry. "
        "Writes an Excel summary and a chart of open exceptions over the last 30 days."
    ),
    kinds={"sqlalchemy", "excel"},
)
def integration_health(
    context: dg.AssetExecutionContext, config: IntegrationHealthConfig, staging: StagingDatabase
) -> dg.MaterializeResult:
    zone = ZoneInfo(COMPANY_TIMEZONE)
    today = datetime.now(zone).date()
    report = compute_health(staging.engine, today, zone=zone)

    out_dir = Path(config.out_dir) if config.out_dir else Path(staging.reports_dir) / "health"
    workbook_path = write_health_workbook(report, out_dir / WORKBOOK_NAME)
    series = exceptions_per_day(staging.engine, today, CHART_DAYS, zone=zone)
    chart_path = write_bar_chart_png([count for _, count in series], out_dir / CHART_NAME)
    context.log.info(f"Integration health of {today}: workbook {workbook_path}, chart {chart_path}")

    return dg.MaterializeResult(metadata=health_metadata(report, workbook_path, chart_path))


def health_metadata(report: HealthReport, workbook_path: Path, chart_path: Path) -> dict:
    """Materialization metadata: per-domain figures, totals, a Markdown table and the file paths."""
    metadata: dict = {"as_of": report.today.isoformat()}
    rows = []
    for health in report.domains:
        prefix = health.domain
        metadata[f"{prefix}_last_posted_partition"] = health.last_posted_partition or "never"
        # -1 stands for "never posted", because Dagster metadata has no null integer.
        metadata[f"{prefix}_lag_days"] = -1 if health.lag_days is None else health.lag_days
        metadata[f"{prefix}_open_exceptions"] = health.open_exceptions
        metadata[f"{prefix}_awaiting_approval"] = len(health.awaiting_approval)
        metadata[f"{prefix}_held"] = len(health.held)
        metadata[f"{prefix}_waiting_for_retry"] = len(health.waiting_for_retry)

        rows.append(
            {
                "domain": health.domain,
                "last posted": health.last_posted_partition or "never",
                "lag (days)": "" if health.lag_days is None else health.lag_days,
                "open exceptions": health.open_exceptions,
                "by owner": ", ".join(f"{owner} {count}" for owner, count in health.exceptions_by_owner.items()),
                "awaiting approval": len(health.awaiting_approval),
                "held": len(health.held),
                "waiting for retry": len(health.waiting_for_retry),
            }
        )

    metadata["open_exceptions"] = sum(health.open_exceptions for health in report.domains)
    metadata["awaiting_approval"] = sum(len(health.awaiting_approval) for health in report.domains)
    metadata["held"] = sum(len(health.held) for health in report.domains)
    metadata["waiting_for_retry"] = sum(len(health.waiting_for_retry) for health in report.domains)

    metadata["health"] = dg.MetadataValue.md(markdown_table(rows, list(rows[0])))
    metadata["workbook_path"] = str(workbook_path)
    metadata["chart_path"] = str(chart_path)
    metadata["chart"] = dg.MetadataValue.path(str(chart_path))
    return metadata


integration_health_assets = [integration_health]
