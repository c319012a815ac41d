"""`python -m staging exceptions-workbook --out FILE`: write the exceptions workbook for finance.

The staging database URL comes from STAGING_DATABASE_URL, as for the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from resources.staging import StagingDatabase
from staging.workbook import write_exceptions_workbook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m staging", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    workbook = commands.add_parser("exceptions-workbook", help="write held batches and held rows to an .xlsx file")
    workbook.add_argument("--out", type=Path, required=True, help="path of the .xlsx file to write")
    workbook.add_argument("--domain", default=None, help="only this domain, e.g. labor")
    args = parser.parse_args(argv)

    url = os.environ.get("STAGING_DATABASE_URL")
    if not url:
        parser.error("STAGING_DATABASE_URL is not set; point it at the staging database")
    staging = StagingDatabase(url=url)
    path = write_exceptions_workbook(staging.engine, args.out, args.domain)
    print(f"Wrote {path} from {staging.display_url()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
