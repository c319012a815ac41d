"""`python -m demo run` (what `make demo` calls) and `python -m demo services`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import date


def run() -> int:
    from demo.drops import DEMO_DATES, write_demo_drops
    from demo.report import count_ledger_rows, print_report
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

        # Import after the environment is set: the definitions read it at load time.
        from dagster import DagsterInstance

        from pipelines.definitions import defs

        job = defs.resolve_job_def("labor_nightly")
        instance = DagsterInstance.get()
        outcomes: dict[date, bool] = {}
        for business_date in DEMO_DATES:
            print(f"Running labor_nightly for {business_date} ...", flush=True)
            result = job.execute_in_process(
                partition_key=business_date.isoformat(),
                instance=instance,
                raise_on_error=False,
                # The full event log is in the Dagster instance (see `make dev`); the console
                # shows only the summary below.
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            )
            outcomes[business_date] = result.success

        print_report(settings, outcomes, DEMO_DIR / "exceptions.xlsx", created_now=count_ledger_rows(settings) - ledger_before)
    return 0


def services() -> int:
    from demo.services import running_services
    from demo.settings import load_settings, write_dotenv

    settings = load_settings()
    write_dotenv(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_services(settings):
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The embedded SFTP server logs every client disconnect as a socket error, and the
    # resources log each fetch; the demo prints its own summary instead.
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    logging.getLogger("dagster").setLevel(logging.WARNING)
    try:
        return run() if args.command == "run" else services()
    except PortInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
