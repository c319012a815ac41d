"""`python -m demo run` (what `make demo` calls) and `python -m demo services`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import date


QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run() -> int:
    from demo.drops import DEMO_DATES, write_demo_drops
    from demo.ledger_history import post_ledger_history
    from demo.month_end import ACCRUAL_PERIOD, prepare_sources
    from demo.report import count_ledger_rows, print_journal_report, print_month_end_report, print_report
    from demo.services import running_services
    from demo.settings import DEMO_DIR, REMOTE_DIR, load_settings, write_dotenv

    settings = load_settings()
    write_dotenv(settings)
    os.environ.update(settings.pipeline_environment())

    ledger_before = count_ledger_rows(settings)
    with running_services(settings):
        drop_dir = settings.sftp_root / REMOTE_DIR.lstrip("/")
        written = write_demo_drops(drop_dir, os.environ["LABOR_MAPPING"])
        print(f"SFTP drop {REMOTE_DIR}: {len(written)} new files written" if written else
              f"SFTP drop {REMOTE_DIR}: extracts already there from an earlier run")
        prepare_sources(settings)

        # Import after the environment is set: the definitions read it at load time.
        from dagster import DagsterInstance

        from pipelines.definitions import defs

        instance = DagsterInstance.get()

        def execute(job_name: str, partition_key: str) -> bool:
            # The full event log is in the Dagster instance (see `make dev`); the console
            # shows only the summaries below.
            job = defs.resolve_job_def(job_name)
            return job.execute_in_process(
                partition_key=partition_key, instance=instance, raise_on_error=False, run_config=QUIET
            ).success

        outcomes: dict[date, bool] = {}
        for business_date in DEMO_DATES:
            print(f"Running labor_nightly for {business_date} ...", flush=True)
            outcomes[business_date] = execute("labor_nightly", business_date.isoformat())
        equipment_outcomes: dict[str, bool] = {}
        for business_date in DEMO_DATES:
            print(f"Running equipment_nightly for {business_date} ...", flush=True)
            equipment_outcomes[business_date.isoformat()] = execute("equipment_nightly", business_date.isoformat())

        print(f"Running accruals_month_end for {ACCRUAL_PERIOD} ...", flush=True)
        accrual_outcomes = {ACCRUAL_PERIOD: execute("accruals_month_end", ACCRUAL_PERIOD)}
        approval = approve_waiting_batch(settings, ACCRUAL_PERIOD)
        if approval:
            print(approval, flush=True)
            print(f"Running accruals_month_end for {ACCRUAL_PERIOD} again ...", flush=True)
            accrual_outcomes[ACCRUAL_PERIOD] = execute("accruals_month_end", ACCRUAL_PERIOD)

        print("Posting the demo company's earlier job cost and billings (once) ...", flush=True)
        post_ledger_history(settings)
        print(f"Running month_end_reports for {ACCRUAL_PERIOD} ...", flush=True)
        report = defs.resolve_job_def("month_end_reports").execute_in_process(
            partition_key=ACCRUAL_PERIOD, instance=instance, raise_on_error=False, run_config=QUIET)

        health = defs.resolve_job_def("integration_health_job").execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={**QUIET, "ops": {"integration_health": {"config": {"out_dir": str(DEMO_DIR / "health")}}}})

        print_report(settings, outcomes, DEMO_DIR / "exceptions.xlsx")
        print_journal_report(settings, "equipment", equipment_outcomes)
        print_journal_report(settings, "accruals", accrual_outcomes)
        print_month_end_report(report)
        print()
        if health.success:
            metadata = health.asset_materializations_for_node("integration_health")[0].metadata
            paths = [str(metadata[key].value) for key in ("workbook_path", "chart_path")]
            print(f"Integration health: {', '.join(paths)}")
        print(f"This run created {count_ledger_rows(settings) - ledger_before} records in Odoo "
              "(timesheet lines and journal entries); a second run creates none.")
        print("Browse runs and checks with `make services` in one terminal and `make dev` in another.")
    return 0


def approve_waiting_batch(settings, partition_key: str) -> str | None:
    """Approve the period's accrual batch the way a controller does, with the staging command."""
    from staging.__main__ import main as staging_command
    from staging.batches import current_batch
    from resources.staging import StagingDatabase

    staging = StagingDatabase(url=settings.pipeline_environment()["STAGING_DATABASE_URL"])
    batch = current_batch(staging.engine, "accruals", partition_key)
    if batch is None or batch["status"] != "awaiting_approval":
        return None
    arguments = ["approve", "--batch", batch["batch_id"], "--approver", "Dana Controller", "--reason", "demo month-end close"]
    print("The accrual batch waits for approval; the demo approves it as a controller would:")
    print("  STAGING_DATABASE_URL=... .venv/bin/python -m staging " + " ".join(
        f"'{argument}'" if " " in argument else argument for argument in arguments))
    staging_command(arguments)
    return "Approved."


def services(with_data: bool = False) -> int:
    from demo.drops import write_demo_drops
    from demo.month_end import prepare_sources
    from demo.services import running_services
    from demo.settings import REMOTE_DIR, load_settings, write_dotenv

    settings = load_settings()
    write_dotenv(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_services(settings):
        if with_data:
            # What `demo run` drops and creates before its runs, for runs launched from elsewhere.
            write_demo_drops(settings.sftp_root / REMOTE_DIR.lstrip("/"), settings.pipeline_environment()["LABOR_MAPPING"])
            prepare_sources(settings)
        print(f"SFTP server on 127.0.0.1:{settings.sftp_port}, Odoo sandbox on 127.0.0.1:{settings.odoo_port}")
        print("Settings for `make dev` are in .env. Press Ctrl+C to stop.", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    from demo.services import PortInUseError

    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("command", choices=["run", "services"], help="run: the whole demo; services: servers only")
    parser.add_argument("--with-data", action="store_true",
                        help="services: also write the demo's extracts to the drop and create its source databases")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The embedded SFTP server logs every client disconnect as a socket error, and the
    # resources log each fetch; the demo prints its own summary instead.
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    logging.getLogger("dagster").setLevel(logging.WARNING)
    try:
        return run() if args.command == "run" else services(with_data=args.with_data)
    except PortInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
