"""Finance commands on the staging database.

    python -m staging exceptions-workbook --out FILE     write held batches and rows to .xlsx
    python -m staging batches [--domain D] [--status S]  list batches with their status and totals
    python -m staging approve --batch ID --approver NAME --reason TEXT
                                                         approve a batch that waits for approval
    python -m staging audit --batch ID                   show every step of a batch, with who and why
    python -m staging audit --csv FILE                   export the whole audit log for auditors
    python -m staging decide --batch ID --decision D --by NAME --reason TEXT
                             [--rows FILE:ROW ...] [--check NAME]
                                                         accept_warning, exclude_rows, reject or approve
    python -m staging upgrade                            create or upgrade the tables to this release's schema

The staging database URL comes from STAGING_DATABASE_URL, as for the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from resources.staging import StagingDatabase
from staging.batches import list_batches
from staging.decisions import DECISIONS, Decision, DecisionRefused, record_decision
from staging.journal import audit_entries, export_audit_csv
from staging.schema import SchemaTooNew, upgrade_schema
from staging.workbook import write_exceptions_workbook


DOMAINS = ("labor", "equipment", "accruals")
BATCH_STATUSES = (
    "checking", "staged", "held", "awaiting_approval", "approved", "provisional", "posting", "posted",
    "reconciled", "rejected", "reversed",
)


def print_batches(rows: list[dict]) -> None:
    """Print batches as a table: hours for labor and equipment, money (company currency) for the journal domains."""
    if not rows:
        print("No batches match.")
        return
    print(f"{'date':<11} {'batch id':<42} {'status':<18} {'rows in':>7} {'staged':>6} {'held':>5} "
          f"{'hours':>9} {'amount':>13}  reason")
    for batch in rows:
        hours = f"{batch['staged_hours']:.2f}" if batch["domain"] != "accruals" else ""
        amount = f"{batch['staged_amount']:,.2f}" if batch["staged_amount"] is not None else ""
        print(f"{batch['partition_key']:<11} {batch['batch_id']:<42} {batch['status']:<18} {batch['rows_in']:>7} "
              f"{batch['rows_staged']:>6} {batch['rows_excepted']:>5} {hours:>9} {amount:>13}  {batch['status_reason'] or ''}")


def upgrade_command(url: str) -> int:
    """Upgrade the schema and print the revisions before and after, without opening the database for anything else."""
    shown = make_url(url).render_as_string(hide_password=True)
    engine = create_engine(url)
    try:
        before, after = upgrade_schema(engine)
    except SchemaTooNew as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        print(f"error: cannot open the staging database {shown}: {reason}; check STAGING_DATABASE_URL "
              "and that the database exists", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if before == after:
        print(f"The staging database {shown} is at revision {after}, the newest; nothing to do.")
    else:
        print(f"Upgraded the staging database {shown} from revision {before or '(empty)'} to {after}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m staging", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    workbook = commands.add_parser("exceptions-workbook", help="write held batches and held rows to an .xlsx file")
    workbook.add_argument("--out", type=Path, required=True, help="path of the .xlsx file to write")
    workbook.add_argument("--domain", default=None, help="only this domain, e.g. labor")
    approve = commands.add_parser("approve", help="approve a staged batch as it is now (content and totals)")
    approve.add_argument("--batch", required=True, help="batch id, as shown in the run's metadata or the workbook")
    approve.add_argument("--approver", required=True, help="name of the person approving")
    approve.add_argument("--reason", required=True, help="why the batch may post")
    listing = commands.add_parser("batches", help="list batches with status, rows and amounts")
    listing.add_argument("--domain", default=None, choices=DOMAINS)
    listing.add_argument("--status", default=None, choices=BATCH_STATUSES)
    listing.add_argument("--held-rows", action="store_true",
                         help="only batches with rows held for review, whatever their status")
    audit = commands.add_parser("audit", help="show the audit trail of a batch, or export the whole log")
    audit.add_argument("--batch", help="batch id")
    audit.add_argument("--csv", type=Path, help="write the whole audit log to this CSV file")
    decide = commands.add_parser("decide", help="record a finance decision on a staged batch")
    decide.add_argument("--batch", required=True, help="batch id")
    decide.add_argument("--decision", required=True, choices=DECISIONS)
    decide.add_argument("--by", required=True, help="name of the reviewer")
    decide.add_argument("--reason", required=True, help="why")
    decide.add_argument("--rows", nargs="*", default=[], help="exclude_rows: FILE:ROW, e.g. timecards_20261118.csv:13")
    decide.add_argument("--check", help="accept_warning: the warning's check name")
    commands.add_parser("upgrade", help="create or upgrade the staging tables (every run also does this first)")
    args = parser.parse_args(argv)

    url = os.environ.get("STAGING_DATABASE_URL")
    if not url:
        parser.error("STAGING_DATABASE_URL is not set; point it at the staging database")
    if args.command == "upgrade":
        return upgrade_command(url)
    staging = StagingDatabase(url=url)
    if args.command == "batches":
        print_batches(list_batches(staging.engine, args.domain, args.status, held_rows_only=args.held_rows))
        return 0
    if args.command == "audit":
        if args.csv:
            count = export_audit_csv(staging.engine, args.csv)
            print(f"Wrote {count} audit entries to {args.csv}")
            return 0
        if not args.batch:
            parser.error("audit needs --batch or --csv")
        for item in audit_entries(staging.engine, args.batch):
            print(f"{item['recorded_at']:%Y-%m-%d %H:%M:%S}  {item['actor']}  {item['action']}  {item['detail']}")
        return 0
    if args.command == "decide":
        try:
            rows = tuple((text.rsplit(":", 1)[0], int(text.rsplit(":", 1)[1])) for text in args.rows)
        except (IndexError, ValueError):
            parser.error("--rows takes FILE:ROW values, e.g. timecards_20261118.csv:13")
        try:
            decision_id = record_decision(staging.engine, Decision(
                batch_id=args.batch, decision=args.decision, decided_by=args.by, reason=args.reason,
                check_name=args.check, source_rows=rows,
            ))
        except DecisionRefused as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"Recorded decision {decision_id} ({args.decision}) on {args.batch}; run the partition again to apply it.")
        return 0
    if args.command == "approve":
        try:
            record_decision(staging.engine, Decision(
                batch_id=args.batch, decision="approve", decided_by=args.approver, reason=args.reason))
        except DecisionRefused as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"Approved {args.batch} as {args.approver}; run the partition again to post it.")
        return 0
    path = write_exceptions_workbook(staging.engine, args.out, args.domain)
    print(f"Wrote {path} from {staging.display_url()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
