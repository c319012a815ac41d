"""Finance commands on the staging database.

    python -m staging exceptions-workbook --out FILE     write held batches and rows to .xlsx
    python -m staging batches [--domain D] [--status S]  list batches with their status and totals
    python -m staging approve --batch ID --approver NAME --reason TEXT
                                                         approve a batch that waits for approval
    python -m staging audit --batch ID                   show approvals and corrections of a batch

The staging database URL comes from STAGING_DATABASE_URL, as for the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from resources.staging import StagingDatabase
from staging.batches import list_batches
from staging.journal import audit_entries, record_approval
from staging.workbook import write_exceptions_workbook


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
    listing.add_argument("--domain", default=None, help="labor, equipment or accruals")
    listing.add_argument("--status", default=None, help="e.g. awaiting_approval, held, reconciled")
    audit = commands.add_parser("audit", help="show the audit trail of a batch")
    audit.add_argument("--batch", required=True, help="batch id")
    args = parser.parse_args(argv)

    url = os.environ.get("STAGING_DATABASE_URL")
    if not url:
        parser.error("STAGING_DATABASE_URL is not set; point it at the staging database")
    staging = StagingDatabase(url=url)
    if args.command == "batches":
        for batch in list_batches(staging.engine, args.domain, args.status):
            amount = batch["staged_amount"] if batch["staged_amount"] is not None else f"{batch['staged_hours']} h"
            print(f"{batch['partition_key']}  {batch['batch_id']}  {batch['status']:<18} rows in {batch['rows_in']}, "
                  f"staged {batch['rows_staged']}, held {batch['rows_excepted']}, amount {amount}"
                  + (f"  ({batch['status_reason']})" if batch["status_reason"] else ""))
        return 0
    if args.command == "audit":
        for item in audit_entries(staging.engine, args.batch):
            print(f"{item['recorded_at']:%Y-%m-%d %H:%M:%S}  {item['action']}  {item['detail']}")
        return 0
    if args.command == "approve":
        try:
            approval = record_approval(staging.engine, args.batch, args.approver, args.reason)
        except (LookupError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(
            f"Approved {approval['batch_id']} ({approval['partition_key']}, net amount {approval['total_debit']}) "
            f"as {approval['approver']}; run the partition again to post it."
        )
        return 0
    path = write_exceptions_workbook(staging.engine, args.out, args.domain)
    print(f"Wrote {path} from {staging.display_url()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
