"""Equipment domain: the firm's own machines charged to jobs at internal rates, as a daily journal entry.

equipment_batch -> usage per unit for the business date (telematics snapshots from SFTP, or
                   the equipment database), priced at the rate in force and split over the
                   day's job assignments; staged as one balanced entry behind blocking checks
equipment_entry -> that entry posted once into Odoo and read back
"""

import re
import tempfile
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pandas as pd

from accounting.accounts import AccountPlan
from accounting.batch_flow import post_staged_batch, stage_and_gate
from accounting.equipment import equipment_entry as build_equipment_entry
from accounting.posting import entries_fingerprint
from assets.owners import BATCH_OWNERS
from checks.equipment_schema import validate_charge_lines, validate_usage_rows
from checks.journal import (
    CONTROL_TOTALS_MATCH,
    journal_check_specs,
    posted_check_specs,
    result,
)
from checks.review import exclude_reviewed_source_rows, source_row_records
from ingest.allocation import price_usage
from ingest.equipment_db import load_assignments, load_rates, load_units, read_db_usage
from ingest.equipment_usage import compute_daily_usage
from ingest.landing import land
from ingest.records import OwnerRole, Reason, RowException
from ingest.telematics import read_fleet_snapshot
from odoo_io.master_data import fetch_labor_master_data
from pipelines.company import COMPANY_KEY_PREFIX, company_asset_key
from pipelines.partitions import COMPANY_TIMEZONE, daily_partitions
from resources.equipment_source import EquipmentSource
from resources.odoo import ODOO_API_POOL, OdooResource
from resources.sftp import SFTPError, SFTPResource
from resources.staging import StagingDatabase
from staging.batches import BatchHeader, LandedDelivery, record_landed
from staging.decisions import earlier_exclusions_by_record

DOMAIN = "equipment"
EQUIPMENT_BATCH_KEY = company_asset_key("equipment_batch")
EQUIPMENT_ENTRY_KEY = company_asset_key("equipment_entry")
SNAPSHOT_NAME = re.compile(r"^fleet_(\d{8})\.(xml|json)$")


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=DOMAIN,
    owners=BATCH_OWNERS,
    partitions_def=daily_partitions,
    check_specs=journal_check_specs(EQUIPMENT_BATCH_KEY, daily_partitions),
    kinds={"sftp", "sqlalchemy"},
)
def equipment_batch(
    context: dg.AssetExecutionContext,
    equipment_source: EquipmentSource,
    sftp: SFTPResource,
    odoo: OdooResource,
    staging: StagingDatabase,
):
    """The day's equipment charges by job and cost code, checked and staged as one balanced entry."""
    business_date = date.fromisoformat(context.partition_key)
    plan = AccountPlan()
    client = odoo.preflight(context.log, DOMAIN)  # before any snapshot lands

    # Step 1: usage per unit for the day, from telematics snapshots or the equipment database.
    if equipment_source.source == "telematics":
        usage, usage_exceptions, rows_in, control, source_name = _telematics_usage(
            context, equipment_source, sftp, staging, business_date
        )
    else:
        usage, control = read_db_usage(equipment_source.url, business_date)
        usage_exceptions, rows_in = [], len(usage)
        source_name = "equipment database"

    # Step 2: schema, pricing at the rate in force, Odoo units, jobs and cost codes.
    valid_usage, schema_exceptions = validate_usage_rows(usage, business_date)
    charges, pricing_exceptions = price_usage(
        valid_usage, load_units(equipment_source.url), load_assignments(equipment_source.url, business_date),
        load_rates(equipment_source.url),
    )
    charges, charge_exceptions = validate_charge_lines(charges, business_date)
    charges, odoo_exceptions = _check_against_odoo(client, charges, load_units(equipment_source.url))
    exceptions = usage_exceptions + schema_exceptions + pricing_exceptions + charge_exceptions + odoo_exceptions

    # A unit-day posts whole or not at all: drop every line of a unit-day with an exception.
    held_keys = {(item.source_file, item.source_row) for item in exceptions}
    accepted = charges[[(row.source_file, int(row.source_row)) not in held_keys for row in charges.itertuples()]]

    # Unit-days a reviewer excluded from this content leave the batch, listed as excluded.
    def batch_id_for(remaining, excluded: list) -> str:
        content = entries_fingerprint(build_equipment_entry(remaining, business_date, "", plan), exceptions + excluded)
        return f"{DOMAIN}-{context.partition_key}-{content[:12]}"

    accepted, excluded = exclude_reviewed_source_rows(
        staging.engine, accepted, batch_id_for,
        earlier_exclusions_by_record(staging.engine, DOMAIN, context.partition_key, ""),
    )
    exceptions += [item for _, item in excluded]
    held_keys |= {(item.source_file, item.source_row) for _, item in excluded}

    # Step 3: the entry, the staged batch and the gate. The batch is keyed by what would
    # post, so a new rate or assignment makes a new batch that corrects the posted one.
    content_hash = entries_fingerprint(build_equipment_entry(accepted, business_date, "", plan), exceptions)
    batch_id = f"{DOMAIN}-{context.partition_key}-{content_hash[:12]}"
    ref = f"EQP-{business_date:%Y%m%d}-{content_hash[:10]}"
    entries = build_equipment_entry(accepted, business_date, ref, plan)
    staged_amount = sum(accepted["amount"], Decimal("0.00"))
    usage_hours = sum(usage["usage_hours"], Decimal("0.00"))
    header = BatchHeader(
        batch_id=batch_id, domain=DOMAIN, partition_key=context.partition_key, source_file=source_name,
        content_hash=content_hash, mapping=equipment_source.source, rows_in=rows_in,
        rows_staged=accepted["source_record_id"].nunique(), rows_excepted=len(held_keys),
        staged_hours=sum(accepted["hours"], Decimal("0.00")), file_hours=usage_hours, counted_rows=len(usage),
        control_count=control.record_count if control else None,
        control_hours=control.total_hours if control else None,
        control_source=control.source if control else None,
        staged_amount=staged_amount, file_amount=staged_amount,
    )
    gate = stage_and_gate(
        context=context, asset_key=EQUIPMENT_BATCH_KEY, engine=staging.engine, client=client, header=header,
        flagged=[(None, item) for item in exceptions], entries=entries,
        control_result=_control_result(control, len(usage), usage_hours, rows_in),
        extra_results=[], status_when_passed="staged", review_dir=staging.review_dir,
        source_rows=source_row_records(charges, accepted),
    )

    yield dg.MaterializeResult(
        metadata={
            "batch_id": batch_id,
            "status": gate.status,
            "source": source_name,
            "unit_days_in": rows_in,
            "unit_days_staged": header.rows_staged,
            "unit_days_held": gate.rows_excepted,
            "usage_hours": str(usage_hours),
            "charge_amount": str(staged_amount),
            "charge_lines": len(accepted),
            "entry": f"{ref} dated {business_date}" if entries else "none",
        },
        check_results=gate.results,
    )


def _control_result(control, usage_rows: int, usage_hours: Decimal, units_seen: int) -> dg.AssetCheckResult:
    if control is None:
        # Telematics snapshots carry no control record; every unit seen must be accounted for instead.
        return result(EQUIPMENT_BATCH_KEY, CONTROL_TOTALS_MATCH, True, None,
                      {"control_source": "none (telematics)", "units_seen": units_seen})
    passed = control.record_count == usage_rows and control.total_hours == usage_hours
    return result(
        EQUIPMENT_BATCH_KEY, CONTROL_TOTALS_MATCH, passed,
        f"Usage has {usage_rows} rows and {usage_hours} hours; the control record says {control.record_count} rows "
        f"and {control.total_hours} hours.",
        {"usage_rows": usage_rows, "usage_hours": str(usage_hours), "control_count": control.record_count,
         "control_hours": str(control.total_hours), "control_source": control.source},
    )


def _telematics_usage(context, source: EquipmentSource, sftp: SFTPResource, staging, business_date: date):
    """Fetch and land the snapshots from the evening before to the day after, then compute usage."""
    snapshot_days = {f"{business_date + timedelta(days=offset):%Y%m%d}" for offset in (-1, 0, 1)}
    try:
        complete = [remote for remote in sftp.list_complete_files(source.remote_dir, pattern="fleet_*")
                    if (match := SNAPSHOT_NAME.match(remote.name)) and match.group(1) in snapshot_days]
    except SFTPError as error:
        raise dg.Failure(description=f"Cannot list fleet snapshots in {source.remote_dir}: {error}") from error
    if not complete:
        raise dg.Failure(description=f"No complete fleet snapshot around {business_date} in {source.remote_dir}.")

    snapshots = []
    with tempfile.TemporaryDirectory(prefix="fleet-fetch-") as download_dir:
        for remote in complete:
            landed = land(sftp.fetch(remote, download_dir), source.landing_dir)
            record_landed(staging.engine, LandedDelivery(
                content_hash=landed.sha256, domain=DOMAIN, remote_path=remote.path, landed_path=str(landed.path),
                file_hash=landed.sha256, size=landed.size, companion_path=None, companion_hash=None,
                partition_key=context.partition_key,
            ))
            snapshots.append(read_fleet_snapshot(landed.path))
    usage = compute_daily_usage(snapshots, business_date, COMPANY_TIMEZONE,
                                max_reading_age=timedelta(days=source.max_reading_age_days))
    names = ", ".join(sorted(remote.name for remote in complete))
    return usage.frame, usage.exceptions, usage.rows_in, None, names


def _check_against_odoo(client, charges: pd.DataFrame, units) -> tuple[pd.DataFrame, list[RowException]]:
    """Hold charge lines whose unit, job or cost code Odoo does not have, or has archived or closed."""
    if charges.empty:
        return charges, []
    pins = {unit.unit_id: unit.pin or unit.serial_no for unit in units}
    equipment = {
        row["serial_no"]: row
        for row in client.search_read("maintenance.equipment", [("serial_no", "in", sorted(set(pins.values()) - {None}))],
                                      ["serial_no", "active", "name"], context={"active_test": False})
    }
    jobs = fetch_labor_master_data(client, set(charges["job"]), set()).jobs
    cost_codes = {row["code"] for row in client.search_read(
        "account.analytic.account", [("code", "in", sorted(set(charges["cost_code"])))], ["code"])}

    exceptions = []
    for row in charges.itertuples(index=False):
        def held(column, value, reason, message):
            exceptions.append(RowException(row.source_file, int(row.source_row), column, str(value), reason,
                                           OwnerRole.MASTER_DATA, message))

        record = equipment.get(pins.get(row.unit_id))
        if record is None:
            held("unit_id", row.unit_id, Reason.UNKNOWN_EQUIPMENT, f"unit {row.unit_id} is not in Odoo's equipment")
        elif not record["active"]:
            held("unit_id", row.unit_id, Reason.INACTIVE_EQUIPMENT, f"unit {row.unit_id} is archived in Odoo")
        job = jobs.get(row.job)
        if job is None:
            held("job", row.job, Reason.UNKNOWN_JOB, f"no project with analytic account code {row.job} in Odoo")
        elif job.closed or not job.active:
            held("job", row.job, Reason.JOB_CLOSED, f"job {row.job} ({job.name}) is closed in Odoo")
        if row.cost_code not in cost_codes:
            held("cost_code", row.cost_code, Reason.UNKNOWN_COST_CODE,
                 f"no analytic account with code {row.cost_code} in Odoo's cost code plan")
    return charges, exceptions


@dg.asset(
    key_prefix=COMPANY_KEY_PREFIX,
    group_name=DOMAIN,
    owners=BATCH_OWNERS,
    partitions_def=daily_partitions,
    deps=[equipment_batch],
    check_specs=posted_check_specs(EQUIPMENT_ENTRY_KEY, daily_partitions),
    kinds={"odoo"},
    pool=ODOO_API_POOL,
)
def equipment_entry(context: dg.AssetExecutionContext, odoo: OdooResource, staging: StagingDatabase):
    """The day's equipment charge entry in Odoo, posted once and read back."""
    yield post_staged_batch(
        context=context, asset_key=EQUIPMENT_ENTRY_KEY, domain=DOMAIN, engine=staging.engine, odoo=odoo,
        require_approval=False,
    )


equipment_assets = [equipment_batch, equipment_entry]
