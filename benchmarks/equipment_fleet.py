"""Synthetic inputs of the equipment volume benchmark: fleet snapshots, an equipment database, Odoo master data.

generate_fleet writes two AEMP snapshot files for one business date (the evening before and
the evening of the date) and a SQLite equipment database with the same units, their job
assignments and rates. Most units read normally. A few percent carry one fault each, so the
exception paths run at volume too (the reason each one raises is in the comment of FAULTS).

SyntheticOdoo serves the few read calls the equipment path makes on Odoo from generated
master data in memory, so the Odoo checks run without an Odoo server.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert

from ingest.equipment_db import equipment_assignments, equipment_rates, equipment_units, metadata
from ingest.telematics import ISO_2019_NAMESPACE

BUSINESS_DATE = date(2026, 11, 17)
SNAPSHOT_TIME = time(23, 30)
REPORT_LAG = timedelta(minutes=12)  # a machine's last report comes a little before the snapshot
SEED = 20261117

CLASS_COUNT = 30
JOB_COUNT = 200
COST_CODES = ("01 50 00", "02 41 00", "03 11 00", "03 30 00", "31 23 00", "31 25 00", "32 12 00", "33 41 00")
CLOSED_JOB = "J-3199"
NO_RATE_CLASS = "CLS-NORATE"
ODOO_LOCK_DATE = "2026-10-31"

# Share of units with each fault, and the exception it raises in the pipeline.
FAULTS = (
    ("unknown_unit", 0.010),  # PIN not in the equipment database: UNKNOWN_EQUIPMENT
    ("archived_unit", 0.005),  # unit archived in the database: INACTIVE_EQUIPMENT
    ("no_assignment", 0.005),  # no assignment on the date: NO_ASSIGNMENT
    ("bad_split", 0.003),  # share percentages sum to 90: INVALID_ASSIGNMENT
    ("missing_rate", 0.002),  # class without a rate: MISSING_RATE
    ("meter_backwards", 0.005),  # second reading below the first: METER_BACKWARDS
    ("stale", 0.003),  # same old reading in both snapshots: STALE_READING
    ("no_closing", 0.003),  # closing reading has the placeholder datetime: NO_BRACKETING_READINGS
    ("over_24_hours", 0.003),  # 30 hours in one day: HOURS_OUT_OF_RANGE
    ("no_unit_key", 0.001),  # blocks with neither PIN nor serial: MISSING_VALUE, once per block
    ("not_in_odoo", 0.002),  # unit missing from Odoo's equipment: UNKNOWN_EQUIPMENT
    ("closed_job", 0.002),  # assigned to a job that is closed in Odoo: JOB_CLOSED
)
SERIAL_ONLY_SHARE = 0.01  # blocks that send a serial number and no PIN, which still price normally


@dataclass
class FleetUnit:
    index: int
    fault: str | None
    pin: str | None
    serial: str
    equipment_class: str
    meter_start: Decimal
    meter_end: Decimal
    assignments: list[tuple[str, str, Decimal | None, Decimal | None]] = field(default_factory=list)


@dataclass(frozen=True)
class GeneratedFleet:
    """Paths and counts of one generated input set."""

    snapshot_paths: list[Path]
    equipment_db_url: str
    readings: int
    units: int
    fault_counts: dict[str, int]
    master_data: SyntheticOdoo


def generate_fleet(readings: int, out_dir: Path, tz_name: str, *, file_format: str = "xml") -> GeneratedFleet:
    """Write snapshots holding `readings` hour-meter readings in total, and the matching equipment database.

    Each unit has one reading in each of the two snapshots, so there are readings // 2 units.
    An odd count adds one unit that is only in the first snapshot. Output is the same on every run.
    """
    if readings < 2:
        raise ValueError(f"readings {readings} must be 2 or more")
    if file_format not in ("xml", "json"):
        raise ValueError(f"unknown snapshot format {file_format!r}; use 'xml' or 'json'")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    units = [_make_unit(index, rng) for index in range(readings // 2)]
    lone_unit = _make_unit(len(units), rng) if readings % 2 else None

    zone = ZoneInfo(tz_name)
    evening_before = datetime.combine(BUSINESS_DATE - timedelta(days=1), SNAPSHOT_TIME, zone).astimezone(timezone.utc)
    evening_of = datetime.combine(BUSINESS_DATE, SNAPSHOT_TIME, zone).astimezone(timezone.utc)
    paths = []
    for taken_at, closing in ((evening_before, False), (evening_of, True)):
        listed = units + ([lone_unit] if lone_unit and not closing else [])
        path = out_dir / f"fleet_{taken_at.astimezone(zone):%Y%m%d}.{file_format}"
        write = _write_xml if file_format == "xml" else _write_json
        write(path, [_block(unit, taken_at, closing) for unit in listed], taken_at)
        paths.append(path)

    db_path = out_dir / "equipment.sqlite"
    db_path.unlink(missing_ok=True)
    db_url = f"sqlite:///{db_path}"
    _write_equipment_db(db_url, units + ([lone_unit] if lone_unit else []))

    fault_counts: dict[str, int] = {}
    for unit in units:
        if unit.fault:
            fault_counts[unit.fault] = fault_counts.get(unit.fault, 0) + 1
    return GeneratedFleet(
        snapshot_paths=paths, equipment_db_url=db_url, readings=readings,
        units=len(units) + (1 if lone_unit else 0), fault_counts=fault_counts,
        master_data=SyntheticOdoo.for_units(units + ([lone_unit] if lone_unit else [])),
    )


def _make_unit(index: int, rng: random.Random) -> FleetUnit:
    draw = rng.random()
    fault = None
    for name, share in FAULTS:
        if draw < share:
            fault = name
            break
        draw -= share

    serial = f"SN{index:08d}"
    pin = None if (fault == "no_unit_key" or rng.random() < SERIAL_ONLY_SHARE) else f"PIN{index:010d}"
    equipment_class = NO_RATE_CLASS if fault == "missing_rate" else f"CLS-{index % CLASS_COUNT:02d}"
    meter_start = Decimal(rng.randint(10_000, 2_000_000)) / 100
    hours = Decimal(rng.randint(0, 1200)) / 100
    if fault == "over_24_hours":
        hours = Decimal("30.00")
    meter_end = meter_start - Decimal("5.00") if fault == "meter_backwards" else meter_start + hours
    unit = FleetUnit(index, fault, pin, serial, equipment_class, meter_start, meter_end)

    job = CLOSED_JOB if fault == "closed_job" else f"J-{3000 + index % (JOB_COUNT - 1)}"
    if fault == "no_assignment":
        return unit
    if fault == "bad_split":
        unit.assignments = [(job, COST_CODES[0], None, Decimal("60")), (job, COST_CODES[1], None, Decimal("30"))]
    elif rng.random() < 0.3:
        # A split day by hours over two or three jobs; some cost codes arrive raw, as "033000".
        for part in range(rng.randint(2, 3)):
            code = COST_CODES[(index + part) % len(COST_CODES)]
            raw = code.replace(" ", "") if rng.random() < 0.1 else code
            split_job = job if part == 0 else f"J-{3000 + (index + 7 * part) % (JOB_COUNT - 1)}"
            unit.assignments.append((split_job, raw, Decimal(rng.randint(100, 500)) / 100, None))
    else:
        unit.assignments = [(job, COST_CODES[index % len(COST_CODES)], None, Decimal("100"))]
    return unit


def _block(unit: FleetUnit, taken_at: datetime, closing: bool) -> dict:
    read_at = taken_at - REPORT_LAG
    hours = unit.meter_end if closing else unit.meter_start
    if unit.fault == "stale":
        # Both snapshots repeat one reading from days before, as a unit that stopped reporting does.
        read_at = datetime.combine(BUSINESS_DATE - timedelta(days=6), time(15), timezone.utc)
        hours = unit.meter_start
    stamp = _timestamp(read_at)
    if closing and unit.fault == "no_closing":
        stamp = "0001-01-01T00:00:00Z"
    header = {"OEMName": "ExampleOEM", "Model": f"M{unit.index % 17}", "EquipmentID": f"Unit {unit.index}"}
    if unit.fault != "no_unit_key":
        header["SerialNumber"] = unit.serial
    if unit.pin:
        header["PIN"] = unit.pin
    return {
        "header": header,
        "hours": f"{hours:.2f}",
        "hours_at": stamp,
        "fuel": f"{(hours * Decimal('11.5')).quantize(Decimal('0.1'))}",
        "fuel_at": _timestamp(read_at),
    }


def _write_xml(path: Path, blocks: list[dict], taken_at: datetime) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        out.write(f'<Fleet xmlns="{ISO_2019_NAMESPACE}" version="20190501" snapshotTime="{_timestamp(taken_at)}">\n')
        out.write(f"  <Links><rel>self</rel><href>https://telematics.example/Fleet/1?snapshot={path.stem}</href></Links>\n")
        for block in blocks:
            header = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in block["header"].items())
            out.write(
                f"  <Equipment><EquipmentHeader>{header}</EquipmentHeader>"
                f'<CumulativeOperatingHours datetime="{block["hours_at"]}"><Hour>{block["hours"]}</Hour></CumulativeOperatingHours>'
                f'<FuelUsed datetime="{block["fuel_at"]}"><FuelUnits>litre</FuelUnits>'
                f"<FuelConsumed>{block['fuel']}</FuelConsumed></FuelUsed></Equipment>\n"
            )
        out.write("</Fleet>\n")


def _write_json(path: Path, blocks: list[dict], taken_at: datetime) -> None:
    equipment = [
        {
            "EquipmentHeader": block["header"],
            "CumulativeOperatingHours": {"datetime": block["hours_at"], "Hour": block["hours"]},
            "FuelUsed": {"datetime": block["fuel_at"], "FuelUnits": "litre", "FuelConsumed": block["fuel"]},
        }
        for block in blocks
    ]
    document = {
        "version": "0",
        "snapshotTime": _timestamp(taken_at),
        "Links": [{"rel": "self", "href": f"https://telematics.example/Fleet/1?snapshot={path.stem}&format=json"}],
        "Equipment": equipment,
    }
    path.write_text(json.dumps(document) + "\n", encoding="utf-8")


def _write_equipment_db(url: str, units: list[FleetUnit]) -> None:
    engine = create_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(equipment_units), [
                {"unit_id": f"U-{unit.index:06d}", "pin": unit.pin, "serial_no": unit.serial,
                 "equipment_class": unit.equipment_class, "description": f"synthetic unit {unit.index}",
                 "active": unit.fault != "archived_unit"}
                for unit in units if unit.fault != "unknown_unit"
            ])
            rates = []
            for number in range(CLASS_COUNT):
                equipment_class = f"CLS-{number:02d}"
                old = Decimal(60 + 5 * number).quantize(Decimal("0.0001"))
                rates.append({"equipment_class": equipment_class, "effective_from": date(2025, 1, 1),
                              "effective_to": date(2026, 6, 30), "hourly_rate": old})
                rates.append({"equipment_class": equipment_class, "effective_from": date(2026, 7, 1),
                              "effective_to": None, "hourly_rate": old + Decimal("4.2500")})
            connection.execute(insert(equipment_rates), rates)
            connection.execute(insert(equipment_assignments), [
                {"unit_id": f"U-{unit.index:06d}", "start_date": BUSINESS_DATE - timedelta(days=unit.index % 5),
                 "end_date": BUSINESS_DATE + timedelta(days=unit.index % 3), "job": job, "cost_code": cost_code,
                 "share_hours": share_hours, "share_percent": share_percent}
                for unit in units
                for job, cost_code, share_hours, share_percent in unit.assignments
            ])
    finally:
        engine.dispose()


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SyntheticOdoo:
    """In-memory stand-in for the Odoo reads of the equipment path: search_read and fields_get.

    It filters on `("field", "in", values)` domain terms only, which is all those reads use.
    It measures none of Odoo's own cost: no network, no ORM, no access rules.
    """

    def __init__(self, records: dict[str, list[dict]], fields: dict[str, dict]):
        self.records = records
        self.fields = fields

    @classmethod
    def for_units(cls, units: list[FleetUnit]) -> SyntheticOdoo:
        equipment = [
            {"id": position, "serial_no": unit.pin or unit.serial, "active": True, "name": f"Unit {unit.index}"}
            for position, unit in enumerate(units, start=1)
            if unit.fault not in ("not_in_odoo", "unknown_unit")
        ]
        jobs = [f"J-{3000 + number}" for number in range(JOB_COUNT)]
        analytic = [{"id": 1000 + position, "code": code} for position, code in enumerate(jobs + list(COST_CODES))]
        job_accounts = {row["code"]: row["id"] for row in analytic}
        projects = [
            {"id": 5000 + position, "name": f"Job {job}", "active": True, "allow_timesheets": True,
             "stage_id": [2, "Closed"] if job == CLOSED_JOB else [1, "In progress"], "company_id": [1, "Company"],
             "analytic_account_id": [job_accounts[job], job]}
            for position, job in enumerate(jobs)
        ]
        records = {
            "maintenance.equipment": equipment,
            "account.analytic.account": analytic,
            "project.project": projects,
            "project.project.stage": [{"id": 1, "fold": False}, {"id": 2, "fold": True}],
            "project.task": [],
            "hr.employee": [],
            "res.company": [{"id": 1, "period_lock_date": ODOO_LOCK_DATE}],
            "account.account": [{"id": 1, "code": "5300"}, {"id": 2, "code": "4900"}, {"id": 3, "code": "5100"},
                                {"id": 4, "code": "5200"}],
            "account.journal": [{"id": 1, "code": "EQP"}],
        }
        fields = {
            "project.project": {name: {} for name in ("name", "active", "allow_timesheets", "stage_id", "company_id",
                                                       "analytic_account_id")},
            "res.company": {"period_lock_date": {}},
        }
        return cls(records, fields)

    def search_read(self, model: str, domain: list, fields: list[str] | None = None, **_options) -> list[dict]:
        rows = self.records[model]
        for name, operator, values in domain:
            if operator != "in":
                raise NotImplementedError(f"SyntheticOdoo supports only 'in' domain terms, not {operator!r}")
            accepted = set(values)
            rows = [row for row in rows if _domain_value(row.get(name)) in accepted]
        return [dict(row) for row in rows]

    def fields_get(self, model: str) -> dict:
        return self.fields.get(model, {})


def _domain_value(value):
    # A many2one reads as [id, name]; a domain compares its id.
    return value[0] if isinstance(value, list) else value
