"""Checks of proposed journal entries: balance, amounts, analytic distribution, lock dates, swing."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from checks.journal_rules import (
    EntryRowError,
    accrual_swing,
    check_amount_places,
    check_analytic_complete,
    check_balanced,
    check_lock_date,
    entry_hold_reasons,
    group_rows_into_entries,
    latest_lock_date,
    parse_distribution,
)
from ingest.accruals import read_accruals
from ingest.records import Reason
from tests.accruals.conftest import case_file


def line(account="5110", debit="0.00", credit="0.00", distribution=None, name="Accrual") -> dict:
    return {
        "account_code": account,
        "debit": Decimal(debit),
        "credit": Decimal(credit),
        "analytic_distribution": distribution,
        "name": name,
    }


def read_rows(path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------
# Handed inputs


def test_c02_rows_form_one_entry():
    entries = group_rows_into_entries(read_rows(case_file("C02-je-rows.csv")))

    assert len(entries) == 1
    entry = entries[0]
    assert entry.ref == "ACR-2024-03-017"
    assert entry.date == date(2024, 3, 31)
    assert entry.journal == "MISC"
    assert len(entry.lines) == 3


def test_c02_entry_balanced():
    entry = group_rows_into_entries(read_rows(case_file("C02-je-rows.csv")))[0]

    balanced, debit_total, credit_total, difference = check_balanced(entry.lines)

    assert balanced is True
    assert debit_total == Decimal("16800.00")
    assert credit_total == Decimal("16800.00")
    assert difference == Decimal("0.00")
    assert entry_hold_reasons(entry) == []


def test_c02_job_becomes_distribution():
    entry = group_rows_into_entries(read_rows(case_file("C02-je-rows.csv")))[0]

    assert [item["analytic_distribution"] for item in entry.lines] == [
        {"J-2301": Decimal("100.00")}, {"J-2302": Decimal("100.00")}, None,
    ]


def test_c05_partial_distribution_held():
    entries = group_rows_into_entries(read_rows(case_file("C05-je-lines.csv")))
    entry = entries[0]

    findings = check_analytic_complete(entry.lines)

    assert [entry.ref for entry in entries] == ["ACR-2024-03-022"]
    assert [(f.line, f.reason) for f in findings] == [(1, Reason.ANALYTIC_INCOMPLETE)]
    assert "60.00 %" in findings[0].message
    assert entry.lines[2]["account_code"] == "2110"  # balance-sheet line, exempt
    assert entry.lines[2]["analytic_distribution"] is None


def test_c05_entry_is_held():
    entry = group_rows_into_entries(read_rows(case_file("C05-je-lines.csv")))[0]

    reasons = entry_hold_reasons(entry, lock_date=None)

    assert any("60.00 %" in reason for reason in reasons)
    assert check_balanced(entry.lines)[0] is True


def test_c06_locked_period_held():
    document = json.loads(case_file("C06-accrual-batch.json").read_text())
    batch = document["batch"]
    rows = [dict(item, ref=batch["ref"], date=batch["date"]) for item in batch["lines"]]
    entry = group_rows_into_entries(rows)[0]

    lock_date = latest_lock_date(document["company_lock_dates"])

    assert entry.ref == "ACR-2024-03-031"
    assert lock_date == date(2024, 3, 31)
    assert check_lock_date(entry.date, lock_date) == "period locked through 2024-03-31"
    assert entry_hold_reasons(entry, lock_date=lock_date) == ["period locked through 2024-03-31"]


# ---------------------------------------------------------------------------
# Balance and amounts


def test_one_cent_imbalance_found():
    lines = [line(debit="333.33"), line(debit="333.33"), line(debit="333.33"), line("2110", credit="1000.00")]

    balanced, debit_total, credit_total, difference = check_balanced(lines)

    assert balanced is False
    assert debit_total == Decimal("999.99")
    assert credit_total == Decimal("1000.00")
    assert difference == Decimal("-0.01")


def test_float_amount_raises():
    lines = [line(debit="10.00"), dict(line("2110"), credit=10.0)]

    with pytest.raises(TypeError, match="line 2 credit is float"):
        check_balanced(lines)


def test_amount_places_findings():
    lines = [
        line(debit="333.3333"),
        line(debit="-5.00"),
        line(debit="5.00", credit="5.00"),
        dict(line(), credit=0.1),
        line(debit="12.50"),
    ]

    findings = check_amount_places(lines)

    assert [(f.line, f.reason) for f in findings] == [
        (1, Reason.INVALID_AMOUNT), (2, Reason.INVALID_AMOUNT), (3, Reason.INVALID_AMOUNT), (4, Reason.INVALID_AMOUNT),
    ]
    assert "more than 2 decimal places" in findings[0].message


def test_unbalanced_entry_hold_reason():
    entry = group_rows_into_entries([
        {"ref": "ACR-1", "date": "2026-11-30", "account": "5110", "job": "J-2301", "debit": "100.00", "credit": ""},
        {"ref": "ACR-1", "date": "2026-11-30", "account": "2110", "debit": "", "credit": "99.99"},
    ])[0]

    assert entry_hold_reasons(entry) == ["entry ACR-1 is not balanced: debits 100.00, credits 99.99, difference 0.01"]


# ---------------------------------------------------------------------------
# Analytic distribution


@pytest.mark.parametrize(("distribution", "complete"), [
    ({"41": 100.0}, True),
    ({"41": 60.0, "42": 40.0}, True),
    ({"41": 33.33, "42": 33.33, "43": 33.33}, True),  # 99.99 is inside the 0.01 tolerance
    ({"41": 33.33, "42": 33.33, "43": 33.33, "44": 0.01}, True),
    ({"41": 33.33, "42": 33.33, "43": 33.32}, False),
    ({"41": 99.98}, False),
    ({"41": 100.02}, False),
    ({"41": 60.0}, False),
    ({"41": 150.0, "42": -50.0}, False),
    ({"41": "abc"}, False),
    ({}, False),
    (None, False),
])
def test_distribution_total(distribution, complete):
    findings = check_analytic_complete([line(distribution=distribution)])

    assert (findings == []) is complete


def test_tolerance_boundary_inclusive():
    # A single percentage above 100 is invalid on its own, so the upper bound needs two keys.
    assert check_analytic_complete([line(distribution={"41": Decimal("99.99")})]) == []
    assert check_analytic_complete([line(distribution={"41": Decimal("50.01"), "42": Decimal("50.00")})]) == []
    assert check_analytic_complete([line(distribution={"41": Decimal("99.989")})]) != []


def test_balance_sheet_line_exempt():
    lines = [line("2110", credit="10.00"), line("1400", debit="10.00", distribution={"41": 10.0})]

    assert check_analytic_complete(lines) == []


def test_other_job_cost_prefix():
    lines = [line("6100", debit="10.00"), line("5110", credit="10.00")]

    findings = check_analytic_complete(lines, job_cost_prefix="6")

    assert [f.line for f in findings] == [1]


def test_distribution_per_plan():
    plans = {"41": "projects", "42": "projects", "90": "departments", "91": "departments"}
    complete = line(distribution={"41,90": 60.0, "42,91": 40.0})
    project_only = line(distribution={"41": 100.0})
    unknown = line(distribution={"41": 100.0, "77": 100.0})

    assert check_analytic_complete([complete], plans=plans) == []
    assert "plan 'departments'" in check_analytic_complete([project_only], plans=plans)[0].message
    assert check_analytic_complete([project_only], plans=plans, required_plans=["projects"]) == []
    assert "no known plan" in check_analytic_complete([unknown], plans=plans)[0].message


def test_distribution_text_parsed():
    assert parse_distribution('{"J-2301": 60.0}') == {"J-2301": Decimal("60.0")}
    assert parse_distribution("") is None
    assert parse_distribution(None) is None
    assert parse_distribution("{}") is None
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_distribution("[1, 2]")


# ---------------------------------------------------------------------------
# Grouping


def test_odoo_layout_continuation_rows():
    rows = [
        {"ref": "ACR-2", "date": "2026-11-30", "journal_id": "MISC", "account": "5110", "job": "J-2301",
         "label": "Pumping", "debit": "500.00", "credit": "0.00"},
        {"ref": "", "date": "", "journal_id": "", "account": "2110", "label": "Accrued", "debit": "0.00",
         "credit": "500.00"},
        {"ref": "ACR-3", "date": "2026-11-30", "journal_id": "MISC", "account": "5120", "job": "J-2302",
         "label": "Rebar", "debit": "75.00", "credit": "0.00"},
        {"ref": "", "account": "2110", "label": "Accrued", "debit": "0.00", "credit": "75.00"},
    ]

    entries = group_rows_into_entries(rows)

    assert [(e.ref, len(e.lines), e.debit_total, e.credit_total) for e in entries] == [
        ("ACR-2", 2, Decimal("500.00"), Decimal("500.00")),
        ("ACR-3", 2, Decimal("75.00"), Decimal("75.00")),
    ]
    assert entries[0].journal == "MISC"


def test_interleaved_refs_grouped():
    rows = [
        {"ref": "A", "date": "2026-11-30", "account": "5110", "debit": "1.00", "credit": "0"},
        {"ref": "B", "date": "2026-11-30", "account": "5110", "debit": "2.00", "credit": "0"},
        {"ref": "A", "date": "2026-11-30", "account": "2110", "debit": "0", "credit": "1.00"},
    ]

    entries = group_rows_into_entries(rows)

    assert [(e.ref, len(e.lines)) for e in entries] == [("A", 2), ("B", 1)]


def test_conflicting_dates_raise():
    rows = [
        {"ref": "A", "date": "2026-11-30", "account": "5110", "debit": "1.00", "credit": "0"},
        {"ref": "A", "date": "2026-12-01", "account": "2110", "debit": "0", "credit": "1.00"},
    ]

    with pytest.raises(EntryRowError, match="row 2 gives date 2026-12-01 for entry A"):
        group_rows_into_entries(rows)


def test_first_row_without_ref_raises():
    with pytest.raises(EntryRowError, match="row 1 has no ref"):
        group_rows_into_entries([{"ref": "", "date": "2026-11-30", "account": "5110", "debit": "1", "credit": "0"}])


def test_float_row_amount_raises():
    with pytest.raises(TypeError, match="float"):
        group_rows_into_entries([{"ref": "A", "date": "2026-11-30", "account": "5110", "debit": 0.1, "credit": "0"}])


def test_entry_without_date_held():
    entry = group_rows_into_entries([{"ref": "A", "account": "2110", "debit": "0", "credit": "0"}])[0]

    assert entry.date is None
    assert entry_hold_reasons(entry) == ["entry A has no date"]


# ---------------------------------------------------------------------------
# Lock dates


@pytest.mark.parametrize(("entry_date", "lock_date", "expected"), [
    (date(2026, 11, 30), date(2026, 10, 31), None),
    (date(2026, 10, 31), date(2026, 10, 31), "period locked through 2026-10-31"),
    (date(2026, 10, 15), "2026-10-31", "period locked through 2026-10-31"),
    ("2026-11-30", None, None),
])
def test_lock_date_cases(entry_date, lock_date, expected):
    assert check_lock_date(entry_date, lock_date) == expected


def test_latest_lock_date_ignores_unset():
    assert latest_lock_date({"period_lock_date": None, "fiscalyear_lock_date": "2025-12-31", "x": False}) == date(2025, 12, 31)
    assert latest_lock_date({"period_lock_date": None}) is None


# ---------------------------------------------------------------------------
# Accrual swing


def test_demo_swing_finds_rental(sqlite_demo_url):
    current = read_accruals(sqlite_demo_url, "2026-11").frame
    previous = read_accruals(sqlite_demo_url, "2026-10").frame

    findings = accrual_swing(current, previous, 50)

    assert [(f.job, f.cost_code) for f in findings] == [("J-2417", "31 23 00")]
    assert findings[0].current == Decimal("14880.00")
    assert findings[0].previous == Decimal("6240.00")
    assert round(findings[0].change_pct, 1) == Decimal("138.5")
    assert "+138.5 %" in findings[0].message


def test_swing_credit_offsets_same_code(sqlite_demo_url):
    current = read_accruals(sqlite_demo_url, "2026-11").frame
    previous = read_accruals(sqlite_demo_url, "2026-10").frame

    findings = accrual_swing(current, previous, Decimal("0.4"))
    pumping = [f for f in findings if (f.job, f.cost_code) == ("J-2301", "03 30 00")]

    # 19200.00 - 850.00 = 18350.00 against 18450.00 is -0.54 %.
    assert pumping[0].current == Decimal("18350.00")
    assert round(pumping[0].change_pct, 2) == Decimal("-0.54")


def test_swing_threshold_is_strict():
    previous = _frame(("J-1", "03 30 00", "100.00"))

    assert accrual_swing(_frame(("J-1", "03 30 00", "150.00")), previous, 50) == []
    assert len(accrual_swing(_frame(("J-1", "03 30 00", "150.01")), previous, 50)) == 1
    assert len(accrual_swing(_frame(("J-1", "03 30 00", "49.99")), previous, 50)) == 1


def test_swing_new_and_dropped_codes():
    previous = _frame(("J-1", "03 30 00", "100.00"))
    current = _frame(("J-2", "03 30 00", "40.00"))

    findings = accrual_swing(current, previous, 50)

    assert [(f.job, f.change_pct) for f in findings] == [("J-1", Decimal(-100)), ("J-2", None)]
    assert "nothing in the previous period" in findings[1].message


def test_swing_rejects_float_amounts():
    frame = pd.DataFrame({"job": ["J-1"], "cost_code": ["03 30 00"], "amount": [100.0]})

    with pytest.raises(TypeError, match="not a Decimal"):
        accrual_swing(frame, frame, 50)


def _frame(*rows):
    return pd.DataFrame(
        [{"job": job, "cost_code": cost_code, "amount": Decimal(amount)} for job, cost_code, amount in rows]
    )
