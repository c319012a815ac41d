"""Accruals domain: month-end costs incurred but not invoiced, as an accrual entry and its reversal.

accrual_batch   -> accrual rows of the period from the project-controls database, validated,
                   turned into balanced entries and staged; blocking checks gate the post
accrual_entries -> after approval (policy "manual"), the accrual entry dated the period's last
                   day and its reversal dated the next period's first day, posted once each
"""

from datetime import date, timedelta
from decimal import Decimal

import dagster as dg

from accounting.accounts import AccountPlan
from accounting.accruals import accrual_entries as build_accrual_entries
from accounting.accruals import period_end
from accounting.batch_flow import post_staged_batch, stage_and_gate
from accounting.posting import entries_fingerprint
from assets.owners import BATCH_OWNERS
from checks.accrual_validation import validate_accrual_batch
from checks.journal import (
    journal_check_specs,
    money_control_result,
    posted_check_specs,
    result,
)
from checks.reporting import markdown_table
from checks.review import exclude_reviewed_source_rows, source_row_records
from ingest.accruals import read_accruals
from ingest.records import ExtractError
from odoo_io.journal_entries import entry_totals
from pipelines.company import COMPANY_KEY_PREFIX, company_asset_key
from pipelines.partitions import monthly_partitions
from resources.odoo import ODOO_API_POOL, OdooResource
from resources.project_controls import ProjectControlsSource
from resources.staging import StagingDatabase
from staging.batches import BatchHeader, current_batch, set_batch_status
from staging.decisions import earlier_exclusions_by_record
from staging.journal import approval_for

DOMAIN = "accruals"
ACCRUAL_BATCH_KEY = company_asset_key("accrual_batch")
ACCRUAL_ENTRIES_KEY = company_asset_key("accrual_entries")
ACCRUAL_SWING = "accrual_swing_within_threshold"


class AccrualRunConfig(dg.Config):
    """Run settings a controller may set in the launchpad."""

    provisional: bool = False  # a month-to-date accrual for review: staged, never posted


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=DOMAIN,
    owners=BATCH_OWNERS,
    partitions_def=monthly_partitions,
    check_specs=journal_check_specs(
        ACCRUAL_BATCH_KEY, monthly_partitions,
        [(ACCRUAL_SWING, False, "Warns when a job and cost code's accrual moves more than the threshold against last month.")],
    ),
    kinds={"sqlalchemy"},
)
def accrual_batch(
    context: dg.AssetExecutionContext,
    config: AccrualRunConfig,
    odoo: OdooResource,
    project_controls: ProjectControlsSource,
    staging: StagingDatabase,
):
    """The period's accruals: checked against their control total and Odoo, and staged as balanced entries."""
    period_start = date.fromisoformat(context.partition_key)
    period = f"{period_start:%Y-%m}"
    plan = AccountPlan()
    client = odoo.preflight(context.log, DOMAIN)

    # Step 1: read the period's accruals and last period's for the swing check.
    extract = read_accruals(project_controls.url, period)
    previous_period = f"{period_start - timedelta(days=1):%Y-%m}"
    try:
        previous_rows = read_accruals(project_controls.url, previous_period).frame
    except ExtractError as error:
        # The first period the pipeline reads has nothing to compare with.
        context.log.info("No accruals of %s to compare with: %s", previous_period, error)
        previous_rows = extract.frame.iloc[0:0]

    # Step 2: row rules (schema, approval flag, Odoo jobs and cost codes, duplicates).
    validated = validate_accrual_batch(extract, period, client)

    # Step 3: rows a reviewer excluded from this content leave the batch, listed as excluded.
    def batch_id_for(accepted, excluded: list) -> str:
        held = [item for _, item in validated.flagged] + excluded
        return f"{DOMAIN}-{period}-{entries_fingerprint(build_accrual_entries(accepted, period_start, '', plan), held)[:12]}"

    validated.accepted, excluded = exclude_reviewed_source_rows(
        staging.engine, validated.accepted, batch_id_for,
        earlier_exclusions_by_record(staging.engine, DOMAIN, context.partition_key, ""),
    )
    validated.flagged += excluded
    validated.rows_excepted += len(excluded)

    # Step 4: the entries, and the staged batch in one transaction.
    # The batch is keyed by what would post, so a corrected accrual makes a new batch.
    held = [item for _, item in validated.flagged]
    content_hash = entries_fingerprint(build_accrual_entries(validated.accepted, period_start, "", plan), held)
    batch_id = f"{DOMAIN}-{period}-{content_hash[:12]}"
    ref = f"ACR-{period}-{content_hash[:10]}"
    entries = build_accrual_entries(validated.accepted, period_start, ref, plan)
    staged_amount = sum((row.amount for row in validated.accepted.itertuples()), Decimal("0.00"))
    header = BatchHeader(
        batch_id=batch_id, domain=DOMAIN, partition_key=context.partition_key, source_file=extract.source,
        content_hash=content_hash, mapping="project_controls", rows_in=extract.rows_in,
        rows_staged=len(validated.accepted), rows_excepted=validated.rows_excepted,
        staged_hours=Decimal("0.00"), file_hours=Decimal("0.00"), counted_rows=extract.rows_in,
        control_count=extract.control.record_count if extract.control else None,
        control_hours=None, control_source=extract.control.source if extract.control else None,
        staged_amount=staged_amount, file_amount=extract.source_amount,
        control_amount=extract.control.total_amount if extract.control else None,
    )
    swings = _swing_findings(validated.accepted, previous_rows, project_controls.swing_threshold)
    gate = stage_and_gate(
        context=context,
        asset_key=ACCRUAL_BATCH_KEY,
        engine=staging.engine,
        client=client,
        header=header,
        flagged=validated.flagged,
        entries=entries,
        control_result=money_control_result(
            ACCRUAL_BATCH_KEY, rows_in=extract.rows_in, amount=extract.source_amount,
            control_count=header.control_count, control_amount=header.control_amount,
            source=header.control_source or "missing",
        ),
        extra_results=[
            result(ACCRUAL_BATCH_KEY, ACCRUAL_SWING, not swings, f"{len(swings)} of the job and cost code accruals "
                   f"moved more than {project_controls.swing_threshold} % against last month.",
                   {"findings": dg.MetadataValue.md(markdown_table(swings, SWING_COLUMNS))} if swings else {}, warn=True),
        ],
        status_when_passed=_status_when_passed(config, project_controls),
        review_dir=staging.review_dir,
        source_rows=source_row_records(extract.frame, validated.accepted),
    )
    status, stored_excepted, results = gate.status, gate.rows_excepted, gate.results
    if status == "awaiting_approval" and approval_for(staging.engine, current_batch(staging.engine, DOMAIN, context.partition_key)):
        # This exact content was approved before (a rerun after approval).
        status = "approved"
        set_batch_status(staging.engine, batch_id, status)

    debit, credit = entry_totals(entries[0]) if entries else (Decimal("0.00"), Decimal("0.00"))
    yield dg.MaterializeResult(
        metadata={
            "batch_id": batch_id,
            "status": status,
            "period": period,
            "source": extract.source,
            "rows_in": extract.rows_in,
            "rows_staged": len(validated.accepted),
            "rows_excepted": stored_excepted,
            "accrual_amount": str(staged_amount),
            "accrual_entry": f"{ref} dated {entries[0].entry_date} (debit {debit}, credit {credit})" if entries else "none",
            "reversal_entry": f"{entries[1].ref} dated {entries[1].entry_date}" if len(entries) > 1 else "none",
            "approve_with": f"python -m staging approve --batch {batch_id} --approver NAME --reason TEXT"
            if status == "awaiting_approval" else "not needed",
        },
        check_results=results,
    )


def _status_when_passed(config: AccrualRunConfig, project_controls: ProjectControlsSource) -> str:
    if config.provisional:
        return "provisional"
    return "awaiting_approval" if project_controls.approval_policy == "manual" else "staged"


SWING_COLUMNS = ("job", "cost_code", "previous", "current", "change_pct")


def _swing_findings(current, previous, threshold: Decimal) -> list[dict]:
    def totals(frame) -> dict:
        sums: dict = {}
        for row in frame.itertuples(index=False):
            key = (row.job, row.cost_code)
            sums[key] = sums.get(key, Decimal("0.00")) + row.amount
        return sums

    now, before = totals(current), totals(previous)
    findings = []
    for key, amount in sorted(now.items()):
        earlier = before.get(key)
        if earlier is None or earlier == 0:
            continue
        change = (amount - earlier) / abs(earlier) * 100
        if abs(change) > threshold:
            findings.append({"job": key[0], "cost_code": key[1], "previous": str(earlier), "current": str(amount),
                             "change_pct": str(change.quantize(Decimal("0.1")))})
    return findings


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=DOMAIN,
    owners=BATCH_OWNERS,
    partitions_def=monthly_partitions,
    deps=[accrual_batch],
    check_specs=posted_check_specs(ACCRUAL_ENTRIES_KEY, monthly_partitions),
    kinds={"odoo"},
    pool=ODOO_API_POOL,
)
def accrual_entries(
    context: dg.AssetExecutionContext, odoo: OdooResource, project_controls: ProjectControlsSource, staging: StagingDatabase
):
    """The period's accrual entry and its reversal in Odoo, posted once each after approval."""
    yield post_staged_batch(
        context=context, asset_key=ACCRUAL_ENTRIES_KEY, domain=DOMAIN, engine=staging.engine, odoo=odoo,
        require_approval=project_controls.approval_policy == "manual",
        not_before=period_end(date.fromisoformat(context.partition_key)),
    )


accrual_assets = [accrual_batch, accrual_entries]
