"""Daily usage from hour-meter readings: bracketing, staleness, meter resets, the row count rule."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from ingest.equipment_usage import USAGE_COLUMNS, compute_daily_usage
from ingest.records import Reason
from ingest.telematics import parse_fleet_document

TZ = "America/Chicago"
DAY = date(2026, 11, 17)
# 23:18 Chicago time (UTC-6 in November) on the evenings around DAY
EVENING_BEFORE = datetime(2026, 11, 17, 5, 18, tzinfo=timezone.utc)
EVENING_OF = datetime(2026, 11, 18, 5, 18, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def snapshot(name: str, taken_at: datetime, readings: list[tuple]):
    """A JSON snapshot; each reading is (pin, hours, read_at) or (pin, serial, hours, read_at)."""
    equipment = []
    for reading in readings:
        pin, serial, hours, read_at = reading if len(reading) == 4 else (reading[0], None, *reading[1:])
        block = {"EquipmentHeader": {"PIN": pin or "", "SerialNumber": serial or ""}}
        if hours is not None:
            block["CumulativeOperatingHours"] = {"datetime": stamp(read_at), "Hour": str(hours)}
        equipment.append(block)
    document = {"snapshotTime": stamp(taken_at), "Equipment": equipment}
    return parse_fleet_document(json.dumps(document).encode(), name)


def two_evenings(start_hours="100.0", end_hours="109.4", pin="P1"):
    return [
        snapshot("fleet_20261116.json", EVENING_BEFORE, [(pin, start_hours, EVENING_BEFORE)]),
        snapshot("fleet_20261117.json", EVENING_OF, [(pin, end_hours, EVENING_OF)]),
    ]


def test_usage_between_evening_readings():
    result = compute_daily_usage(two_evenings(), DAY, TZ)
    assert result.exceptions == []
    row = result.frame.iloc[0]
    assert tuple(result.frame.columns) == USAGE_COLUMNS
    assert row.source_file == "fleet_20261117.json"
    assert row.source_row == 1
    assert row.source_record_id == "P1:2026-11-17"
    assert row.unit_key == "P1"
    assert row.work_date == pd.Timestamp("2026-11-17")
    assert row.meter_start == Decimal("100.0")
    assert row.meter_end == Decimal("109.4")
    assert row.usage_hours == Decimal("9.40")


def test_usage_frame_dtypes():
    frame = compute_daily_usage(two_evenings(), DAY, TZ).frame
    assert frame["source_row"].dtype == "int64"
    assert frame["work_date"].dtype == "datetime64[ns]"
    assert str(frame["read_start_at"].dtype) == "datetime64[ns, UTC]"
    assert frame["usage_hours"].dtype == object


def test_usage_rounds_half_up_once():
    result = compute_daily_usage(two_evenings("100.000", "108.125"), DAY, TZ)
    assert result.frame.iloc[0].usage_hours == Decimal("8.13")


def test_consecutive_days_share_readings():
    readings = [Decimal("100.0"), Decimal("109.4"), Decimal("118.1"), Decimal("127.0")]
    snapshots = [
        snapshot(f"fleet_{i}.json", EVENING_BEFORE + timedelta(days=i), [("P1", hours, EVENING_BEFORE + timedelta(days=i))])
        for i, hours in enumerate(readings)
    ]
    days = [DAY + timedelta(days=i) for i in range(3)]
    usage = [compute_daily_usage(snapshots, day, TZ).frame.iloc[0].usage_hours for day in days]
    assert usage == [Decimal("9.40"), Decimal("8.70"), Decimal("8.90")]
    assert sum(usage) == readings[-1] - readings[0]


def test_readings_exactly_at_midnights():
    # 2026-11-01 is 25 hours long in Chicago: it starts at 05:00Z (CDT) and ends at 06:00Z (CST).
    start = datetime(2026, 11, 1, 5, 0, tzinfo=timezone.utc)
    end = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)
    snapshots = [
        snapshot("a.json", start, [("P1", "10", start)]),
        snapshot("b.json", end, [("P1", "35", end)]),
    ]
    result = compute_daily_usage(snapshots, date(2026, 11, 1), TZ)
    assert result.frame.iloc[0].usage_hours == Decimal("25.00")


def test_no_closing_reading():
    snapshots = two_evenings()[:1]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert result.frame.empty
    assert [e.reason for e in result.exceptions] == [Reason.NO_BRACKETING_READINGS]
    assert "end" in result.exceptions[0].message


def test_no_opening_reading():
    snapshots = two_evenings()[1:]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert [e.reason for e in result.exceptions] == [Reason.NO_BRACKETING_READINGS]
    assert "start" in result.exceptions[0].message


def test_reading_before_boundary_tolerance():
    # A reading at 20:00 local is too early to stand for midnight, and nothing comes after it.
    early = datetime(2026, 11, 18, 2, 0, tzinfo=timezone.utc)
    snapshots = [two_evenings()[0], snapshot("late.json", EVENING_OF, [("P1", "109.4", early)])]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert [e.reason for e in result.exceptions] == [Reason.NO_BRACKETING_READINGS]


def test_unit_stopped_reporting_is_stale():
    old = datetime(2026, 11, 13, 21, 40, tzinfo=timezone.utc)
    snapshots = [
        snapshot("fleet_20261116.json", EVENING_BEFORE, [("P9", "7310.5", old)]),
        snapshot("fleet_20261117.json", EVENING_OF, [("P9", "7310.5", old)]),
    ]
    result = compute_daily_usage(snapshots, DAY, TZ)
    (exception,) = result.exceptions
    assert exception.reason == Reason.STALE_READING
    assert exception.source_file == "fleet_20261117.json"
    assert exception.value == "2026-11-13T21:40:00Z"


def test_old_opening_reading_is_stale():
    old = EVENING_BEFORE - timedelta(days=5)
    snapshots = [
        snapshot("old.json", old, [("P1", "100.0", old)]),
        snapshot("fleet_20261117.json", EVENING_OF, [("P1", "140.0", EVENING_OF)]),
    ]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert [e.reason for e in result.exceptions] == [Reason.STALE_READING]
    widened = compute_daily_usage(snapshots, DAY, TZ, max_reading_age=timedelta(days=7))
    assert widened.exceptions == []


def test_meter_backwards_is_exception():
    result = compute_daily_usage(two_evenings("6222.5", "8.8"), DAY, TZ)
    assert result.frame.empty
    (exception,) = result.exceptions
    assert exception.reason == Reason.METER_BACKWARDS
    assert exception.value == "8.8"
    assert exception.column == "CumulativeOperatingHours/Hour"


def test_meter_reset_inside_day_is_exception():
    midday = datetime(2026, 11, 17, 18, 0, tzinfo=timezone.utc)
    snapshots = [
        *two_evenings("100.0", "104.0"),
        snapshot("midday.json", midday, [("P1", "2.0", midday)]),
    ]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert [e.reason for e in result.exceptions] == [Reason.METER_BACKWARDS]


def test_header_only_unit_is_excepted():
    snapshots = [snapshot("a.json", EVENING_OF, [("P5", None, None)])]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert [e.reason for e in result.exceptions] == [Reason.NO_BRACKETING_READINGS]
    assert result.rows_in == 1


def test_block_without_pin_or_serial():
    snapshots = [snapshot("a.json", EVENING_OF, [(None, "5", EVENING_OF)])]
    result = compute_daily_usage(snapshots, DAY, TZ)
    (exception,) = result.exceptions
    assert exception.reason == Reason.MISSING_VALUE
    assert exception.source_row == 1


def test_serial_only_block_joins_its_pin():
    snapshots = [
        snapshot("a.json", EVENING_BEFORE, [("P1", "SN1", "100.0", EVENING_BEFORE)]),
        snapshot("b.json", EVENING_OF, [(None, "SN1", "108.0", EVENING_OF)]),
    ]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert list(result.frame["unit_key"]) == ["P1"]
    assert result.frame.iloc[0].usage_hours == Decimal("8.00")


def test_rows_in_counts_every_unit():
    old = datetime(2026, 11, 10, 0, 0, tzinfo=timezone.utc)
    snapshots = [
        snapshot("a.json", EVENING_BEFORE, [("P1", "1", EVENING_BEFORE), ("P2", "50", EVENING_BEFORE), ("P3", "7", old)]),
        snapshot("b.json", EVENING_OF, [("P1", "9", EVENING_OF), ("P2", "3", EVENING_OF), ("P3", "7", old), ("P4", None, None)]),
    ]
    result = compute_daily_usage(snapshots, DAY, TZ)
    assert result.rows_in == 4
    assert len(result.frame) == 1
    assert len(result.exceptions) == 3
    assert result.rows_in == len(result.frame) + len({(e.source_file, e.source_row) for e in result.exceptions})


@pytest.mark.parametrize("tz_name", ["America/Chicago", "UTC", "Europe/Berlin"])
def test_company_timezone_moves_day(tz_name):
    result = compute_daily_usage(two_evenings(), DAY, tz_name)
    assert result.rows_in == 1
    # Readings at 05:18 UTC bracket 2026-11-17 only when the day starts after 05:18 UTC.
    expected = 1 if tz_name == "America/Chicago" else 0
    assert len(result.frame) == expected
