"""Write the demo equipment sources: nightly AEMP fleet snapshots and the equipment database.

One snapshot is taken at 23:30 company time on the evening before the first date and on each
date, as `fleet_<YYYYMMDD>.xml` and/or `.json`, each followed by an empty `<name>.done`
marker. The hour meters rise by the hours in DEMO_DAILY_HOURS (8 to 10 a day), so usage read
from the snapshots equals the demo database's usage table, except where the snapshots carry
a quirk on purpose:

- CRN-310 gets a new hour meter on 2026-11-18: its reading that evening is below the one
  before (METER_BACKWARDS for that day);
- EX-099, archived, stopped reporting on 2026-11-13: every snapshot repeats that reading
  (STALE_READING), its Model is "missing", its EngineNumber "N/A" and its fuel tank
  capacity 0;
- PIN0000131, a compactor the equipment register does not know, sends a header only;
- LDR-220's XML readings carry `datetime` as a child element, as some OEM feeds do.
"""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from ingest.equipment_db import DEMO_DATES, DEMO_DAILY_HOURS, create_demo_equipment_db
from ingest.telematics import ISO_2019_NAMESPACE

__all__ = ["write_fleet_snapshots", "create_demo_equipment_db", "DEMO_DATES"]

DEMO_TIMEZONE = "America/Chicago"
SNAPSHOT_TIME = time(23, 30)
REPORT_LAG = timedelta(minutes=12)  # a machine's last report comes a little before the snapshot
METER_REPLACED = ("CRN-310", date(2026, 11, 18))

# unit_id, PIN, serial number, free-text EquipmentID as the feed sends it, OEM, model, meter before the first date
_REPORTING_UNITS = (
    ("EX-104", "PIN0000042", "SN0042", "EX-104  Summit Ridge", "ExampleOEM", "EX210", Decimal("1842.60")),
    ("LDR-220", "PIN0000077", "SN0077", "LDR 220 (SN:0077)", "ExampleOEM", "WL-3", Decimal("3315.20")),
    ("CRN-310", "PIN0000105", "SN0105", "Crane 310", "LiftCo", "RT-50", Decimal("6204.90")),
)
_STALE_UNIT = {
    "EquipmentHeader": {
        "OEMName": "ExampleOEM",
        "Model": "missing",
        "EquipmentID": "EX-099 old",
        "SerialNumber": "SN0099",
        "PIN": "PIN0000099",
        "UnitInstallDateTime": "0001-01-01T00:00:00Z",
    },
    "hours": Decimal("7310.50"),
    "read_at": datetime(2026, 11, 13, 21, 40, tzinfo=timezone.utc),
}
_HEADER_ONLY_UNIT = {"OEMName": "PackCo", "Model": "CMP-12", "EquipmentID": "roller", "PIN": "PIN0000131"}
_DATETIME_AS_CHILD = {"LDR-220"}


def write_fleet_snapshots(
    out_dir: str | Path,
    dates: Sequence[date] = DEMO_DATES,
    *,
    formats: Iterable[str] = ("xml", "json"),
    tz_name: str = DEMO_TIMEZONE,
) -> list[Path]:
    """Write one snapshot per evening, from the evening before `dates[0]` to `dates[-1]`.

    Returns the snapshot files written, markers not included. Dates outside the demo week get
    hours from a seeded random generator, so the output is the same on every run.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    unknown = set(formats) - {"xml", "json"}
    if unknown:
        raise ValueError(f"unknown snapshot formats {sorted(unknown)}; use 'xml' and/or 'json'")
    dates = sorted(dates)
    if not dates:
        return []

    zone = ZoneInfo(tz_name)
    rng = random.Random(20261116)
    meters = {unit[0]: unit[6] for unit in _REPORTING_UNITS}
    written = []
    for evening in [dates[0] - timedelta(days=1), *dates]:
        if evening >= dates[0]:
            for unit_id in meters:
                if (unit_id, evening) == METER_REPLACED:
                    meters[unit_id] = Decimal("0.00")
                meters[unit_id] += _daily_hours(unit_id, evening, rng)
        taken_at = datetime.combine(evening, SNAPSHOT_TIME, zone).astimezone(timezone.utc)
        blocks = _snapshot_blocks(meters, taken_at - REPORT_LAG)
        stem = f"fleet_{evening:%Y%m%d}"
        for file_format in formats:
            path = out_dir / f"{stem}.{file_format}"
            render = _render_xml if file_format == "xml" else _render_json
            path.write_bytes(render(blocks, taken_at, stem))
            (out_dir / f"{path.name}.done").write_bytes(b"")
            written.append(path)
    return written


def _daily_hours(unit_id: str, day: date, rng: random.Random) -> Decimal:
    if day in DEMO_DATES:
        return DEMO_DAILY_HOURS[unit_id][DEMO_DATES.index(day)]
    return Decimal(rng.randint(800, 1000)) / 100


def _snapshot_blocks(meters: dict[str, Decimal], read_at: datetime) -> list[dict]:
    blocks = []
    for unit_id, pin, serial, equipment_id, oem, model, _ in _REPORTING_UNITS:
        blocks.append(
            {
                "unit_id": unit_id,
                "EquipmentHeader": {
                    "OEMName": oem,
                    "Model": model,
                    "EquipmentID": equipment_id,
                    "SerialNumber": serial,
                    "PIN": pin,
                },
                "hours": meters[unit_id],
                "read_at": read_at,
            }
        )
    stale = dict(_STALE_UNIT, unit_id="EX-099", engine_number="N/A", tank_capacity="0")
    blocks.append(stale)
    blocks.append({"unit_id": None, "EquipmentHeader": dict(_HEADER_ONLY_UNIT)})
    return blocks


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _render_xml(blocks: list[dict], taken_at: datetime, stem: str) -> bytes:
    ns = ISO_2019_NAMESPACE
    ElementTree.register_namespace("", ns)

    def sub(parent, name, text=None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ns}}}{name}", attributes)
        if text is not None:
            element.text = str(text)
        return element

    fleet = ElementTree.Element(f"{{{ns}}}Fleet", {"version": "20190501", "snapshotTime": _timestamp(taken_at)})
    links = sub(fleet, "Links")
    sub(links, "rel", "self")
    sub(links, "href", f"https://telematics.example/Fleet/1?snapshot={stem}")
    for block in blocks:
        equipment = sub(fleet, "Equipment")
        header = sub(equipment, "EquipmentHeader")
        for name, value in block["EquipmentHeader"].items():
            sub(header, name, value)
        if "hours" not in block:
            continue
        if block["unit_id"] in _DATETIME_AS_CHILD:
            hours = sub(equipment, "CumulativeOperatingHours")
            sub(hours, "datetime", _timestamp(block["read_at"]))
        else:
            hours = sub(equipment, "CumulativeOperatingHours", datetime=_timestamp(block["read_at"]))
        sub(hours, "Hour", block["hours"])
        if "engine_number" in block:
            engine = sub(equipment, "EngineStatus")
            sub(engine, "EngineNumber", block["engine_number"])
            sub(engine, "Running", "false")
            fuel = sub(equipment, "FuelRemaining")
            sub(fuel, "Percent", "40")
            sub(fuel, "FuelTankCapacityUnits", "litre")
            sub(fuel, "FuelTankCapacity", block["tank_capacity"])
    ElementTree.indent(fleet)
    return ElementTree.tostring(fleet, encoding="utf-8", xml_declaration=True)


def _render_json(blocks: list[dict], taken_at: datetime, stem: str) -> bytes:
    equipment = []
    for block in blocks:
        item: dict = {"EquipmentHeader": block["EquipmentHeader"]}
        if "hours" in block:
            item["CumulativeOperatingHours"] = {"datetime": _timestamp(block["read_at"]), "Hour": float(block["hours"])}
        if "engine_number" in block:
            item["EngineStatus"] = {"EngineNumber": block["engine_number"], "Running": False}
            item["FuelRemaining"] = {"Percent": 40, "FuelTankCapacityUnits": "litre", "FuelTankCapacity": 0}
        equipment.append(item)
    document = {
        "version": "0",
        "snapshotTime": _timestamp(taken_at),
        "Links": [{"rel": "self", "href": f"https://telematics.example/Fleet/1?snapshot={stem}&format=json"}],
        "Equipment": equipment,
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")
