"""Daily equipment usage from the hour-meter readings of several fleet snapshots.

Usage of a unit on a business date is the rise of its CumulativeOperatingHours from the
opening reading to the closing reading of that day:

- the opening reading is the last reading at or before 00:00 of the business date;
- the closing reading is the last reading in the `boundary_tolerance` before 00:00 of the
  next day when there is one, else the first reading at or after that midnight.

Both midnights are in the company time zone, so a day can be 23 or 25 hours long. A reading
just before midnight stands for the meter at midnight, so the closing reading of one day is
the opening reading of the next and no hour is counted twice or lost. Each reading's own
datetime decides, not the time of the snapshot that carried it.

A unit gets a usage row or one exception, never both:
`rows_in == len(frame) + len(exceptions)`. The exceptions:

- NO_BRACKETING_READINGS: no reading on one side of the day;
- STALE_READING: a bracketing reading further than `max_reading_age` from its midnight, or
  the unit stopped reporting that long before the latest snapshot;
- METER_BACKWARDS: the meter fell between the two readings (reset or replaced), which is
  never turned into negative usage;
- MISSING_VALUE: a block with neither PIN nor serial number, counted once per block.

Rounding: usage_hours is the exact meter difference quantized to 0.01 with ROUND_HALF_UP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from ingest.records import OwnerRole, Reason, RowException
from ingest.telematics import EquipmentSnapshot, FleetSnapshot, HourReading

HUNDREDTH = Decimal("0.01")
DEFAULT_MAX_READING_AGE = timedelta(days=3)
DEFAULT_BOUNDARY_TOLERANCE = timedelta(hours=1)
HOUR_ELEMENT = "CumulativeOperatingHours"

# source_row is the 1-based position of the Equipment block in source_file, for usage from
# snapshots, and the row id for usage read from the equipment database.
USAGE_COLUMNS = (
    "source_file",
    "source_row",
    "source_record_id",
    "unit_key",
    "work_date",
    "meter_start",
    "meter_end",
    "usage_hours",
    "read_start_at",
    "read_end_at",
)


@dataclass
class UsageResult:
    """Usage rows of one business date, the units held back and the notes left by the reader."""

    frame: pd.DataFrame
    exceptions: list[RowException]  # one per excepted unit
    notes: list[RowException] = field(default_factory=list)  # placeholders; they hold nothing back
    rows_in: int = 0  # units seen in the snapshots, plus blocks without a unit key


@dataclass(frozen=True)
class _Sighting:
    reading: HourReading
    block: EquipmentSnapshot


def compute_daily_usage(
    snapshots: Iterable[FleetSnapshot],
    business_date: date,
    tz_name: str,
    *,
    max_reading_age: timedelta = DEFAULT_MAX_READING_AGE,
    boundary_tolerance: timedelta = DEFAULT_BOUNDARY_TOLERANCE,
) -> UsageResult:
    """Compute each unit's usage on `business_date` from the readings in `snapshots`.

    Pass the snapshots around the date, e.g. from the evening before to a few days after.
    Every unit found in any of them gets a usage row or an exception.
    """
    snapshots = list(snapshots)
    zone = ZoneInfo(tz_name)
    day_start = datetime.combine(business_date, time(0), zone)
    day_end = datetime.combine(business_date + timedelta(days=1), time(0), zone)

    blocks = [block for snapshot in snapshots for block in snapshot.equipment]
    keys = _unit_keys(blocks)
    latest_snapshot = {}
    sightings: dict[str, list[_Sighting]] = {}
    last_block: dict[str, EquipmentSnapshot] = {}
    exceptions: list[RowException] = []
    rows = []

    for snapshot in snapshots:
        for block in snapshot.equipment:
            key = keys(block)
            if key is None:
                exceptions.append(_exception(block, "EquipmentHeader/PIN", "", Reason.MISSING_VALUE,
                                             OwnerRole.INTEGRATION, "equipment block has neither PIN nor serial number"))
                continue
            last_block[key] = block
            sightings.setdefault(key, [])
            if snapshot.taken_at is not None:
                latest_snapshot[key] = max(latest_snapshot.get(key, snapshot.taken_at), snapshot.taken_at)
            if block.operating_hours is not None:
                sightings[key].append(_Sighting(block.operating_hours, block))

    for key in sorted(sightings):
        outcome = _unit_usage(
            key, _distinct(sightings[key]), last_block[key], latest_snapshot.get(key),
            business_date, day_start, day_end, max_reading_age, boundary_tolerance,
        )
        if isinstance(outcome, RowException):
            exceptions.append(outcome)
        else:
            rows.append(outcome)

    notes = _notes(blocks)
    frame = usage_frame(rows)
    return UsageResult(frame=frame, exceptions=exceptions, notes=notes, rows_in=len(frame) + len(exceptions))


def usage_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """Canonical usage frame of row dicts, with the same dtypes when there are no rows."""
    frame = pd.DataFrame(list(rows), columns=list(USAGE_COLUMNS))
    frame["source_file"] = frame["source_file"].astype(object)
    frame["source_row"] = frame["source_row"].astype("int64")
    frame["work_date"] = pd.to_datetime(frame["work_date"]).astype("datetime64[ns]")
    for column in ("read_start_at", "read_end_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in ("meter_start", "meter_end", "usage_hours"):
        frame[column] = frame[column].astype(object)
    return frame


def _unit_usage(
    key: str,
    sightings: list[_Sighting],
    last_block: EquipmentSnapshot,
    latest_snapshot: datetime | None,
    business_date: date,
    day_start: datetime,
    day_end: datetime,
    max_age: timedelta,
    tolerance: timedelta,
) -> dict | RowException:
    if not sightings:
        return _exception(last_block, HOUR_ELEMENT, "", Reason.NO_BRACKETING_READINGS, OwnerRole.INTEGRATION,
                          f"unit {key} has no hour-meter reading in any snapshot")

    opening = next((s for s in reversed(sightings) if s.reading.read_at <= day_start), None)
    # NOTE: with no reading in the tolerance before a midnight, the hours between the readings
    # on either side of it count on both days. The staleness limit bounds this, nothing more.
    near_end = [s for s in sightings if day_end - tolerance <= s.reading.read_at <= day_end]
    closing = near_end[-1] if near_end else next((s for s in sightings if s.reading.read_at >= day_end), None)

    latest = sightings[-1]
    if closing is None and latest_snapshot is not None and latest_snapshot - latest.reading.read_at > max_age:
        return _exception(last_block, f"{HOUR_ELEMENT}/datetime", _iso(latest.reading.read_at), Reason.STALE_READING,
                          OwnerRole.INTEGRATION,
                          f"unit {key} last reported at {_iso(latest.reading.read_at)}, more than "
                          f"{_hours(max_age)} before the snapshot of {_iso(latest_snapshot)}")
    if opening is None or closing is None:
        side = "at or before the start" if opening is None else "at or after the end"
        return _exception(last_block, HOUR_ELEMENT, "", Reason.NO_BRACKETING_READINGS, OwnerRole.INTEGRATION,
                          f"unit {key} has no hour-meter reading {side} of {business_date.isoformat()}")

    for sighting, boundary in ((opening, day_start), (closing, day_end)):
        if abs(sighting.reading.read_at - boundary) > max_age:
            return _exception(sighting.block, f"{HOUR_ELEMENT}/datetime", _iso(sighting.reading.read_at),
                              Reason.STALE_READING, OwnerRole.INTEGRATION,
                              f"unit {key}: the reading of {_iso(sighting.reading.read_at)} is more than {_hours(max_age)} "
                              f"from the midnight of {_iso(boundary)}, so its hours cannot be put on one day")

    between = sightings[sightings.index(opening): sightings.index(closing) + 1]
    for earlier, later in zip(between, between[1:]):
        if later.reading.hours < earlier.reading.hours:
            return _exception(later.block, f"{HOUR_ELEMENT}/Hour", str(later.reading.hours), Reason.METER_BACKWARDS,
                              OwnerRole.FIELD,
                              f"unit {key}: hour meter went back from {earlier.reading.hours} "
                              f"({_iso(earlier.reading.read_at)}) to {later.reading.hours} "
                              f"({_iso(later.reading.read_at)}); a reset or replaced meter needs a manual reading")

    usage = (closing.reading.hours - opening.reading.hours).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return {
        "source_file": closing.block.source_file,
        "source_row": closing.block.block,
        "source_record_id": f"{key}:{business_date.isoformat()}",
        "unit_key": key,
        "work_date": pd.Timestamp(business_date),
        "meter_start": opening.reading.hours,
        "meter_end": closing.reading.hours,
        "usage_hours": usage,
        "read_start_at": pd.Timestamp(opening.reading.read_at),
        "read_end_at": pd.Timestamp(closing.reading.read_at),
    }


def _unit_keys(blocks: list[EquipmentSnapshot]):
    """Key function: PIN, else the PIN another block gave for the same serial, else the serial."""
    pin_by_serial = {block.serial_number: block.pin for block in blocks if block.pin and block.serial_number}

    def key(block: EquipmentSnapshot) -> str | None:
        if block.pin:
            return block.pin
        if block.serial_number:
            return pin_by_serial.get(block.serial_number, block.serial_number)
        return None

    return key


def _distinct(sightings: list[_Sighting]) -> list[_Sighting]:
    """Readings in time order, each once: a stale reading repeats in every later snapshot."""
    seen = {}
    for sighting in sightings:
        seen.setdefault((sighting.reading.read_at, sighting.reading.hours), sighting)
    return sorted(seen.values(), key=lambda s: (s.reading.read_at, s.reading.hours))


def _notes(blocks: list[EquipmentSnapshot]) -> list[RowException]:
    notes = []
    for block in blocks:
        for note in block.notes:
            owner = OwnerRole.INTEGRATION
            notes.append(RowException(note.source_file, note.block, note.element, note.value, note.reason, owner, note.message))
    return notes


def _exception(block: EquipmentSnapshot, column: str, value: str, reason: Reason, owner: OwnerRole, message: str) -> RowException:
    return RowException(block.source_file, block.block, column, value, reason, owner, message)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:g} hours"
