"""The handed real-world case inputs that concern labor, SFTP and posting, read from the shared folder.

Each fault class has its own tests elsewhere (tests/sftp, tests/ingest, tests/pipeline);
these run the original small inputs, which sit in the shared folder beside the repository.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.labor_reader import read_labor_extract
from ingest.mapping import load_mapping
from odoo_io.client import drop_empty_values
from resources.sftp import ListingEntry, assess_completeness

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "inputs"


def case_file(name: str) -> Path:
    path = CASES / name
    if not path.exists():
        pytest.skip(f"case input {path} is not beside this checkout")
    return path


def test_c03_empty_values_never_sent():
    payload = json.loads(case_file("C03-move-payload.json").read_text())

    sent = [drop_empty_values(line) for line in payload["values"]["line_ids"]]

    assert sent[1] == {"account_id": 512, "name": "Labor shop overhead", "debit": 260.0, "credit": 0.0}
    assert all(None not in line.values() for line in sent)


def test_c13_growing_file_taken_at_third_poll():
    listing = json.loads(case_file("C13-sftp-listing.json").read_text())
    polls = []
    verdicts = []

    for poll in listing["polls"]:
        polls.append([
            ListingEntry(item["name"], item["size"], int(datetime.fromisoformat(item["mtime"].replace("Z", "+00:00")).astimezone(UTC).timestamp()))
            for item in poll["files"]
        ])
        verdicts.append([item.complete for item in assess_completeness(polls, pattern="labor_*.csv")])

    assert verdicts == [[False], [False], [True]]
    assert assess_completeness(polls, pattern="labor_*.csv")[0].size == 26880


def test_c14_bom_header_and_totals():
    extract = read_labor_extract(case_file("C14-timecards-bom.csv"), load_mapping("c14_timecards"),
                                 business_date=date(2024, 3, 11))

    assert extract.header == ["EmployeeID", "Job", "Phase", "CostType", "PayType", "Hours"]
    assert list(extract.frame["cost_code"]) == ["03 30 00", "03 30 00"]
    assert extract.total_hours == Decimal("10.00")
    assert extract.frame.groupby("pay_type")["hours"].sum().to_dict() == {"RT": Decimal("8.00"), "OT": Decimal("2.00")}
