"""The summary `make demo` prints at the end: posted batches, held rows and the workbook path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from demo.settings import DemoSettings
from odoo_io.timesheets import EXTERNAL_ID_MODULE, TIMESHEET_MODEL, hours_total
from resources.odoo import OdooResource
from resources.staging import StagingDatabase
from staging.batches import current_batch, ledger_for_batch, open_exceptions
from staging.journal import entry_rows
from staging.tables import batches, posting_ledger
from staging.workbook import write_exceptions_workbook


def count_ledger_rows(settings: DemoSettings) -> int:
    """Lines the posting ledger records as created in Odoo, across all batches."""
    staging = StagingDatabase(url=settings.pipeline_environment()["STAGING_DATABASE_URL"])
    with staging.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(posting_ledger)).scalar_one()


def print_report(settings: DemoSettings, outcomes: dict[date, bool], workbook_path: Path) -> None:
    env = settings.pipeline_environment()
    staging = StagingDatabase(url=env["STAGING_DATABASE_URL"])
    with staging.engine.connect() as connection:
        rows = connection.execute(
            select(batches).where(batches.c.domain == "labor").order_by(batches.c.partition_key)
        ).mappings().all()
    current = {}
    for row in rows:
        current[row["partition_key"]] = row  # staged_at order inside a partition is insertion order

    print()
    print("Labor batches")
    print(f"{'date':<12}{'run':<8}{'status':<12}{'rows in':>8}{'staged':>8}{'held':>6}{'posted':>8}{'hours':>9}  note")
    for business_date, success in outcomes.items():
        batch = current.get(business_date.isoformat())
        if batch is None:
            print(f"{business_date!s:<12}{'failed':<8}{'not staged':<12}")
            continue
        note = batch["status_reason"] or ""
        posted = len(ledger_for_batch(staging.engine, batch["batch_id"]))
        print(
            f"{business_date!s:<12}{'ok' if success else 'failed':<8}{batch['status']:<12}{batch['rows_in']:>8}"
            f"{batch['rows_staged']:>8}{batch['rows_excepted']:>6}{posted:>8}{batch['staged_hours']!s:>9}  {note}"
        )

    held = open_exceptions(staging.engine, "labor")
    print()
    print(f"Rows held for review: {len(held)}")
    for item in held:
        print(
            f"  {item['partition_key']}  {item['source_file']} row {item['source_row']}  "
            f"{item['column_name']}={item['value']!r}  {item['reason']} ({item['owner']}): {item['message']}"
        )

    odoo = OdooResource(
        host=env["ODOO_HOST"], port=int(env["ODOO_PORT"]), protocol=env["ODOO_PROTOCOL"],
        database=env["ODOO_DATABASE"], login=env["ODOO_LOGIN"], password=env["ODOO_PASSWORD"],
    )
    client = odoo.get_client()
    posted = client.search_read(TIMESHEET_MODEL, [("ref", "=like", f"{EXTERNAL_ID_MODULE}.%")], ["unit_amount"])
    print()
    print(
        f"Odoo sandbox ({odoo.describe()}): {len(posted)} timesheet lines from this pipeline, "
        f"{hours_total(row['unit_amount'] for row in posted)} hours in all"
    )
    write_exceptions_workbook(staging.engine, workbook_path)
    print(f"Exceptions workbook (all domains): {workbook_path}")


def print_journal_report(settings: DemoSettings, domain: str, outcomes: dict[str, bool]) -> None:
    """Print each partition's journal batch: status, amounts and the Odoo entries it posted."""
    staging = StagingDatabase(url=settings.pipeline_environment()["STAGING_DATABASE_URL"])
    print()
    print(f"{domain.capitalize()} batches")
    print(f"{'partition':<12}{'run':<8}{'status':<19}{'rows in':>8}{'staged':>8}{'held':>6}{'amount':>13}  entries in Odoo")
    for partition_key, success in outcomes.items():
        batch = current_batch(staging.engine, domain, partition_key)
        if batch is None:
            print(f"{partition_key:<12}{'failed':<8}not staged")
            continue
        posted = [
            f"{row['odoo_name']} ({row['odoo_date']})" for row in entry_rows(staging.engine, batch["batch_id"]) if row["odoo_name"]
        ]
        note = ", ".join(posted) or (batch["status_reason"] or "")
        print(
            f"{partition_key:<12}{'ok' if success else 'failed':<8}{batch['status']:<19}{batch['rows_in']:>8}"
            f"{batch['rows_staged']:>8}{batch['rows_excepted']:>6}{batch['staged_amount']!s:>13}  {note}"
        )
    held = open_exceptions(staging.engine, domain)
    if held:
        print(f"Rows held for review: {len(held)}")
        for item in held:
            print(f"  {item['partition_key']}  {item['source_file']} row {item['source_row']}  "
                  f"{item['column_name']}={item['value']!r}  {item['reason']} ({item['owner']}): {item['message']}")


def print_month_end_report(result) -> None:
    """Print the WIP totals, the checks that failed and where the workbook and charts are."""
    print()
    if not result.success:
        print("Month-end report: the run failed; see it in the Dagster UI (make dev).")
        return
    metadata = result.asset_materializations_for_node("month_end_report")[0].metadata
    print(f"Month-end report {metadata['period'].value}: {metadata['jobs'].value} jobs on the WIP schedule")
    for label, key in (("cost to date", "cost_to_date"), ("earned revenue", "earned_revenue"),
                       ("billings to date", "billings_to_date"), ("over-billed", "over_billing"),
                       ("under-billed", "under_billing")):
        print(f"  {label:<18}{float(metadata[key].value):>16,.2f}")
    failed = [evaluation.check_name for evaluation in result.get_asset_check_evaluations() if not evaluation.passed]
    print(f"  checks: {'all passed' if not failed else 'failed: ' + ', '.join(failed)}")
    print(f"  workbook: {metadata['workbook'].value}")
    print(f"  charts: {metadata['billing_chart'].value}, {metadata['budget_chart'].value}")
