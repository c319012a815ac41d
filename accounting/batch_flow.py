"""The staging gate and the posting step that every journal-entry domain shares.

A domain builds its entries and row exceptions; these two functions stage them, run the
blocking checks, set the batch's status, and later post an accepted batch exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from accounting.posting import post_journal_batch, reconcile_entries
from checks.journal import (
    ANALYTIC_COMPLETE,
    ENTRIES_BALANCED,
    NO_ROWS_HELD,
    ODOO_MATCHES_STAGING,
    PERIOD_OPEN,
    ROWS_ACCOUNTED_FOR,
    held_rows_result,
    result,
)
from checks.journal_entry_rules import analytic_gaps, unbalanced_entries
from checks.review import apply_acceptances, with_review_details
from ingest.records import RowException
from odoo_io.client import OdooClient
from odoo_io.journal_entries import (
    EntryToPost,
    fetch_accounting_master_data,
    missing_master_data,
)
from pipelines.partitions import COMPANY_TIMEZONE
from pipelines.run_status import run_has_ended
from staging.batch_workbook import write_batch_workbook
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
from staging.decisions import acceptances_for, is_rejected
from staging.journal import (
    approval_for,
    entries_of,
    record_held_rows,
    staged_money_totals,
    superseded_posted_batches,
)

POSTABLE = {"staged", "awaiting_approval", "approved", "posting", "posted", "reconciled"}


@dataclass
class GateOutcome:
    results: list[dg.AssetCheckResult]
    status: str
    reason: str | None
    rows_excepted: int


def staging_rows(entries: list[EntryToPost]) -> tuple[list[dict], list[dict]]:
    """Rows for the journal_entries and journal_lines tables."""
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


def fetch_master_for(client: OdooClient, entries: list[EntryToPost]):
    return fetch_accounting_master_data(
        client,
        {line.account_code for entry in entries for line in entry.lines},
        {entry.journal_code for entry in entries},
        {code for entry in entries for line in entry.lines for code in (line.job, line.cost_code) if code},
    )


def stage_and_gate(
    *,
    context,
    asset_key: dg.AssetKey,
    engine,
    client: OdooClient,
    header: BatchHeader,
    flagged: list[tuple[int | None, RowException]],
    entries: list[EntryToPost],
    control_result: dg.AssetCheckResult,
    extra_results: list[dg.AssetCheckResult],
    status_when_passed: str,
    review_dir: str = ".demo/review",
    source_rows: list[dict] | None = None,
) -> GateOutcome:
    """Stage the batch as 'checking', evaluate the gate, and set the status it earns."""
    entry_rows, item_rows = staging_rows(entries)
    try:
        # "checking" until the gate below sets the real status, so a run that stops in
        # between leaves nothing the posting step would accept.
        replace_staged_batch(engine, header, [], flagged, entries=entry_rows, journal_items=item_rows,
                             source_rows=source_rows, status="checking",
                             holder_ended=lambda holder: run_has_ended(context.instance, holder))
    except PostingLeaseTaken as taken:
        raise dg.Failure(description=str(taken)) from taken

    master = fetch_master_for(client, entries)
    exception_rows = batch_exceptions(engine, header.batch_id)
    stored_excepted = excepted_row_count(engine, header.batch_id)
    unbalanced = unbalanced_entries(entries)
    gaps = analytic_gaps(entries) + missing_master_data(entries, master)
    locked = [entry for entry in entries if master.lock_date and entry.entry_date <= master.lock_date.day]
    lock_text = f"period locked through {master.lock_date.day:%Y-%m-%d}" if master.lock_date else None
    results = [
        control_result,
        result(asset_key, ROWS_ACCOUNTED_FOR, header.rows_in == header.rows_staged + stored_excepted,
               "Some rows are neither staged nor held.",
               {"rows_in": header.rows_in, "rows_staged": header.rows_staged, "rows_excepted": stored_excepted}),
        result(asset_key, ENTRIES_BALANCED, not unbalanced, "; ".join(unbalanced), {"entries": len(entries)}),
        result(asset_key, ANALYTIC_COMPLETE, not gaps, "; ".join(gaps[:10]), {"problems": len(gaps)}),
        result(asset_key, PERIOD_OPEN, not locked, lock_text,
               {"lock_date": master.lock_date.day.isoformat() if master.lock_date else "none",
                "entry_dates": ", ".join(entry.entry_date.isoformat() for entry in entries)}),
        held_rows_result(asset_key, exception_rows, stored_excepted),
        *extra_results,
    ]
    # A warning a reviewer accepted on this batch passes, naming who accepted it and why.
    results = apply_acceptances(results, acceptances_for(engine, header.batch_id))
    failures = [r for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]
    rejection = is_rejected(engine, header.batch_id)
    actor = "pipeline"
    if rejection:
        # A reviewer rejected this exact content: it stays rejected however often it is staged.
        status, reason = "rejected", f"rejected by {rejection['decided_by']}: {rejection['reason']}"
        actor = rejection["decided_by"]
    elif failures or not entries:
        status = "held"
        reason = "; ".join(f"{r.check_name}: {r.description}" for r in failures) or "no rows are eligible to post"
    else:
        status, reason = status_when_passed, None
    set_batch_status(engine, header.batch_id, status, reason, actor=actor)
    record_held_rows(engine, {"batch_id": header.batch_id, "domain": header.domain,
                              "partition_key": header.partition_key}, exception_rows)

    # Written after the status is set, so the workbook's Summary shows why the batch stopped.
    if exception_rows or any(not r.passed for r in results):
        workbook = write_batch_workbook(engine, header.batch_id, Path(review_dir))
        results = with_review_details(results, header.batch_id, workbook, NO_ROWS_HELD)
    context.log.info("Batch %s is %s (%d rows in, %d staged, %d held)%s", header.batch_id, status, header.rows_in,
                     header.rows_staged, stored_excepted, f": {reason}" if reason else "")
    return GateOutcome(results=results, status=status, reason=reason, rows_excepted=stored_excepted)


def post_staged_batch(
    *, context, asset_key: dg.AssetKey, domain: str, engine, odoo, require_approval: bool, not_before: date | None = None
):
    """Re-verify the partition's staged batch, post its entries once, and read them back.

    ``not_before`` is the last day of the period: nothing posts until that day is over.
    """
    batch = current_batch(engine, domain, context.partition_key)
    if batch is None:
        raise dg.Failure(description=f"No staged {domain} batch for {context.partition_key}; materialize its batch first.")
    batch_id = batch["batch_id"]

    # The gate, again: status, approval of this exact content, balance and control totals.
    if batch["status"] not in POSTABLE:
        raise dg.Failure(description=f"Batch {batch_id} is {batch['status']} and does not post: {batch['status_reason'] or ''}")
    if require_approval and approval_for(engine, batch) is None:
        raise dg.Failure(
            description=f"Batch {batch_id} waits for approval. Approve it with `python -m staging approve --batch {batch_id} "
            "--approver NAME --reason TEXT`, then run the partition again."
        )
    debit, credit = staged_money_totals(engine, batch_id)
    if debit != credit:
        raise dg.Failure(description=f"Batch {batch_id} does not balance in staging: debit {debit}, credit {credit}")
    if batch["control_count"] is not None and (
        batch["control_count"] != batch["counted_rows"]
        or (batch["control_amount"] is not None and batch["control_amount"] != batch["file_amount"])
    ):
        raise dg.Failure(description=f"Batch {batch_id} does not match its control total")
    entries = entries_of(engine, batch_id)
    problems = unbalanced_entries(entries) + analytic_gaps(entries)
    if problems:
        raise dg.Failure(description=f"Batch {batch_id} not posted: {'; '.join(problems[:5])}")
    today = datetime.now(ZoneInfo(COMPANY_TIMEZONE)).date()
    if not_before is not None and today <= not_before:
        raise dg.Failure(
            description=f"Batch {batch_id} not posted: its period ends on {not_before}; a period posts only after it has ended"
        )

    client = odoo.get_client(log=context.log)
    # A correction also reverses the earlier posted batches, whose lines may name accounts,
    # jobs or cost codes that the corrected batch no longer uses.
    superseded = [entry for earlier in superseded_posted_batches(engine, domain, context.partition_key, batch_id)
                  for entry in entries_of(engine, earlier["batch_id"])]
    master = fetch_master_for(client, entries + superseded)
    if any(master.lock_date and entry.entry_date <= master.lock_date.day for entry in entries):
        reason = f"period locked through {master.lock_date.day:%Y-%m-%d}"
        set_batch_status(engine, batch_id, "held", reason)
        raise dg.Failure(description=f"Batch {batch_id} not posted: {reason}")

    try:
        acquire_posting_lease(engine, batch_id, context.run_id,
                              holder_ended=lambda holder: run_has_ended(context.instance, holder))
    except PostingLeaseTaken as taken:
        raise dg.Failure(description=str(taken)) from taken
    try:
        set_batch_status(engine, batch_id, "posting")
        posted = post_journal_batch(client, engine, batch, master, context.log)
        set_batch_status(engine, batch_id, "posted", "entries in Odoo: " + ", ".join(
            f"{entry.name} (id {entry.move_id}, {'created now' if entry.created else 'already there'})"
            for entry in posted.correction_entries + posted.posted))
    finally:
        release_posting_lease(engine, batch_id, context.run_id)

    findings = reconcile_entries(client, entries, posted.posted)
    passed = all(item["ok"] for item in findings)
    set_batch_status(engine, batch_id, "reconciled" if passed else "posted",
                     None if passed else "reconciliation failed; see odoo_matches_staging")
    return dg.MaterializeResult(
        metadata={
            "batch_id": batch_id,
            "entries": ", ".join(f"{p.name} ({p.posted_date})" for p in posted.posted),
            "odoo_move_ids": ", ".join(str(p.move_id) for p in posted.posted),
            "entries_created_now": posted.created,
            "corrected_batches_reversed": ", ".join(posted.reversed_batches) or "none",
            "amount": str(batch["staged_amount"]),
            "odoo_target": odoo.describe(),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=ODOO_MATCHES_STAGING, asset_key=asset_key, passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=None if passed else "An entry differs in Odoo from staging (state, date or totals).",
                metadata={"entries": dg.MetadataValue.json(findings)},
            )
        ],
    )
