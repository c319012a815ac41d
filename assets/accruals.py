"""Accruals domain: month-end costs incurred but not invoiced, as an accrual entry and its reversal.

accrual_batch   -> accrual rows of the period from the project-controls database, validated,
                   turned into balanced entries and staged; blocking checks gate the post
accrual_entries -> after approval (policy "manual"), the accrual entry dated the period's last
                   day and its reversal dated the next period's first day, posted once each
"""

import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg

from accounting.accounts import AccountPlan
from accounting.accruals import accrual_entries as build_accrual_entries
from accounting.posting import post_journal_batch, reconcile_entries
from checks.journal import (
    ANALYTIC_COMPLETE,
    ENTRIES_BALANCED,
    ODOO_MATCHES_STAGING,
    PERIOD_OPEN,
    ROWS_ACCOUNTED_FOR,
    held_rows_result,
    journal_check_specs,
    money_control_result,
    posted_check_specs,
    result,
)
from checks.journal_entry_rules import analytic_gaps, unbalanced_entries
from checks.accrual_validation import validate_accrual_batch
from ingest.accruals import read_accruals
from ingest.records import ExtractError
from odoo_io.journal_entries import entry_totals, fetch_accounting_master_data, missing_master_data
from pipelines.partitions import monthly_partitions
from resources.odoo import OdooResource
from resources.project_controls import ProjectControlsSource
from resources.staging import StagingDatabase
from staging.batches import (
    BatchHeader,
    PostingLeaseTaken,
    acquire_posting_lease,
    batch_exceptions,
    current_batch,
    excepted_row_count,
    release_posting_lease,
    replace_staged_batch,
    set_batch_status,
)
from staging.journal import approval_for, entries_of, staged_money_totals

DOMAIN = "accruals"
ACCRUAL_BATCH_KEY = dg.AssetKey("accrual_batch")
ACCRUAL_ENTRIES_KEY = dg.AssetKey("accrual_entries")
ACCRUAL_SWING = "accrual_swing_within_threshold"


class AccrualRunConfig(dg.Config):
    """Run settings a controller may set in the launchpad."""

    provisional: bool = False  # a month-to-date accrual for review: staged, never posted


@dg.asset(
    group_name=DOMAIN,
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

    # Step 1: read the period's accruals and last period's for the swing check.
    extract = read_accruals(project_controls.url, period)
    previous_period = f"{period_start - timedelta(days=1):%Y-%m}"
    try:
        previous_rows = read_accruals(project_controls.url, previous_period).frame
    except ExtractError as error:
        # The first period the pipeline sees has nothing to compare with.
        context.log.info("No accruals of %s to compare with: %s", previous_period, error)
        previous_rows = extract.frame.iloc[0:0]

    # Step 2: row rules (schema, approval flag, Odoo jobs and cost codes, duplicates).
    client = odoo.get_client(log=context.log)
    validated = validate_accrual_batch(extract, period, client)

    # Step 3: the entries, and the staged batch in one transaction.
    content_hash = _content_hash(extract)
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
    entry_rows, item_rows = _staging_rows(entries)
    try:
        # "checking" until the gate below sets the real status, so that a run which stops
        # in between leaves nothing that the posting step would accept.
        replace_staged_batch(staging.engine, header, [], validated.flagged, entries=entry_rows, journal_items=item_rows,
                             status="checking")
    except PostingLeaseTaken as taken:
        raise dg.Failure(description=str(taken)) from taken

    # Step 4: the gate.
    master = fetch_accounting_master_data(
        client, {line.account_code for e in entries for line in e.lines}, {plan.accrual_journal},
        {code for e in entries for line in e.lines for code in (line.job, line.cost_code) if code},
    )
    exception_rows = batch_exceptions(staging.engine, batch_id)
    stored_excepted = excepted_row_count(staging.engine, batch_id)
    unbalanced = unbalanced_entries(entries)
    gaps = analytic_gaps(entries) + missing_master_data(entries, master)
    locked = [e for e in entries if master.lock_date and e.entry_date <= master.lock_date.day]
    swings = _swing_findings(validated.accepted, previous_rows, project_controls.swing_threshold)
    results = [
        money_control_result(ACCRUAL_BATCH_KEY, rows_in=extract.rows_in, amount=extract.source_amount,
                             control_count=header.control_count, control_amount=header.control_amount,
                             source=header.control_source or "missing"),
        result(ACCRUAL_BATCH_KEY, ROWS_ACCOUNTED_FOR, extract.rows_in == len(validated.accepted) + stored_excepted,
               "Some rows are neither staged nor held.",
               {"rows_in": extract.rows_in, "rows_staged": len(validated.accepted), "rows_excepted": stored_excepted}),
        result(ACCRUAL_BATCH_KEY, ENTRIES_BALANCED, not unbalanced, "; ".join(unbalanced), {"entries": len(entries)}),
        result(ACCRUAL_BATCH_KEY, ANALYTIC_COMPLETE, not gaps, "; ".join(gaps[:10]), {"problems": len(gaps)}),
        result(ACCRUAL_BATCH_KEY, PERIOD_OPEN, not locked,
               f"period locked through {master.lock_date.day:%Y-%m-%d}" if master.lock_date else None,
               {"lock_date": master.lock_date.day.isoformat() if master.lock_date else "none",
                "entry_dates": ", ".join(e.entry_date.isoformat() for e in entries)}),
        held_rows_result(ACCRUAL_BATCH_KEY, exception_rows, stored_excepted),
        result(ACCRUAL_BATCH_KEY, ACCRUAL_SWING, not swings, f"{len(swings)} accruals moved more than "
               f"{project_controls.swing_threshold} % against last month.", {"findings": swings[:20]}, warn=True),
    ]
    failures = [r for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]
    status = _status_after_checks(config, project_controls, failures, entries)
    reason = "; ".join(f"{r.check_name}: {r.description}" for r in failures) or (
        None if entries else "no accrual rows are eligible to post"
    )
    set_batch_status(staging.engine, batch_id, status, reason)
    context.log.info("Accrual batch %s for %s is %s (%d rows in, %d staged, %d held)", batch_id, period, status,
                     extract.rows_in, len(validated.accepted), stored_excepted)

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


def _status_after_checks(config, project_controls, failures, entries) -> str:
    if failures or not entries:
        return "held"
    if config.provisional:
        return "provisional"
    return "awaiting_approval" if project_controls.approval_policy == "manual" else "staged"


def _content_hash(extract) -> str:
    """A hash of the period's rows and control total: the same source content gives the same batch."""
    rows = extract.frame.astype(str).to_dict(orient="records")
    control = [extract.control.record_count, str(extract.control.total_amount)] if extract.control else None
    payload = json.dumps({"rows": rows, "control": control, "exceptions": [e.as_record() for e in extract.exceptions]},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _staging_rows(entries) -> tuple[list[dict], list[dict]]:
    keys_by_ref = {entry.ref: entry.entry_key for entry in entries}
    entry_rows, item_rows = [], []
    for entry in entries:
        entry_rows.append({
            "entry_key": entry.entry_key, "ref": entry.ref, "journal_code": entry.journal_code,
            "entry_date": entry.entry_date, "reverses_entry_key": keys_by_ref.get(entry.reverses_ref),
        })
        for line_no, line in enumerate(entry.lines, start=1):
            item_rows.append({
                "entry_key": entry.entry_key, "line_no": line_no, "account_code": line.account_code, "name": line.name,
                "debit": line.debit, "credit": line.credit, "job": line.job, "cost_code": line.cost_code,
            })
    return entry_rows, item_rows


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
    group_name=DOMAIN,
    partitions_def=monthly_partitions,
    deps=[accrual_batch],
    check_specs=posted_check_specs(ACCRUAL_ENTRIES_KEY, monthly_partitions),
    kinds={"odoo"},
)
def accrual_entries(
    context: dg.AssetExecutionContext, odoo: OdooResource, project_controls: ProjectControlsSource, staging: StagingDatabase
):
    """The period's accrual entry and its reversal in Odoo, posted once each after approval."""
    batch = current_batch(staging.engine, DOMAIN, context.partition_key)
    if batch is None:
        raise dg.Failure(description=f"No staged accrual batch for {context.partition_key}; materialize accrual_batch first.")
    batch_id = batch["batch_id"]

    # The gate, again: status, approval of this exact content, balance and control totals.
    if batch["status"] not in {"staged", "awaiting_approval", "posting", "posted", "reconciled"}:
        raise dg.Failure(description=f"Batch {batch_id} is {batch['status']} and does not post: {batch['status_reason'] or ''}")
    if project_controls.approval_policy == "manual" and approval_for(staging.engine, batch) is None:
        raise dg.Failure(
            description=f"Batch {batch_id} waits for approval. Approve it with `python -m staging approve --batch {batch_id} "
            "--approver NAME --reason TEXT`, then run the period again."
        )
    debit, credit = staged_money_totals(staging.engine, batch_id)
    if debit != credit:
        raise dg.Failure(description=f"Batch {batch_id} does not balance in staging: debit {debit}, credit {credit}")
    if batch["control_amount"] != batch["file_amount"] or batch["control_count"] != batch["counted_rows"]:
        raise dg.Failure(description=f"Batch {batch_id} does not match its control total")
    entries = entries_of(staging.engine, batch_id)
    problems = unbalanced_entries(entries) + analytic_gaps(entries)
    if problems:
        raise dg.Failure(description=f"Batch {batch_id} not posted: {'; '.join(problems[:5])}")

    client = odoo.get_client(log=context.log)
    master = fetch_accounting_master_data(
        client, {line.account_code for e in entries for line in e.lines}, {e.journal_code for e in entries},
        {code for e in entries for line in e.lines for code in (line.job, line.cost_code) if code},
    )
    locked = [e for e in entries if master.lock_date and e.entry_date <= master.lock_date.day]
    if locked:
        reason = f"period locked through {master.lock_date.day:%Y-%m-%d}"
        set_batch_status(staging.engine, batch_id, "held", reason)
        raise dg.Failure(description=f"Batch {batch_id} not posted: {reason}")

    try:
        acquire_posting_lease(staging.engine, batch_id, context.run_id)
    except PostingLeaseTaken as taken:
        raise dg.Failure(description=str(taken)) from taken
    try:
        set_batch_status(staging.engine, batch_id, "posting")
        posted = post_journal_batch(client, staging.engine, batch, master, context.log)
        set_batch_status(staging.engine, batch_id, "posted")
    finally:
        release_posting_lease(staging.engine, batch_id, context.run_id)

    findings = reconcile_entries(client, entries, posted.posted)
    passed = all(item["ok"] for item in findings)
    if passed:
        set_batch_status(staging.engine, batch_id, "reconciled")
    else:
        set_batch_status(staging.engine, batch_id, "posted", "reconciliation failed; see odoo_matches_staging")
    yield dg.MaterializeResult(
        metadata={
            "batch_id": batch_id,
            "entries": ", ".join(f"{p.name} ({p.posted_date})" for p in posted.posted),
            "odoo_move_ids": ", ".join(str(p.move_id) for p in posted.posted),
            "entries_created_now": posted.created,
            "corrected_batches_reversed": ", ".join(posted.reversed_batches) or "none",
            "accrual_amount": str(batch["staged_amount"]),
            "odoo_target": odoo.describe(),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=ODOO_MATCHES_STAGING, asset_key=ACCRUAL_ENTRIES_KEY, passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=None if passed else "An entry differs in Odoo from staging (state, date or totals).",
                metadata={"entries": dg.MetadataValue.json(findings)},
            )
        ],
    )


accrual_assets = [accrual_batch, accrual_entries]
