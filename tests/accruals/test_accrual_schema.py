"""Row rules of the canonical accrual frame, on frames built in the tests."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from checks.accrual_schema import approval_summary, count_excepted_rows, validate_accrual_rows
from ingest.accruals import CANONICAL_COLUMNS
from ingest.records import ExtractError, OwnerRole, Reason


def accrual_frame(*rows: dict) -> pd.DataFrame:
    """A canonical frame with one row per dict; unspecified columns take valid values."""
    records = []
    for number, fields in enumerate(rows, start=1):
        record = {
            "source_file": "project_controls:accruals",
            "source_row": number,
            "source_record_id": f"AC-{number:04d}",
            "period": "2026-11",
            "job": "J-2301",
            "cost_code": "03 30 00",
            "cost_type": "S",
            "vendor": "Ridgeline Concrete Pumping",
            "description": "Deck pours",
            "amount": Decimal("100.00"),
            "approved": True,
        }
        record.update(fields)
        records.append(record)
    frame = pd.DataFrame(records, columns=CANONICAL_COLUMNS)
    frame["approved"] = pd.array(list(frame["approved"]), dtype="boolean")
    return frame


def test_valid_rows_pass():
    frame = accrual_frame({}, {"amount": Decimal("-850.00")}, {"vendor": "", "description": ""})

    valid, exceptions = validate_accrual_rows(frame, "2026-11")

    assert exceptions == []
    assert len(valid) == 3


@pytest.mark.parametrize(("fields", "column", "reason", "owner"), [
    ({"amount": Decimal("0.00")}, "amount", Reason.INVALID_AMOUNT, OwnerRole.FIELD),
    ({"amount": Decimal("-0.00")}, "amount", Reason.INVALID_AMOUNT, OwnerRole.FIELD),
    ({"amount": Decimal("10.005")}, "amount", Reason.INVALID_AMOUNT, OwnerRole.FIELD),
    ({"amount": 10.5}, "amount", Reason.INVALID_AMOUNT, OwnerRole.FIELD),
    ({"amount": Decimal("NaN")}, "amount", Reason.MISSING_VALUE, OwnerRole.FIELD),  # pandas counts NaN as NA
    ({"period": "2026-10"}, "period", Reason.DATE_OUTSIDE_PARTITION, OwnerRole.FIELD),
    ({"cost_type": "X"}, "cost_type", Reason.UNKNOWN_COST_TYPE, OwnerRole.FIELD),
    ({"cost_code": "033000"}, "cost_code", Reason.INVALID_COST_CODE, OwnerRole.INTEGRATION),
    ({"job": ""}, "job", Reason.MISSING_VALUE, OwnerRole.FIELD),
    ({"approved": None}, "approved", Reason.APPROVAL_MISSING, OwnerRole.FINANCE),
    ({"approved": False}, "approved", Reason.NOT_APPROVED, OwnerRole.FINANCE),
])
def test_row_rule_holds_row(fields, column, reason, owner):
    frame = accrual_frame({}, fields)

    valid, exceptions = validate_accrual_rows(frame, "2026-11")

    assert list(valid["source_row"]) == [1]
    assert [(e.source_row, e.column, e.reason, e.owner) for e in exceptions] == [(2, column, reason, owner)]


def test_amount_error_reported_once():
    frame = accrual_frame({"amount": "12.00"})

    exceptions = validate_accrual_rows(frame, "2026-11")[1]

    assert [e.reason for e in exceptions] == [Reason.INVALID_AMOUNT]


def test_row_with_two_faults_counts_once():
    frame = accrual_frame({"amount": Decimal("0.00"), "approved": None}, {})

    valid, exceptions = validate_accrual_rows(frame, "2026-11")

    assert len(exceptions) == 2
    assert count_excepted_rows(exceptions) == 1
    assert len(frame) == len(valid) + count_excepted_rows(exceptions)


def test_duplicate_id_held_after_first():
    frame = accrual_frame({"source_record_id": "AC-7"}, {}, {"source_record_id": "AC-7"})

    valid, exceptions = validate_accrual_rows(frame, "2026-11")

    assert list(valid["source_row"]) == [1, 2]
    assert [(e.source_row, e.reason) for e in exceptions] == [(3, Reason.DUPLICATE_IN_FILE)]


def test_na_approval_never_true():
    frame = accrual_frame({"approved": None}, {"approved": None}, {"approved": None})

    valid, exceptions = validate_accrual_rows(frame, "2026-11")

    assert frame["approved"].isna().all()
    assert len(valid) == 0
    assert approval_summary(exceptions) == "approval flag missing on 3 rows"


def test_summary_none_when_approved():
    assert approval_summary(validate_accrual_rows(accrual_frame({}), "2026-11")[1]) is None


def test_float_approval_column_raises():
    frame = accrual_frame({})
    frame["approved"] = [float("nan")]

    with pytest.raises(ExtractError, match="contract"):
        validate_accrual_rows(frame, "2026-11")


def test_missing_column_raises():
    frame = accrual_frame({}).drop(columns=["amount"])

    with pytest.raises(ExtractError, match="amount"):
        validate_accrual_rows(frame, "2026-11")


def test_extra_columns_kept():
    frame = accrual_frame({}, {"approved": False})
    frame["external_id"] = ["a", "b"]
    frame.index = [10, 20]

    valid = validate_accrual_rows(frame, "2026-11")[0]

    assert list(valid.index) == [0]
    assert list(valid["external_id"]) == ["a"]


def test_bad_partition_raises():
    with pytest.raises(ValueError, match="not a month"):
        validate_accrual_rows(accrual_frame({}), "November")
