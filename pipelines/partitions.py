"""Partitions: business dates in the company's time zone."""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg

# The company's time zone decides which calendar day a partition is and when
# "yesterday" ends for the nightly schedule.
COMPANY_TIMEZONE = os.environ.get("COMPANY_TIMEZONE", "America/Chicago")
try:
    ZoneInfo(COMPANY_TIMEZONE)
except (ZoneInfoNotFoundError, ValueError) as error:
    # Checked when the code location loads, so no job can start with the wrong calendar.
    raise ValueError(
        f"COMPANY_TIMEZONE {COMPANY_TIMEZONE!r} is not a time zone; use an IANA name such as America/Chicago"
    ) from error

# First business date of the partitions, so the earliest date a backfill can start.
DAILY_PARTITIONS_START = os.environ.get("DAILY_PARTITIONS_START", "2026-01-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=DAILY_PARTITIONS_START, timezone=COMPANY_TIMEZONE)

# Accounting periods: one partition per calendar month, keyed by its first day ("2026-11-01").
# The current month is a partition too (end_offset=1) so that a controller can stage a
# provisional month-to-date accrual; the posting step posts a period only after it ends.
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=DAILY_PARTITIONS_START, timezone=COMPANY_TIMEZONE, end_offset=1
)
