"""Read ISO 15143-3 ("AEMP 2.0") fleet snapshots in XML or JSON into one neutral model.

A snapshot file holds one page of a fleet: `Links` (self, next, ...) and `Equipment` blocks,
each with an `EquipmentHeader` and readings that carry their own timestamps. The format is
detected from the content, not from the file name. aemp_xml and aemp_json turn their format
into plain nested dicts, and this module turns those dicts into FleetSnapshot records, so both
formats share one set of rules:

- Units are keyed by PIN, else by serial number, never by the free-text EquipmentID.
- Timestamps are UTC. Accepted: ISO 8601 with or without fractions, with "Z", an offset or
  nothing (read as UTC), and integers as Unix epoch milliseconds.
- Placeholders ("missing", "N/A", empty text, 0001-01-01T00:00:00Z, a fuel tank capacity of 0)
  become None, and each one leaves a SnapshotNote with reason PLACEHOLDER_VALUE.
- A block with a header and no readings is kept, with no readings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ingest.records import ExtractError, Reason

ISO_NAMESPACE = "http://standards.iso.org/iso/15143/-3"  # served with version="0"
ISO_2019_NAMESPACE = "http://www.jcmanet.or.jp/english2017/ISO/15143/-3/20190501"  # version="20190501"
KNOWN_NAMESPACES = (ISO_NAMESPACE, ISO_2019_NAMESPACE)

PLACEHOLDER_TEXTS = frozenset({"", "missing", "n/a"})
PLACEHOLDER_DATETIME = datetime(1, 1, 1, tzinfo=timezone.utc)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_ISO_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)
_EPOCH_MILLISECONDS = re.compile(r"^\d{1,15}$")

HEADER_FIELDS = {
    "pin": "PIN",
    "serial_number": "SerialNumber",
    "equipment_id": "EquipmentID",
    "oem": "OEMName",
    "model": "Model",
    "make": "Make",
}


class InvalidReading(ValueError):
    """A reading value that cannot be parsed, with the reason code of the failure."""

    def __init__(self, reason: Reason, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SnapshotNote:
    """A value the reader replaced with None or skipped, with where it sat and why."""

    source_file: str
    block: int  # 1-based position of the Equipment block in its file; 0 for the file itself
    element: str  # e.g. "EquipmentHeader/Model" or "CumulativeOperatingHours/Hour"
    value: str
    reason: Reason
    message: str


@dataclass(frozen=True)
class HourReading:
    """One hour-meter reading: cumulative hours and the moment the machine reported them."""

    hours: Decimal
    read_at: datetime  # timezone-aware, UTC


@dataclass(frozen=True)
class FuelReading:
    """Cumulative fuel used since manufacture, in the units the feed names."""

    consumed: Decimal
    units: str | None
    read_at: datetime | None


@dataclass(frozen=True)
class EquipmentSnapshot:
    """One Equipment block of a snapshot file."""

    source_file: str
    block: int  # 1-based position of the Equipment block in its file
    pin: str | None
    serial_number: str | None
    equipment_id: str | None  # free text; shown to people, never used to join
    oem: str | None
    model: str | None
    make: str | None = None
    installed_at: datetime | None = None
    engine_number: str | None = None
    fuel_tank_capacity: Decimal | None = None
    operating_hours: HourReading | None = None
    fuel_used: FuelReading | None = None
    notes: tuple[SnapshotNote, ...] = ()

    @property
    def unit_key(self) -> str | None:
        """PIN, else serial number: the key that joins a block to an equipment unit."""
        return self.pin or self.serial_number


@dataclass(frozen=True)
class FleetSnapshot:
    """The equipment of one snapshot file, or of all page files of one snapshot."""

    source_files: tuple[str, ...]
    file_format: str  # "xml" or "json"
    namespace: str | None
    version: str | None
    snapshot_time: datetime | None  # the Fleet's snapshotTime, when the feed sends one
    links: tuple[tuple[str, str], ...] = ()  # (rel, href) pairs of the first page
    equipment: tuple[EquipmentSnapshot, ...] = ()
    notes: tuple[SnapshotNote, ...] = field(default=())  # file-level notes

    def link(self, rel: str) -> str | None:
        for link_rel, href in self.links:
            if link_rel.casefold() == rel.casefold():
                return href
        return None

    @property
    def taken_at(self) -> datetime | None:
        """snapshotTime, else the latest hour-meter reading in the snapshot."""
        if self.snapshot_time is not None:
            return self.snapshot_time
        times = [unit.operating_hours.read_at for unit in self.equipment if unit.operating_hours]
        return max(times, default=None)


@dataclass(frozen=True)
class RawFleet:
    """A parsed page before the shared rules apply: what aemp_xml and aemp_json return."""

    namespace: str | None
    version: str | None
    snapshot_time: object
    links: tuple[tuple[str, str], ...]
    equipment: tuple[Mapping, ...]


# ---------------------------------------------------------------------------
# Reading files


def read_fleet_snapshot(path: str | Path) -> FleetSnapshot:
    """Read one snapshot page file, XML or JSON, detected by its first character."""
    path = Path(path)
    return parse_fleet_document(path.read_bytes(), path.name)


def read_fleet_pages(paths: Iterable[str | Path]) -> FleetSnapshot:
    """Read the page files of one snapshot and join them into one FleetSnapshot.

    Pages that carry a `self` link are put in the order their `next` links give. A `next`
    link to a page that is not among the files raises ExtractError, because a page is
    missing. Pages without links keep the order given. Empty pages (past the last) are
    allowed. Each equipment block keeps its own file name and block number.
    """
    pages = [read_fleet_snapshot(path) for path in paths]
    if not pages:
        raise ExtractError("(no files)", "no snapshot page files given")
    pages = _order_pages(pages)

    formats = {page.file_format for page in pages}
    return FleetSnapshot(
        source_files=tuple(name for page in pages for name in page.source_files),
        file_format=formats.pop() if len(formats) == 1 else "mixed",
        namespace=next((page.namespace for page in pages if page.namespace), None),
        version=next((page.version for page in pages if page.version), None),
        snapshot_time=next((page.snapshot_time for page in pages if page.snapshot_time), None),
        links=pages[0].links,
        equipment=tuple(unit for page in pages for unit in page.equipment),
        notes=tuple(note for page in pages for note in page.notes),
    )


def parse_fleet_document(data: bytes, source_file: str) -> FleetSnapshot:
    """Parse the bytes of one snapshot page; `source_file` names it in notes and errors."""
    from ingest import aemp_json, aemp_xml

    text = data.decode("utf-8-sig", errors="strict") if data else ""
    start = text.lstrip()[:1]
    if start == "<":
        raw, file_format = aemp_xml.parse_fleet_xml(data, source_file), "xml"
    elif start in ("{", "["):
        raw, file_format = aemp_json.parse_fleet_json(text, source_file), "json"
    else:
        raise ExtractError(source_file, "not an AEMP fleet snapshot: the file is neither XML nor JSON")
    return _build_snapshot(raw, source_file, file_format)


def _order_pages(pages: list[FleetSnapshot]) -> list[FleetSnapshot]:
    by_self = {page.link("self"): page for page in pages if page.link("self")}
    for page in pages:
        following = page.link("next")
        if following and following not in by_self:
            raise ExtractError(
                page.source_files[0],
                f"the next page {following!r} is not among the page files; fetch it and read all pages together",
            )
    if len(by_self) != len(pages):
        return pages

    targets = {page.link("next") for page in pages}
    first = [page for page in pages if page.link("self") not in targets]
    if len(first) != 1:
        raise ExtractError(pages[0].source_files[0], "the pages' next links do not form one chain; read the page files of one snapshot together")
    ordered = [first[0]]
    while ordered[-1].link("next") and len(ordered) <= len(pages):
        ordered.append(by_self[ordered[-1].link("next")])
    if len(ordered) != len(pages):
        raise ExtractError(pages[0].source_files[0], "the pages' next links do not form one chain; read the page files of one snapshot together")
    return ordered


# ---------------------------------------------------------------------------
# Building records from the neutral dicts


def _build_snapshot(raw: RawFleet, source_file: str, file_format: str) -> FleetSnapshot:
    file_notes: list[SnapshotNote] = []
    snapshot_time = None
    if raw.snapshot_time is not None:
        try:
            snapshot_time = parse_aemp_datetime(raw.snapshot_time)
        except InvalidReading as error:
            file_notes.append(
                SnapshotNote(source_file, 0, "Fleet/snapshotTime", display(raw.snapshot_time), error.reason, str(error))
            )
    equipment = tuple(
        _build_equipment(block, source_file, index) for index, block in enumerate(raw.equipment, start=1)
    )
    return FleetSnapshot(
        source_files=(source_file,),
        file_format=file_format,
        namespace=raw.namespace,
        version=raw.version,
        snapshot_time=snapshot_time,
        links=raw.links,
        equipment=equipment,
        notes=tuple(file_notes),
    )


class _BlockReader:
    """Reads the values of one Equipment block and collects the notes they leave."""

    def __init__(self, block: Mapping, source_file: str, index: int):
        self.block = block
        self.source_file = source_file
        self.index = index
        self.notes: list[SnapshotNote] = []

    def note(self, element: str, value: object, reason: Reason, message: str) -> None:
        self.notes.append(SnapshotNote(self.source_file, self.index, element, display(value), reason, message))

    def text(self, element: str, container: Mapping, name: str) -> str | None:
        value = get_field(container, name)
        if value is None:
            return None
        text = " ".join(str(value).split())
        if text.casefold() in PLACEHOLDER_TEXTS:
            self.note(f"{element}/{name}", value, Reason.PLACEHOLDER_VALUE, f"{name} is the placeholder {display(value)!r}")
            return None
        return text

    def decimal(self, element: str, container: Mapping, name: str, *, zero_is_placeholder: bool = False) -> Decimal | None:
        value = get_field(container, name)
        if value is None:
            return None
        path = f"{element}/{name}"
        if isinstance(value, str) and " ".join(value.split()).casefold() in PLACEHOLDER_TEXTS:
            self.note(path, value, Reason.PLACEHOLDER_VALUE, f"{name} is the placeholder {value!r}")
            return None
        try:
            number = parse_aemp_decimal(value)
        except InvalidReading as error:
            self.note(path, value, error.reason, str(error))
            return None
        if zero_is_placeholder and number == 0:
            self.note(path, value, Reason.PLACEHOLDER_VALUE, f"{name} 0 stands for an unknown value")
            return None
        return number

    def timestamp(self, path: str, value: object) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str) and " ".join(value.split()).casefold() in PLACEHOLDER_TEXTS:
            self.note(path, value, Reason.PLACEHOLDER_VALUE, f"datetime is the placeholder {value!r}")
            return None
        try:
            moment = parse_aemp_datetime(value)
        except InvalidReading as error:
            self.note(path, value, error.reason, str(error))
            return None
        if moment is None:
            self.note(path, value, Reason.PLACEHOLDER_VALUE, f"datetime {display(value)} is a placeholder date")
        return moment


def _build_equipment(block: Mapping, source_file: str, index: int) -> EquipmentSnapshot:
    reader = _BlockReader(block, source_file, index)
    header = get_field(block, "EquipmentHeader") or {}
    if not isinstance(header, Mapping):
        header = {}
    values = {name: reader.text("EquipmentHeader", header, element) for name, element in HEADER_FIELDS.items()}

    installed_at = reader.timestamp("EquipmentHeader/UnitInstallDateTime", get_field(header, "UnitInstallDateTime"))

    engine_number = None
    engine = get_field(block, "EngineStatus")
    if isinstance(engine, Mapping):
        engine_number = reader.text("EngineStatus", engine, "EngineNumber")

    capacity = None
    fuel_remaining = get_field(block, "FuelRemaining")
    if isinstance(fuel_remaining, Mapping):
        capacity = reader.decimal("FuelRemaining", fuel_remaining, "FuelTankCapacity", zero_is_placeholder=True)

    return EquipmentSnapshot(
        source_file=source_file,
        block=index,
        installed_at=installed_at,
        engine_number=engine_number,
        fuel_tank_capacity=capacity,
        operating_hours=_hour_reading(reader, block),
        fuel_used=_fuel_reading(reader, block),
        notes=tuple(reader.notes),
        **values,
    )


def _hour_reading(reader: _BlockReader, block: Mapping) -> HourReading | None:
    element = get_field(block, "CumulativeOperatingHours")
    if not isinstance(element, Mapping):
        return None
    hours = reader.decimal("CumulativeOperatingHours", element, "Hour")
    read_at = reader.timestamp("CumulativeOperatingHours/datetime", get_field(element, "datetime"))
    if hours is None:
        return None
    if hours < 0:
        reader.note("CumulativeOperatingHours/Hour", hours, Reason.INVALID_NUMBER, f"hour meter {hours} is negative")
        return None
    if read_at is None:
        # An hour reading without its own time cannot be placed on a day.
        reader.note("CumulativeOperatingHours/datetime", "", Reason.MISSING_VALUE, "hour reading has no datetime")
        return None
    return HourReading(hours=hours, read_at=read_at)


def _fuel_reading(reader: _BlockReader, block: Mapping) -> FuelReading | None:
    element = get_field(block, "FuelUsed")
    if not isinstance(element, Mapping):
        return None
    consumed = reader.decimal("FuelUsed", element, "FuelConsumed")
    if consumed is None:
        return None
    return FuelReading(
        consumed=consumed,
        units=reader.text("FuelUsed", element, "FuelUnits"),
        read_at=reader.timestamp("FuelUsed/datetime", get_field(element, "datetime")),
    )


# ---------------------------------------------------------------------------
# Values


def get_field(container: Mapping, name: str) -> object:
    """Value of a key matched without regard to case, because JSON feeds differ in case."""
    if name in container:
        return container[name]
    folded = name.casefold()
    for key, value in container.items():
        if isinstance(key, str) and key.casefold() == folded:
            return value
    return None


def parse_aemp_decimal(value: object) -> Decimal:
    """Exact Decimal of a reading; floats are rejected because they are already inexact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidReading(Reason.INVALID_NUMBER, f"number {value!r} must arrive as text or an exact number")
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidReading(Reason.INVALID_NUMBER, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidReading(Reason.INVALID_NUMBER, f"{value!r} is not a finite number")
    return number


def parse_aemp_datetime(value: object) -> datetime | None:
    """UTC datetime of an AEMP timestamp; None for the placeholder date 0001-01-01.

    Integers and all-digit text are Unix epoch milliseconds. ISO text without a zone is
    read as UTC, because ISO 15143-3 specifies UTC. Fractions beyond microseconds are cut.
    """
    if isinstance(value, bool):
        raise InvalidReading(Reason.INVALID_DATE, f"{value!r} is not a timestamp")
    if isinstance(value, (int, Decimal)) or (isinstance(value, str) and _EPOCH_MILLISECONDS.match(value.strip())):
        try:
            milliseconds = int(Decimal(str(value).strip()))
        except InvalidOperation:
            raise InvalidReading(Reason.INVALID_DATE, f"{value!r} is not a timestamp") from None
        return _EPOCH + timedelta(milliseconds=milliseconds)

    text = str(value).strip()
    match = _ISO_DATETIME.match(text)
    if not match:
        raise InvalidReading(Reason.INVALID_DATE, f"{text!r} is not an ISO 8601 timestamp or epoch milliseconds")
    if match["date"] == PLACEHOLDER_DATETIME.date().isoformat():
        return None
    fraction = (match["fraction"] or ".0")[1:7].ljust(6, "0")
    zone = match["zone"] or "Z"
    offset = "+00:00" if zone == "Z" else zone
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}{offset}")
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidReading(Reason.INVALID_DATE, f"{text!r} is not a valid date and time") from None


def display(value: object) -> str:
    return "" if value is None else str(value)
