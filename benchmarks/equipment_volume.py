"""Time the steps of the equipment asset on generated telematics snapshots of a given size.

Usage: python -m benchmarks.equipment_volume --readings N [--staging-url URL] [--workdir DIR] [--format xml|json]

benchmarks.equipment_fleet writes two fleet snapshots holding N hour-meter readings in total
(N // 2 units, each read on the evening before and the evening of the business date) and a
SQLite equipment database with those units, their assignments and rates. Generating is not
timed. Then each step that assets.equipment.equipment_batch runs on the telematics path is
timed once with time.perf_counter, in this process and in the asset's order, by calling the
same functions with the same arguments.

Left out: listing, fetching and landing the snapshots over SFTP, and Odoo itself. The Odoo
reads (the asset's _check_against_odoo and the gate's master data) are served by
SyntheticOdoo from generated master data in memory.

Staging goes to a new temporary PostgreSQL database on 127.0.0.1:5432 (user postgres),
dropped afterwards, unless --staging-url names another database (e.g. sqlite:///bench.sqlite).
The script prints one JSON object and raises BenchmarkError when rows in differs from rows
staged plus rows held.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import Engine

from accounting.accounts import AccountPlan
from accounting.batch_flow import stage_and_gate
from accounting.equipment import equipment_entry as build_equipment_entry
from accounting.posting import entries_fingerprint
from assets.equipment import DOMAIN, EQUIPMENT_BATCH_KEY, _check_against_odoo, _control_result
from benchmarks.common import BenchmarkError, bounded_int, peak_rss_mib, staging_engine
from benchmarks.equipment_fleet import BUSINESS_DATE, generate_fleet
from checks.equipment_schema import validate_charge_lines, validate_usage_rows
from checks.review import exclude_reviewed_source_rows, source_row_records
from ingest.allocation import price_usage
from ingest.equipment_db import load_assignments, load_rates, load_units
from ingest.equipment_usage import compute_daily_usage
from ingest.telematics import read_fleet_snapshot
from pipelines.partitions import COMPANY_TIMEZONE
from staging.batches import BatchHeader
from staging.decisions import earlier_exclusions_by_record

MAX_READINGS = 1_000_000
MAX_READING_AGE = timedelta(days=3)  # the default of EquipmentSource.max_reading_age_days

log = logging.getLogger("benchmarks.equipment_volume")


def measure(readings: int, workdir: Path, staging_url: str | None, *, file_format: str = "xml") -> dict:
    """Generate inputs of `readings` readings in `workdir`, time each step once and return the results.

    `staging_url` None stages into a temporary PostgreSQL database that is dropped afterwards.
    Peak RSS covers the whole process so far, generation included, so call this in a fresh
    child process to compare sizes.
    """
    workdir = Path(workdir)
    fleet = generate_fleet(readings, workdir / "inputs", COMPANY_TIMEZONE, file_format=file_format)
    rss_after_generation = peak_rss_mib()

    with staging_engine(staging_url, "bench_equipment") as (engine, staging_name):
        seconds, outcome = _run_steps(fleet, engine, workdir / "review")

    total = sum(seconds.values())
    return {
        "readings": fleet.readings,
        "units": fleet.units,
        "snapshot_format": file_format,
        "snapshot_bytes": sum(path.stat().st_size for path in fleet.snapshot_paths),
        "staging": staging_name,
        **outcome,
        "seconds": {name: round(value, 3) for name, value in seconds.items()},
        "total_seconds": round(total, 3),
        "readings_per_second": round(fleet.readings / total) if total else None,
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "peak_rss_after_generation_mib": round(rss_after_generation, 1),
        "faults_generated": fleet.fault_counts,
        "python": platform.python_version(),
        "notes": [
            "Odoo is not called: _check_against_odoo and the gate's master-data reads get synthetic master data "
            "from memory (benchmarks.equipment_fleet.SyntheticOdoo), so Odoo's own time is not in any step.",
            "SFTP listing, fetching and landing of the snapshots are not run; the snapshots are read from local files.",
            "Each step runs once; times include the equipment database reads (SQLite) where the asset makes them.",
            "peak_rss_mib is ru_maxrss of the whole process, generation included; "
            "peak_rss_after_generation_mib is the same value before the first timed step.",
        ],
    }


def _run_steps(fleet, engine: Engine, review_dir: Path) -> tuple[dict[str, float], dict]:
    """Run the asset's telematics steps in its order and return the seconds of each and the counts."""
    business_date = BUSINESS_DATE
    partition_key = business_date.isoformat()
    plan = AccountPlan()
    client = fleet.master_data
    url = fleet.equipment_db_url
    seconds: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        seconds[name] = time.perf_counter() - started

    with step("parse_snapshots"):
        snapshots = [read_fleet_snapshot(path) for path in fleet.snapshot_paths]
    with step("compute_usage"):
        usage_result = compute_daily_usage(snapshots, business_date, COMPANY_TIMEZONE, max_reading_age=MAX_READING_AGE)
    usage, usage_exceptions, rows_in = usage_result.frame, usage_result.exceptions, usage_result.rows_in

    with step("validate_usage"):
        valid_usage, schema_exceptions = validate_usage_rows(usage, business_date)
    with step("price_usage"):
        charges, pricing_exceptions = price_usage(
            valid_usage, load_units(url), load_assignments(url, business_date), load_rates(url),
        )
    with step("check_charges"):
        charges, charge_exceptions = validate_charge_lines(charges, business_date)
        charges, odoo_exceptions = _check_against_odoo(client, charges, load_units(url))
        exceptions = usage_exceptions + schema_exceptions + pricing_exceptions + charge_exceptions + odoo_exceptions
        held_keys = {(item.source_file, item.source_row) for item in exceptions}
        accepted = charges[[(row.source_file, int(row.source_row)) not in held_keys for row in charges.itertuples()]]

    with step("build_entry"):
        def batch_id_for(remaining, excluded: list) -> str:
            content = entries_fingerprint(build_equipment_entry(remaining, business_date, "", plan), exceptions + excluded)
            return f"{DOMAIN}-{partition_key}-{content[:12]}"

        accepted, excluded = exclude_reviewed_source_rows(
            engine, accepted, batch_id_for, earlier_exclusions_by_record(engine, DOMAIN, partition_key, ""),
        )
        exceptions += [item for _, item in excluded]
        held_keys |= {(item.source_file, item.source_row) for _, item in excluded}
        content_hash = entries_fingerprint(build_equipment_entry(accepted, business_date, "", plan), exceptions)
        batch_id = f"{DOMAIN}-{partition_key}-{content_hash[:12]}"
        ref = f"EQP-{business_date:%Y%m%d}-{content_hash[:10]}"
        entries = build_equipment_entry(accepted, business_date, ref, plan)
        staged_amount = sum(accepted["amount"], Decimal("0.00"))
        usage_hours = sum(usage["usage_hours"], Decimal("0.00"))
        header = BatchHeader(
            batch_id=batch_id, domain=DOMAIN, partition_key=partition_key, source_file="benchmark snapshots",
            content_hash=content_hash, mapping="telematics", rows_in=rows_in,
            rows_staged=accepted["source_record_id"].nunique(), rows_excepted=len(held_keys),
            staged_hours=sum(accepted["hours"], Decimal("0.00")), file_hours=usage_hours, counted_rows=len(usage),
            control_count=None, control_hours=None, control_source=None,
            staged_amount=staged_amount, file_amount=staged_amount,
        )

    context = SimpleNamespace(log=log, instance=None)  # no posting lease exists, so instance is never read
    with step("stage_and_gate"):
        gate = stage_and_gate(
            context=context, asset_key=EQUIPMENT_BATCH_KEY, engine=engine, client=client, header=header,
            flagged=[(None, item) for item in exceptions], entries=entries,
            control_result=_control_result(None, len(usage), usage_hours, rows_in),
            extra_results=[], status_when_passed="staged", review_dir=str(review_dir),
            source_rows=source_row_records(charges, accepted),
        )

    if header.rows_in != header.rows_staged + gate.rows_excepted:
        raise BenchmarkError(
            f"rows in {header.rows_in} != rows staged {header.rows_staged} + rows held {gate.rows_excepted}"
        )
    failed_checks = sorted(result.check_name for result in gate.results if not result.passed)
    outcome = {
        "rows_in": header.rows_in,
        "rows_staged": header.rows_staged,
        "rows_held": gate.rows_excepted,
        "charge_lines_staged": len(accepted),
        "batch_status": gate.status,
        "failed_checks": failed_checks,
        "exceptions_by_reason": _count_reasons(exceptions),
    }
    return seconds, outcome


def _count_reasons(exceptions) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in exceptions:
        counts[item.reason.value] = counts.get(item.reason.value, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readings", type=bounded_int(2, MAX_READINGS), required=True,
                        help=f"hour-meter readings in the two snapshots together, 2 to {MAX_READINGS}")
    parser.add_argument("--staging-url", default=None,
                        help="SQLAlchemy URL of the staging database; default: a temporary PostgreSQL database "
                             "on 127.0.0.1:5432, dropped afterwards")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the generated inputs and the review workbook; default: a temporary folder")
    parser.add_argument("--format", dest="file_format", choices=("xml", "json"), default="xml",
                        help="format of the snapshot files (default: xml)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    if args.workdir is not None:
        results = measure(args.readings, args.workdir, args.staging_url, file_format=args.file_format)
    else:
        with tempfile.TemporaryDirectory(prefix="equipment-volume-") as workdir:
            results = measure(args.readings, Path(workdir), args.staging_url, file_format=args.file_format)
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
