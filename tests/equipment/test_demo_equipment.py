"""Demo snapshots and demo database: both formats agree, quirks show up, usage ties to the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from checks.equipment_schema import validate_charge_lines, validate_usage_rows
from demo.equipment import DEMO_DATES, create_demo_equipment_db, write_fleet_snapshots
from ingest.allocation import price_usage
from ingest.equipment_db import load_assignments, load_rates, load_units, read_db_usage
from ingest.equipment_usage import compute_daily_usage
from ingest.records import Reason
from ingest.telematics import read_fleet_snapshot

TZ = "America/Chicago"


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("fleet")
    write_fleet_snapshots(out_dir, DEMO_DATES)
    return out_dir


def snapshots(out_dir, file_format):
    return [read_fleet_snapshot(path) for path in sorted(out_dir.glob(f"fleet_*.{file_format}"))]


def test_files_and_done_markers(snapshot_dir):
    names = sorted(path.name for path in snapshot_dir.iterdir())
    assert len(names) == 20
    assert "fleet_20261115.xml" in names
    assert "fleet_20261119.json.done" in names
    assert all((snapshot_dir / f"{name}.done").exists() for name in names if not name.endswith(".done"))


def test_xml_and_json_give_same_usage(snapshot_dir):
    for business_date in DEMO_DATES:
        xml = compute_daily_usage(snapshots(snapshot_dir, "xml"), business_date, TZ)
        json = compute_daily_usage(snapshots(snapshot_dir, "json"), business_date, TZ)
        assert dict(zip(xml.frame["unit_key"], xml.frame["usage_hours"])) == dict(
            zip(json.frame["unit_key"], json.frame["usage_hours"])
        )
        assert [e.reason for e in xml.exceptions] == [e.reason for e in json.exceptions]


def test_demo_quirks(snapshot_dir):
    result = compute_daily_usage(snapshots(snapshot_dir, "xml"), date(2026, 11, 18), TZ)
    reasons = {e.message.split()[1].rstrip(":"): e.reason for e in result.exceptions}
    assert reasons == {
        "PIN0000099": Reason.STALE_READING,
        "PIN0000105": Reason.METER_BACKWARDS,
        "PIN0000131": Reason.NO_BRACKETING_READINGS,
    }
    assert Reason.PLACEHOLDER_VALUE in {note.reason for note in result.notes}
    assert result.rows_in == len(result.frame) + len(result.exceptions) == 5


def test_usage_ties_to_demo_database(snapshot_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'equipment.sqlite'}"
    create_demo_equipment_db(url)
    units = {unit.pin: unit.unit_id for unit in load_units(url)}
    for business_date in DEMO_DATES:
        telematics = compute_daily_usage(snapshots(snapshot_dir, "json"), business_date, TZ).frame
        database, _ = read_db_usage(url, business_date)
        from_db = dict(zip(database["unit_key"], database["usage_hours"]))
        for pin, hours in zip(telematics["unit_key"], telematics["usage_hours"]):
            assert from_db[units[pin]] == hours, (business_date, pin)


def test_demo_day_prices_and_validates(snapshot_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'equipment.sqlite'}"
    create_demo_equipment_db(url)
    business_date = date(2026, 11, 18)
    usage = compute_daily_usage(snapshots(snapshot_dir, "xml"), business_date, TZ)
    valid_usage, usage_exceptions = validate_usage_rows(usage.frame, business_date)
    assert usage_exceptions == []
    lines, exceptions = price_usage(valid_usage, load_units(url), load_assignments(url, business_date), load_rates(url))
    assert exceptions == []
    valid_lines, line_exceptions = validate_charge_lines(lines, business_date)
    assert line_exceptions == []
    # EX-104: 9.00 h x 95.0000 = 855.00 split 6:3; LDR-220: 8.90 h x 78.2500 (new rate) = 696.43
    amounts = {(row.unit_id, row.job): row.amount for row in valid_lines.itertuples()}
    assert amounts == {
        ("EX-104", "J-2301"): Decimal("570.00"),
        ("EX-104", "J-2417"): Decimal("285.00"),
        ("LDR-220", "J-2302"): Decimal("696.43"),
    }


def test_database_path_exceptions(tmp_path):
    url = f"sqlite:///{tmp_path / 'equipment.sqlite'}"
    create_demo_equipment_db(url)
    reasons = {}
    for business_date in DEMO_DATES:
        frame, _ = read_db_usage(url, business_date)
        _, exceptions = price_usage(frame, load_units(url), load_assignments(url, business_date), load_rates(url))
        reasons.update({(e.value, business_date): e.reason for e in exceptions})
    assert reasons == {
        ("EX-099", date(2026, 11, 17)): Reason.INACTIVE_EQUIPMENT,
        ("EX-115", date(2026, 11, 18)): Reason.UNKNOWN_EQUIPMENT,
        ("CRN-310", date(2026, 11, 19)): Reason.NO_ASSIGNMENT,
    }


def test_unknown_format_rejected(tmp_path):
    with pytest.raises(ValueError, match="csv"):
        write_fleet_snapshots(tmp_path, DEMO_DATES, formats=("csv",))
