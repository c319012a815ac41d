"""Largest-remainder allocation and pricing of usage into charge lines."""

from __future__ import annotations

import csv
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ingest.allocation import CHARGE_COLUMNS, allocate, price_usage
from ingest.equipment_db import Assignment, EquipmentRate, EquipmentUnit
from ingest.equipment_usage import usage_frame
from ingest.records import Reason

# A handed input beside the repository: one machine charge of 1000.00 over three jobs of 8 hours.
CASE_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "inputs" / "C01-equipment-allocation.csv"
DAY = date(2026, 11, 18)


def read_charge_split(path: Path) -> tuple[Decimal, list[str], list[Decimal]]:
    """Total charge, jobs and hours of a CSV with one row per job of one machine charge."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    totals = {Decimal(row["total_charge"]) for row in rows}
    assert len(totals) == 1, "every row must carry the same total charge"
    return totals.pop(), [row["job"] for row in rows], [Decimal(row["hours"]) for row in rows]


def test_handed_split_of_1000_over_three_jobs():
    if not CASE_FILE.exists():
        pytest.skip(f"{CASE_FILE} is not present")
    total, jobs, hours = read_charge_split(CASE_FILE)
    shares = dict(zip(jobs, allocate(total, hours)))
    assert shares == {"J-2301": Decimal("333.34"), "J-2302": Decimal("333.33"), "J-2417": Decimal("333.33")}
    assert sum(shares.values()) == Decimal("1000.00")


def test_split_of_1000_by_equal_weights():
    assert allocate(Decimal("1000.00"), [Decimal(8)] * 3) == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]


def test_negative_total_mirrors_positive():
    assert allocate(Decimal("-1000.00"), [Decimal(8)] * 3) == [Decimal("-333.34"), Decimal("-333.33"), Decimal("-333.33")]


def test_ties_go_to_earlier_share():
    assert allocate(Decimal("0.02"), [Decimal(1)] * 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_largest_remainder_wins():
    # exact shares 0.0333.., 0.0666..: the second has the larger remainder
    assert allocate(Decimal("0.10"), [Decimal(1), Decimal(2)]) == [Decimal("0.03"), Decimal("0.07")]


def test_zero_weight_gets_zero():
    assert allocate(Decimal("10.00"), [Decimal(0), Decimal(1)]) == [Decimal("0.00"), Decimal("10.00")]


def test_other_places():
    assert allocate(Decimal("1"), [Decimal(1)] * 3, places=0) == [Decimal(1), Decimal(0), Decimal(0)]
    assert allocate(Decimal("1.000"), [Decimal(1)] * 3, places=3) == [Decimal("0.334"), Decimal("0.333"), Decimal("0.333")]


@pytest.mark.parametrize(
    "total, weights",
    [
        (Decimal("1.005"), [Decimal(1)]),
        (Decimal("1.00"), []),
        (Decimal("1.00"), [Decimal(0), Decimal(0)]),
        (Decimal("1.00"), [Decimal(-1), Decimal(2)]),
        (1.0, [Decimal(1)]),
        (Decimal("NaN"), [Decimal(1)]),
    ],
)
def test_allocate_rejects_bad_input(total, weights):
    with pytest.raises(ValueError):
        allocate(total, weights)


def test_random_splits_keep_invariants():
    rng = random.Random(15143)
    for _ in range(2000):
        total = Decimal(rng.randint(-10_000_00, 10_000_00)).scaleb(-2)
        count = rng.randint(1, 7)
        weights = [Decimal(rng.choice([0, 1, 2, 3, 8, 25, 33])) + Decimal(rng.randint(0, 99)).scaleb(-2) for _ in range(count)]
        if sum(weights) == 0:
            continue
        shares = allocate(total, weights)
        assert sum(shares) == total, (total, weights, shares)
        assert all(share.as_tuple().exponent >= -2 for share in shares), shares
        assert all((share >= 0) == (total >= 0) or share == 0 for share in shares), shares
        for i in range(count):
            for j in range(count):
                if weights[i] == weights[j]:
                    assert abs(shares[i] - shares[j]) <= Decimal("0.01"), (weights, shares)
            exact = total * weights[i] / sum(weights)
            assert abs(shares[i] - exact) < Decimal("0.01"), (total, weights, shares)


# ---------------------------------------------------------------------------
# Pricing

UNITS = [
    EquipmentUnit("EX-104", "PIN0000042", "SN0042", "EXC-21T", True),
    EquipmentUnit("LDR-220", "PIN0000077", "SN0077", "LDR-3Y", True),
    EquipmentUnit("EX-099", "PIN0000099", "SN0099", "EXC-21T", False),
    EquipmentUnit("DZ-500", "PIN0000500", None, "DOZ-D6", True),
]
RATES = [
    EquipmentRate("EXC-21T", date(2026, 1, 1), None, Decimal("125.0000")),
    EquipmentRate("LDR-3Y", date(2026, 1, 1), date(2026, 11, 17), Decimal("72.5000")),
    EquipmentRate("LDR-3Y", date(2026, 11, 18), None, Decimal("78.2500")),
]


def assignment(unit_id, job, cost_code="31 23 00", hours=None, percent=None):
    return Assignment(unit_id, DAY, DAY, job, cost_code, hours, percent)


def usage(unit_key: str, hours: str, work_date: date = DAY, row: int = 1) -> dict:
    return {
        "source_file": "fleet.xml",
        "source_row": row,
        "source_record_id": f"{unit_key}:{work_date.isoformat()}",
        "unit_key": unit_key,
        "work_date": pd.Timestamp(work_date),
        "meter_start": None,
        "meter_end": None,
        "usage_hours": Decimal(hours),
        "read_start_at": pd.NaT,
        "read_end_at": pd.NaT,
    }


def test_charge_split_over_three_jobs():
    frame = usage_frame([usage("PIN0000042", "8.00")])
    assignments = [assignment("EX-104", job, hours=Decimal(8)) for job in ("J-2301", "J-2302", "J-2417")]
    lines, exceptions = price_usage(frame, UNITS, assignments, RATES)
    assert exceptions == []
    assert tuple(lines.columns) == CHARGE_COLUMNS
    assert list(lines["amount"]) == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    assert sum(lines["amount"]) == Decimal("1000.00")
    assert list(lines["hours"]) == [Decimal("2.67"), Decimal("2.67"), Decimal("2.66")]
    assert sum(lines["hours"]) == Decimal("8.00")
    assert set(lines["rate"]) == {Decimal("125.0000")}
    assert list(lines["line_id"]) == [
        "PIN0000042:2026-11-18:J-2301:31 23 00",
        "PIN0000042:2026-11-18:J-2302:31 23 00",
        "PIN0000042:2026-11-18:J-2417:31 23 00",
    ]
    assert set(lines["unit_id"]) == {"EX-104"}
    assert set(lines["equipment_class"]) == {"EXC-21T"}


def test_charge_rounds_once_half_up():
    # 8.33 h x 78.25 = 651.8225, rounded once to 651.82 and split 60/40
    frame = usage_frame([usage("LDR-220", "8.33")])
    assignments = [assignment("LDR-220", "J-2302", percent=Decimal(60)), assignment("LDR-220", "J-2301", percent=Decimal(40))]
    lines, exceptions = price_usage(frame, UNITS, assignments, RATES)
    assert exceptions == []
    assert list(lines["amount"]) == [Decimal("391.09"), Decimal("260.73")]
    assert sum(lines["amount"]) == Decimal("651.82")
    assert list(lines["hours"]) == [Decimal("5.00"), Decimal("3.33")]


def test_rate_in_force_on_work_date():
    frame = usage_frame([usage("LDR-220", "10.00", date(2026, 11, 17))])
    assignments = [Assignment("LDR-220", date(2026, 11, 16), date(2026, 11, 19), "J-2302", "31 23 00", None, Decimal(100))]
    lines, _ = price_usage(frame, UNITS, assignments, RATES)
    assert list(lines["amount"]) == [Decimal("725.00")]


def test_same_job_and_code_merge():
    frame = usage_frame([usage("EX-104", "4.00")])
    assignments = [assignment("EX-104", "J-2301", hours=Decimal(2)), assignment("EX-104", "J-2301", hours=Decimal(2))]
    lines, _ = price_usage(frame, UNITS, assignments, RATES)
    assert list(lines["amount"]) == [Decimal("500.00")]
    assert list(lines["hours"]) == [Decimal("4.00")]


@pytest.mark.parametrize(
    "unit_key, assignments, reason",
    [
        ("PIN0000404", [], Reason.UNKNOWN_EQUIPMENT),
        ("EX-099", [assignment("EX-099", "J-2301", hours=Decimal(1))], Reason.INACTIVE_EQUIPMENT),
        ("DZ-500", [assignment("DZ-500", "J-2301", hours=Decimal(1))], Reason.MISSING_RATE),
        ("SN0042", [], Reason.NO_ASSIGNMENT),
        ("EX-104", [assignment("EX-104", "J-2301", hours=Decimal(1)), assignment("EX-104", "J-2302", percent=Decimal(50))],
         Reason.INVALID_ASSIGNMENT),
        ("LDR-220", [assignment("LDR-220", "J-2301", percent=Decimal(80))], Reason.INVALID_ASSIGNMENT),
        ("LDR-220", [assignment("LDR-220", "J-2301", hours=Decimal(0))], Reason.INVALID_ASSIGNMENT),
    ],
)
def test_pricing_exceptions(unit_key, assignments, reason):
    frame = usage_frame([usage(unit_key, "5.00", row=7)])
    lines, exceptions = price_usage(frame, UNITS, assignments, RATES)
    assert lines.empty
    (exception,) = exceptions
    assert exception.reason == reason
    assert exception.source_file == "fleet.xml"
    assert exception.source_row == 7


def test_overlapping_rates_are_missing_rate():
    rates = [*RATES, EquipmentRate("EXC-21T", date(2026, 6, 1), None, Decimal("130"))]
    frame = usage_frame([usage("EX-104", "5.00")])
    _, exceptions = price_usage(frame, UNITS, [assignment("EX-104", "J-2301", hours=Decimal(1))], rates)
    assert [e.reason for e in exceptions] == [Reason.MISSING_RATE]


def test_priced_plus_excepted_equals_usage_rows():
    frame = usage_frame([
        usage("PIN0000042", "8.00", row=1),
        usage("PIN0000404", "3.00", row=2),
        usage("LDR-220", "9.00", row=3),
        usage("EX-099", "1.00", row=4),
    ])
    assignments = [assignment("EX-104", "J-2301", hours=Decimal(1)), assignment("LDR-220", "J-2302", percent=Decimal(100))]
    lines, exceptions = price_usage(frame, UNITS, assignments, RATES)
    priced_rows = lines["source_record_id"].nunique()
    assert priced_rows == 2
    assert len(exceptions) == 2
    assert priced_rows + len(exceptions) == len(frame)


def test_empty_usage_gives_empty_lines():
    lines, exceptions = price_usage(usage_frame([]), UNITS, [], RATES)
    assert lines.empty
    assert tuple(lines.columns) == CHARGE_COLUMNS
    assert exceptions == []
