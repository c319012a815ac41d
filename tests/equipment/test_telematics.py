"""AEMP fleet snapshot reader: both namespaces, both formats, timestamps, placeholders, paging."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.records import ExtractError, Reason
from ingest.telematics import (
    ISO_2019_NAMESPACE,
    ISO_NAMESPACE,
    InvalidReading,
    parse_aemp_datetime,
    parse_fleet_document,
    read_fleet_pages,
    read_fleet_snapshot,
)

DATA = Path(__file__).parent / "data"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def notes_by_element(unit) -> dict[str, Reason]:
    return {note.element: note.reason for note in unit.notes}


def test_iso_namespace_version_zero():
    snapshot = read_fleet_snapshot(DATA / "iso_v0_page1.xml")
    assert snapshot.namespace == ISO_NAMESPACE
    assert snapshot.version == "0"
    assert snapshot.file_format == "xml"
    assert snapshot.snapshot_time == utc(2026, 11, 18, 5, 30)
    assert [unit.pin for unit in snapshot.equipment] == ["PIN0000042", "PIN0000077"]


def test_xml_reading_values_and_fuel():
    unit = read_fleet_snapshot(DATA / "iso_v0_page1.xml").equipment[0]
    assert unit.block == 1
    assert unit.serial_number == "SN0042"
    assert unit.equipment_id == "EX-104 SN:0042 Summit"
    assert unit.oem == "ExampleOEM"
    assert unit.model == "EX210"
    assert unit.operating_hours.hours == Decimal("1860.7")
    assert unit.operating_hours.read_at == utc(2026, 11, 18, 5, 10, 0, 342000)
    assert unit.fuel_used.consumed == Decimal("30512.5")
    assert unit.fuel_used.units == "litre"
    assert unit.fuel_used.read_at == utc(2026, 11, 18, 5, 0)


def test_xml_placeholders_become_none_with_notes():
    first, second = read_fleet_snapshot(DATA / "iso_v0_page1.xml").equipment
    assert first.installed_at is None
    assert first.fuel_tank_capacity is None
    assert first.engine_number is None
    notes = notes_by_element(first)
    assert notes["EquipmentHeader/UnitInstallDateTime"] == Reason.PLACEHOLDER_VALUE
    assert notes["FuelRemaining/FuelTankCapacity"] == Reason.PLACEHOLDER_VALUE
    assert notes["EngineStatus/EngineNumber"] == Reason.PLACEHOLDER_VALUE
    assert second.model is None
    assert second.serial_number is None
    assert second.equipment_id is None
    assert set(notes_by_element(second)) == {
        "EquipmentHeader/Model",
        "EquipmentHeader/SerialNumber",
        "EquipmentHeader/EquipmentID",
    }


def test_datetime_without_zone_is_utc():
    second = read_fleet_snapshot(DATA / "iso_v0_page1.xml").equipment[1]
    assert second.operating_hours.read_at == utc(2026, 11, 18, 5, 12)


def test_2019_namespace_datetime_child():
    snapshot = read_fleet_snapshot(DATA / "takeuchi_2019.xml")
    assert snapshot.namespace == ISO_2019_NAMESPACE
    assert snapshot.version == "20190501"
    unit = snapshot.equipment[0]
    assert unit.operating_hours.hours == Decimal("412.3")
    assert unit.operating_hours.read_at == utc(2026, 11, 17, 22, 5, 10)


def test_bosch_top_level_array():
    snapshot = read_fleet_snapshot(DATA / "bosch_array.json")
    assert snapshot.file_format == "json"
    assert snapshot.link("self") == "https://bodas.example/Fleet/1"
    unit = snapshot.equipment[0]
    assert unit.pin is None
    assert unit.model is None
    assert unit.unit_key == "SN0077"
    assert unit.operating_hours.hours == Decimal("3333.5")
    assert unit.fuel_used.consumed == Decimal("10250.25")
    assert unit.fuel_used.units == "liter"


def test_json_keys_any_case_epoch_ms():
    unit = read_fleet_snapshot(DATA / "trackunit_epoch.json").equipment[0]
    assert unit.pin == "PIN0000065"
    assert unit.equipment_id == "ET65"
    assert unit.operating_hours.hours == Decimal(95)
    assert unit.operating_hours.read_at == utc(2026, 11, 18, 5, 10)


@pytest.mark.parametrize("name", ["empty_page.json", "empty_equipment.json"])
def test_empty_pages(name):
    assert read_fleet_snapshot(DATA / name).equipment == ()


def test_header_only_block_has_no_readings():
    unit = read_fleet_snapshot(DATA / "iso_v0_page2.xml").equipment[1]
    assert unit.pin == "PIN0000131"
    assert unit.operating_hours is None
    assert unit.fuel_used is None
    assert unit.notes == ()


def test_unit_key_prefers_pin_then_serial():
    crane = read_fleet_snapshot(DATA / "iso_v0_page2.xml").equipment[0]
    assert crane.pin is None
    assert crane.unit_key == "SN0105"
    excavator = read_fleet_snapshot(DATA / "iso_v0_page1.xml").equipment[0]
    assert excavator.unit_key == "PIN0000042"


def test_pages_join_in_link_order():
    snapshot = read_fleet_pages([DATA / "iso_v0_page2.xml", DATA / "iso_v0_page1.xml"])
    assert snapshot.source_files == ("iso_v0_page1.xml", "iso_v0_page2.xml")
    assert [(unit.source_file, unit.block) for unit in snapshot.equipment] == [
        ("iso_v0_page1.xml", 1),
        ("iso_v0_page1.xml", 2),
        ("iso_v0_page2.xml", 1),
        ("iso_v0_page2.xml", 2),
    ]


def test_pages_missing_next_page_raises():
    with pytest.raises(ExtractError, match="Fleet/2"):
        read_fleet_pages([DATA / "iso_v0_page1.xml"])


def test_pages_accept_empty_last_page():
    snapshot = read_fleet_pages([DATA / "iso_v0_page1.xml", DATA / "iso_v0_page2.xml", DATA / "empty_page.json"])
    assert len(snapshot.equipment) == 4


def test_detects_format_by_content(tmp_path):
    xml_named_json = tmp_path / "snapshot.json"
    xml_named_json.write_bytes((DATA / "takeuchi_2019.xml").read_bytes())
    assert read_fleet_snapshot(xml_named_json).file_format == "xml"


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"<Fleet xmlns='urn:other'/>", "unknown namespace"),
        (b"<Other xmlns='http://standards.iso.org/iso/15143/-3'/>", "root element"),
        (b"<Fleet", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><Fleet/>', "DOCTYPE"),
        (b'{"Equipment": [', "not valid"),
        (b'{"items": []}', "not a Fleet"),
        (b"hours,1", "neither XML nor JSON"),
    ],
)
def test_unreadable_documents_raise(payload, message):
    with pytest.raises(ExtractError, match=message):
        parse_fleet_document(payload, "bad.txt")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-18T05:10:00Z", utc(2026, 11, 18, 5, 10)),
        ("2026-11-18T05:10:00.342Z", utc(2026, 11, 18, 5, 10, 0, 342000)),
        ("2026-11-18T05:10:00", utc(2026, 11, 18, 5, 10)),
        ("2026-11-17T23:10:00-06:00", utc(2026, 11, 18, 5, 10)),
        (1794978600000, utc(2026, 11, 18, 5, 10)),
        ("1794978600000", utc(2026, 11, 18, 5, 10)),
        ("0001-01-01T00:00:00Z", None),
    ],
)
def test_datetime_forms(value, expected):
    assert parse_aemp_datetime(value) == expected


@pytest.mark.parametrize("value", ["18/11/2026 05:10", "2026-13-01T00:00:00Z", True])
def test_invalid_datetimes_raise(value):
    with pytest.raises(InvalidReading):
        parse_aemp_datetime(value)


def test_unreadable_hour_leaves_note():
    payload = b"""{"Equipment": [{"EquipmentHeader": {"PIN": "P1"},
        "CumulativeOperatingHours": {"datetime": "2026-11-18T05:10:00Z", "Hour": "12,5"}}]}"""
    unit = parse_fleet_document(payload, "bad_hour.json").equipment[0]
    assert unit.operating_hours is None
    assert notes_by_element(unit) == {"CumulativeOperatingHours/Hour": Reason.INVALID_NUMBER}


def test_hour_without_datetime_leaves_note():
    payload = b"""{"Equipment": [{"EquipmentHeader": {"PIN": "P1"},
        "CumulativeOperatingHours": {"datetime": "0001-01-01T00:00:00Z", "Hour": 12}}]}"""
    unit = parse_fleet_document(payload, "no_time.json").equipment[0]
    assert unit.operating_hours is None
    assert notes_by_element(unit)["CumulativeOperatingHours/datetime"] == Reason.MISSING_VALUE
