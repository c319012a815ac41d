"""Labor domain: the nightly timesheet extract from SFTP drop to Odoo timesheet lines.

labor_extract  -> the partition's complete file, copied into the hash-keyed landing area
labor_batch    -> parsed, validated and staged; blocking checks gate the post
labor_timesheets -> the staged lines posted into Odoo exactly once, then read back
"""


import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg

from assets.owners import BATCH_OWNERS, EXTRACT_OWNERS
from checks.labor import (
    batch_check_specs,
    control_totals_result,
    overtime_result,
    reconciliation_result,
    rows_accounted_result,
    rows_held_result,
    timesheet_check_specs,
)
from checks.labor_gate import PostingRefused, verify_labor_batch
from checks.labor_rules import LaborRuleSettings
from checks.labor_survey import survey_labor_extract
from checks.reporting import count_by
from checks.review import apply_acceptances, with_review_details
from ingest.control import companion_file_path
from ingest.labor_parts import LaborParts
from ingest.landing import land
from ingest.mapping import LABOR_MAPPINGS_DIR, load_mapping
from ingest.records import ExtractError
from odoo_io.master_data import fetch_labor_master_data
from odoo_io.timesheets import (
    PostingRejected,
    full_external_id,
    post_timesheets,
    read_back_totals,
)
from pipelines.company import COMPANY_KEY_PREFIX
from pipelines.partitions import daily_partitions
from pipelines.run_status import run_has_ended
from resources.labor_feed import LaborFeed
from resources.odoo import ODOO_API_POOL, OdooResource
from resources.sftp import DEFAULT_MARKER_SUFFIX, FetchedFile, SFTPError, SFTPResource
from resources.staging import StagingDatabase
from staging.batch_workbook import write_batch_workbook
from staging.batches import (
    BatchHeader,
    LandedDelivery,
    PostingLeaseTaken,
    acquire_posting_lease,
    batch_exceptions,
    current_batch,
    excepted_row_count,
    hold_rejected_lines,
    iter_staged_labor_lines,
    landing_key,
    latest_landed,
    ledger_batches_for,
    record_landed,
    release_posting_lease,
    set_batch_status,
    staged_totals,
)
from staging.decisions import acceptances_for, earlier_exclusions_by_record, exclusions_for, is_rejected
from staging.journal import record_held_rows
from staging.labor_parts import stage_surveyed_parts

DOMAIN = "labor"


@dg.asset(group_name=DOMAIN, owners=EXTRACT_OWNERS, partitions_def=daily_partitions, kinds={"sftp"},
          key_prefix=COMPANY_KEY_PREFIX)
def labor_extract(
    context: dg.AssetExecutionContext, sftp: SFTPResource, labor_feed: LaborFeed, staging: StagingDatabase,
    odoo: OdooResource,
) -> dg.MaterializeResult:
    """The day's labor extract from the field time system, landed unchanged and keyed by its content hash."""
    business_date = date.fromisoformat(context.partition_key)

    # Step 1: the settings, checked before anything lands: the layout mapping, then Odoo.
    try:
        mapping = load_mapping(labor_feed.mapping)
    except ExtractError as error:
        layouts = ", ".join(sorted(path.stem for path in LABOR_MAPPINGS_DIR.glob("*.yaml")))
        raise dg.Failure(description=f"{error}. Set LABOR_MAPPING to one of: {layouts}") from error
    odoo.preflight(context.log, DOMAIN)
    file_name = mapping.remote_file_name(business_date)

    try:
        complete = sftp.list_complete_files(labor_feed.remote_dir, pattern=file_name)
    except SFTPError as error:
        raise dg.Failure(
            description=f"Cannot look for labor extract {file_name} for business date {business_date}: {error}"
        ) from error
    if not complete:
        raise dg.Failure(description=(
            f"No complete labor extract {file_name} in {labor_feed.remote_dir} for business date {business_date}. "
            + _why_not_complete(sftp, labor_feed.remote_dir, file_name)
        ))
    remote_file = complete[0]

    with tempfile.TemporaryDirectory(prefix="labor-fetch-") as download_dir:
        # The companion control file comes first: an extract without it must not land.
        companion = _fetch_companion_file(sftp, mapping, remote_file.path, download_dir)
        landed = land(sftp.fetch(remote_file, download_dir), labor_feed.landing_dir)
        landed_companion = land(companion, labor_feed.landing_dir) if companion is not None else None

    delivery = LandedDelivery(
        content_hash=landing_key(landed.sha256, landed_companion.sha256 if landed_companion else None),
        domain=DOMAIN,
        remote_path=remote_file.path,
        landed_path=str(landed.path),
        file_hash=landed.sha256,
        size=landed.size,
        companion_path=str(landed_companion.path) if landed_companion else None,
        companion_hash=landed_companion.sha256 if landed_companion else None,
        partition_key=context.partition_key,
    )
    first_time = record_landed(staging.engine, delivery)
    context.log.info(
        "Labor extract %s (%d bytes, sha256 %s) %s",
        remote_file.path, landed.size, landed.sha256[:12], "landed" if first_time else "was already landed; reusing it",
    )
    return dg.MaterializeResult(
        metadata={
            "remote_path": remote_file.path,
            "content_hash": landed.sha256,
            "size_bytes": landed.size,
            "landed_path": str(landed.path),
            "companion_file": Path(delivery.companion_path).name if delivery.companion_path else "none",
            "companion_hash": delivery.companion_hash or "none",
            "already_landed": not first_time,
            "mapping": mapping.name,
        }
    )


def _fetch_companion_file(sftp: SFTPResource, mapping, remote_path: str, download_dir: str) -> FetchedFile | None:
    """Download the extract's companion control file where the layout has one."""
    if mapping.control is None or mapping.control.kind != "companion_file":
        return None
    name = companion_file_path(Path(remote_path), mapping.control, None).name
    remote_companion = f"{Path(remote_path).parent.as_posix()}/{name}"
    try:
        return sftp.fetch(remote_companion, download_dir)
    except (SFTPError, OSError) as error:
        raise dg.Failure(
            description=(
                f"Companion control file {remote_companion} of {Path(remote_path).name} could not be fetched "
                f"({error}); the sender must deliver it with the extract before it can be processed."
            )
        ) from error


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=DOMAIN,
    owners=BATCH_OWNERS,
    partitions_def=daily_partitions,
    deps=[labor_extract],
    check_specs=batch_check_specs,
    kinds={"sqlalchemy"},
)
def labor_batch(
    context: dg.AssetExecutionContext, odoo: OdooResource, labor_feed: LaborFeed, staging: StagingDatabase
):
    """The day's labor batch: validated against its control totals and Odoo's master data, and staged."""
    business_date = date.fromisoformat(context.partition_key)
    landed = latest_landed(staging.engine, DOMAIN, context.partition_key)
    if landed is None:
        raise dg.Failure(description=f"No landed labor extract for {business_date}; materialize labor_extract first.")
    mapping = load_mapping(labor_feed.mapping)

    # Step 1: open the extract. A large CSV extract is read in parts, one part in memory at a time.
    batch_id = _batch_id(context.partition_key, landed["content_hash"])
    client = odoo.get_client(log=context.log)
    settings = LaborRuleSettings(max_hours_per_day=labor_feed.max_hours)
    with _landed_parts(landed, mapping, business_date) as parts:

        # Step 2: survey every part for the whole-file rules (daily hours, repeated records) and
        # read Odoo's master data for the jobs and employees it names.
        survey = survey_labor_extract(
            parts, business_date, settings=settings,
            fetch_master=lambda jobs, employees: fetch_labor_master_data(client, jobs, employees),
        )

    # Step 3: validate each part against the survey and stage it. Every part goes in one transaction.
    header = survey.batch_header(batch_id, DOMAIN, context.partition_key, landed["content_hash"], mapping.name)
    try:
        early_overtime_days = stage_surveyed_parts(
            staging.engine, survey, header, source_system=mapping.source_system, settings=settings,
            posted_by_other_batches=lambda ids: {
                external_id: other_batch
                for external_id, other_batch in ledger_batches_for(staging.engine, ids).items()
                if other_batch != batch_id
            },
            exclusions=exclusions_for(staging.engine, batch_id),
            earlier_exclusions=earlier_exclusions_by_record(staging.engine, DOMAIN, context.partition_key, batch_id),
            holder_ended=lambda holder: run_has_ended(context.instance, holder),
        )
    except PostingLeaseTaken as taken:
        raise dg.Failure(description=str(taken)) from taken

    # Step 4: evaluate the gate from what the database now holds.
    staged_count, staged_hours = staged_totals(staging.engine, batch_id)
    exception_rows = batch_exceptions(staging.engine, batch_id)
    stored_excepted = excepted_row_count(staging.engine, batch_id)
    results = [
        control_totals_result(
            rows_in=header.counted_rows,
            file_hours=survey.file_hours,
            control_count=header.control_count,
            control_hours=header.control_hours,
            control_source=header.control_source,
        ),
        rows_accounted_result(rows_in=survey.rows_in, rows_staged=staged_count, rows_excepted=stored_excepted),
        rows_held_result(exception_rows, stored_excepted),
        overtime_result(early_overtime_days, settings.regular_hours_before_overtime),
    ]
    results = apply_acceptances(results, acceptances_for(staging.engine, batch_id))
    blocking_failures = [r for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]
    rejection = is_rejected(staging.engine, batch_id)
    final_status = "staged"
    if rejection:
        final_status = "rejected"
    elif blocking_failures:
        final_status = "held"
    if rejection:
        set_batch_status(staging.engine, batch_id, "rejected",
                         f"rejected by {rejection['decided_by']}: {rejection['reason']}", actor=rejection["decided_by"])
    elif blocking_failures:
        reason = "; ".join(f"{r.check_name}: {r.description}" for r in blocking_failures)
        set_batch_status(staging.engine, batch_id, "held", reason)
        context.log.warning("Batch %s held for review: %s", batch_id, reason)
    else:
        context.log.info(
            "Batch %s staged: %d rows in, %d staged (%s h), %d held for review",
            batch_id, survey.rows_in, staged_count, staged_hours, stored_excepted,
        )

    record_held_rows(staging.engine, {"batch_id": batch_id, "domain": DOMAIN, "partition_key": context.partition_key},
                     exception_rows)

    # Written after the status is set, so the workbook's Summary shows why the batch stopped.
    workbook = None
    if exception_rows or any(not r.passed for r in results):
        workbook = write_batch_workbook(staging.engine, batch_id, Path(staging.review_dir))
        results = with_review_details(results, batch_id, workbook)

    yield dg.MaterializeResult(
        metadata={
            "batch_id": batch_id,
            "source_file": survey.source_file,
            "landing_key": landed["content_hash"],
            "mapping": mapping.name,
            "rows_in": survey.rows_in,
            "rows_staged": staged_count,
            "rows_excepted": stored_excepted,
            "dagster/row_count": staged_count,
            "staged_hours": str(staged_hours),
            "file_hours": str(survey.file_hours),
            "control_record": header.control_source or "missing",
            "exceptions_by_reason": count_by(exception_rows, "reason"),
            "exceptions_by_owner": count_by(exception_rows, "owner"),
            "status": final_status,
            "review_workbook": dg.MetadataValue.path(str(workbook)) if workbook else "none",
        },
        check_results=results,
    )


@contextmanager
def _landed_parts(landed: dict, mapping, business_date: date) -> Iterator[LaborParts]:
    """Open a landed extract in parts, with its landed companion control file if it has one.

    Landing keys each file by its own content, so the companion may sit in its own folder
    under the name of an earlier delivery with the same content. The reader therefore gets
    a copy under the name the layout expects, for as long as the parts are read.
    """
    landed_path = Path(landed["landed_path"])
    if not landed["companion_path"]:
        yield LaborParts(landed_path, mapping, business_date=business_date)
        return
    with tempfile.TemporaryDirectory(prefix="labor-control-") as companion_dir:
        expected = companion_file_path(landed_path, mapping.control, Path(companion_dir))
        shutil.copyfile(landed["companion_path"], expected)
        yield LaborParts(landed_path, mapping, companion_dir=Path(companion_dir), business_date=business_date)


def _why_not_complete(sftp: SFTPResource, remote_dir: str, file_name: str) -> str:
    """Say what the drop holds for an extract that is not complete, from one more listing."""
    try:
        sizes = {entry.name: entry.size for entry in sftp.list_directory(remote_dir)}
    except SFTPError:
        sizes = {}
    if sizes.get(file_name) == 0:
        return "The file is there but empty (0 bytes); ask the sender to deliver it again."
    if file_name not in sizes and f"{file_name}{DEFAULT_MARKER_SUFFIX}" in sizes:
        return "Its .done marker is there but the file itself is not; ask the sender to deliver it again."
    return ("The file is missing or still being written (no .done marker or its size is still changing); "
            "run the partition again once the sender has delivered it.")


def _batch_id(partition_key: str, content_hash: str) -> str:
    return f"{DOMAIN}-{partition_key}-{content_hash[:12]}"


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=DOMAIN,
    owners=BATCH_OWNERS,
    partitions_def=daily_partitions,
    deps=[labor_batch],
    check_specs=timesheet_check_specs,
    kinds={"odoo"},
    pool=ODOO_API_POOL,
)
def labor_timesheets(context: dg.AssetExecutionContext, odoo: OdooResource, staging: StagingDatabase):
    """The day's accepted labor lines as Odoo timesheet lines on each job's phase, posted exactly once."""
    batch = current_batch(staging.engine, DOMAIN, context.partition_key)
    if batch is None:
        raise dg.Failure(description=f"No staged labor batch for {context.partition_key}; materialize labor_batch first.")
    batch_id = batch["batch_id"]

    # The gate, again: the post re-checks the batch itself instead of trusting that checks ran.
    try:
        verify_labor_batch(staging.engine, batch)
    except PostingRefused as refusal:
        if batch["status"] != "rejected":  # a reviewer's rejection stays as it was recorded
            set_batch_status(staging.engine, batch_id, "held", str(refusal))
        raise dg.Failure(description=f"Batch {batch_id} not posted: {refusal}") from refusal

    try:
        acquire_posting_lease(staging.engine, batch_id, context.run_id,
                              holder_ended=lambda holder: run_has_ended(context.instance, holder))
    except PostingLeaseTaken as taken:
        raise dg.Failure(description=str(taken)) from taken
    lines = iter_staged_labor_lines(staging.engine, batch_id)  # read page by page as the chunks post
    client = odoo.get_client(log=context.log)
    set_batch_status(staging.engine, batch_id, "posting")
    try:
        result = post_timesheets(
            client, staging.engine, batch_id=batch_id, lines=lines, chunk_size=odoo.chunk_size, log=context.log
        )
    except PostingRejected as rejection:
        set_batch_status(staging.engine, batch_id, "post_failed", str(rejection))
        raise dg.Failure(description=str(rejection)) from rejection
    finally:
        release_posting_lease(staging.engine, batch_id, context.run_id)
    hold_rejected_lines(staging.engine, batch, result.rejected)
    batch = current_batch(staging.engine, DOMAIN, context.partition_key)
    rejected_note = f"{len(result.rejected)} lines rejected by Odoo and held for review" if result.rejected else None
    ids = sorted(result.odoo_ids)
    # A rerun finds the lines already there; saying so keeps the audit log from reading as a second post.
    posted_note = (f"{result.posted} timesheet lines in Odoo (ids {ids[0]}-{ids[-1]}): {result.created} created now, "
                   f"{result.already_in_odoo} already there") if ids else "no lines to post"
    set_batch_status(staging.engine, batch_id, "posted", "; ".join(filter(None, [posted_note, rejected_note])))

    # Reconcile: read the batch back from Odoo and compare with staging and the control record.
    odoo_count, odoo_hours = read_back_totals(
        client, (full_external_id(line["external_id"]) for line in iter_staged_labor_lines(staging.engine, batch_id))
    )
    staged_count, staged_hours = staged_totals(staging.engine, batch_id)
    # What the control record leaves for Odoo once the held rows are taken out. The gate
    # has already proved that the file's rows and hours equal the control record.
    expected_count = batch["rows_in"] - batch["rows_excepted"]
    expected_hours = batch["control_hours"] - (batch["file_hours"] - batch["staged_hours"])
    reconciliation = reconciliation_result(
        odoo_count=odoo_count,
        odoo_hours=odoo_hours,
        staged_count=staged_count,
        staged_hours=staged_hours,
        expected_count=expected_count,
        expected_hours=expected_hours,
    )
    if reconciliation.passed:
        set_batch_status(staging.engine, batch_id, "reconciled", rejected_note)
    else:
        set_batch_status(staging.engine, batch_id, "posted", f"reconciliation failed: {reconciliation.description}")
    context.log.info(
        "Batch %s posted: %d lines in Odoo (%d created now, %d already there), %s hours",
        batch_id, result.posted, result.created, result.already_in_odoo, odoo_hours,
    )

    yield dg.MaterializeResult(
        metadata={
            "batch_id": batch_id,
            "source_file": batch["source_file"],
            "content_hash": batch["content_hash"],
            "rows_in": batch["rows_in"],
            "rows_staged": staged_count,
            "rows_excepted": batch["rows_excepted"],
            "rows_rejected_by_odoo": len(result.rejected),
            "rows_posted": result.posted,
            "rows_created_now": result.created,
            "rows_already_in_odoo": result.already_in_odoo,
            "posted_hours": str(odoo_hours),
            "odoo_id_range": f"{ids[0]}-{ids[-1]}" if ids else "none",
            "chunks": result.chunks,
            "transient_retries": result.transient_retries,
            "odoo_target": odoo.describe(),
            "external_ids": result.external_id_warning or "registered in ir.model.data",
        },
        check_results=[reconciliation],
    )


labor_assets = [labor_extract, labor_batch, labor_timesheets]
