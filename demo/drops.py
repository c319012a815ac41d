"""The demo's SFTP drops: four business dates, one with rows to hold and one that does not balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from demo.extracts import sample_labor_rows, write_labor_extract
from ingest.records import ControlRecord

DEMO_DATES = (date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19))
DAY_WITH_HELD_ROWS = date(2026, 11, 18)
DAY_OUT_OF_BALANCE = date(2026, 11, 19)


def demo_rows(business_date: date) -> list[dict]:
    rows = sample_labor_rows(business_date, crew_size=8)
    if business_date == DAY_WITH_HELD_ROWS:
        # A phase that does not exist on the job in Odoo, and an operator booked for 18 hours.
        rows.append({**rows[0], "cost_code": "09 91 00", "pay_type": "RT", "hours": Decimal("2.00")})
        rows.append({**rows[0], "employee_id": "E1005", "craft": "OPER", "job": "J-2302",
                     "cost_code": "31 23 00", "pay_type": "RT", "hours": Decimal("10.00")})
    return rows


def write_demo_drops(drop_dir: Path, layout: str) -> list[Path]:
    """Write each demo date's extract, control file and .done marker unless it is already there.

    Files are never rewritten, so a second demo run finds the same content on the drop.
    """
    written: list[Path] = []
    for business_date in DEMO_DATES:
        rows = demo_rows(business_date)
        override = None
        if business_date == DAY_OUT_OF_BALANCE:
            hours = sum((Decimal(str(row["hours"])) for row in rows), Decimal("0.00"))
            # The sender's control file claims two hours more than the detail rows hold.
            override = ControlRecord(record_count=len(rows), total_hours=hours + Decimal("2.00"), source="demo")
        if any(drop_dir.glob(f"*{business_date:%Y%m%d}*")):
            continue
        written += write_labor_extract(layout, business_date, drop_dir, rows, control_override=override, done_marker=True)
    return written
