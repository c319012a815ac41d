"""Value parsers: hours, dates and cost codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from ingest.mapping import CostCodeRules, load_mapping
from ingest.records import Reason
from ingest.values import InvalidValue, normalise_cost_code, parse_hours, parse_work_date

MAPPING = replace(load_mapping("c14_timecards"), hours_formats=("decimal", "h:mm", "duration"), negative_parentheses=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8", "8.00"), ("8.5", "8.50"), ("8.250", "8.25"), ("0", "0.00"), ("-0.00", "0.00"), (".5", "0.50"),
        ("(1.25)", "-1.25"), ("7:30", "7.50"), ("0:45", "0.75"), ("-1:15", "-1.25"),
        (8, "8.00"), (7.75, "7.75"), (time(7, 30), "7.50"), (timedelta(hours=25, minutes=30), "25.50"),
        (timedelta(days=0.3125), "7.50"),
    ],
)
def test_parse_hours_valid(value, expected):
    hours = parse_hours(value, MAPPING)

    assert hours == Decimal(expected)
    assert hours.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("8.005", Reason.HOURS_PRECISION), ("7:20", Reason.HOURS_PRECISION), (7.333, Reason.HOURS_PRECISION),
        ("1e2", Reason.INVALID_NUMBER), ("NaN", Reason.INVALID_NUMBER), ("8,5", Reason.INVALID_NUMBER),
        ("", Reason.MISSING_VALUE), (None, Reason.MISSING_VALUE), (date(2026, 1, 1), Reason.INVALID_NUMBER),
        # Beyond what staging's hour totals hold, so such rows are held before they reach a sum.
        ("10000000000", Reason.HOURS_OUT_OF_RANGE), ("-10000.00", Reason.HOURS_OUT_OF_RANGE),
        (1e12, Reason.HOURS_OUT_OF_RANGE), ("99999999999999999999", Reason.HOURS_OUT_OF_RANGE),
    ],
)
def test_parse_hours_invalid(value, reason):
    with pytest.raises(InvalidValue) as raised:
        parse_hours(value, MAPPING)

    assert raised.value.reason == reason


def test_day_fraction_hours():
    mapping = replace(MAPPING, hours_formats=("day_fraction",))

    assert parse_hours(0.3125, mapping) == Decimal("7.50")
    assert parse_hours(1 / 3, mapping) == Decimal("8.00")


@pytest.mark.parametrize(
    ("value", "formats"),
    [
        ("12/03/2026", ("%m/%d/%Y",)), ("12/03/26", ("%m/%d/%y",)), ("20261203", ("%Y%m%d",)),
        ("2026-12-03", ("iso",)), ("2026-12-03T00:00:00-05:00", ("iso",)), ("46359", ("excel_serial",)),
        (46359, ("excel_serial",)), (46359.0, ("excel_serial",)), (datetime(2026, 12, 3, 6, 0), ()),
        (date(2026, 12, 3), ()), ("2026-12-03", ("%m/%d/%Y", "iso")),
    ],
)
def test_parse_work_date(value, formats):
    assert parse_work_date(value, formats) == date(2026, 12, 3)


@pytest.mark.parametrize(
    ("value", "formats"),
    [("2026-13-03", ("iso",)), ("46359", ("%m/%d/%Y",)), (46359, ("iso",)), ("12", ("excel_serial",)),
     # Dates a typo or a wrong serial makes, past what a pandas datetime holds, or merely absurd.
     ("9999-12-31", ("iso",)), ("132321", ("excel_serial",)), (datetime(2262, 4, 12), ()), ("1677-01-01", ("iso",)),
     ("12/31/2200", ("%m/%d/%Y",)), (date(1899, 12, 31), ())],
)
def test_parse_work_date_invalid(value, formats):
    with pytest.raises(InvalidValue) as raised:
        parse_work_date(value, formats)

    assert raised.value.reason == Reason.INVALID_DATE


STRICT = CostCodeRules()
TIERS = CostCodeRules(procore_tiers=True)
RESTORE = CostCodeRules(procore_tiers=True, restore_leading_zero=True)


@pytest.mark.parametrize(
    ("value", "rules", "expected"),
    [
        ("03 30 00", STRICT, "03 30 00"), ("033000", STRICT, "03 30 00"), ("03-30-00", STRICT, "03 30 00"),
        ("03.30.00", STRICT, "03 30 00"), ("03300", STRICT, "03 30 00"), ("02 41 13.23", STRICT, "02 41 13.23"),
        ("024113.23", STRICT, "02 41 13.23"), (" 31 23 00 ", STRICT, "31 23 00"), (33000.0, RESTORE, "03 30 00"),
        ("03-300", TIERS, "03 30 00"), ("31-230", TIERS, "31 23 00"), ("1-500", TIERS, "01 50 00"),
        ("3300", RESTORE, "03 30 00"), ("3,300", RESTORE, "03 30 00"), ("33000", RESTORE, "03 30 00"),
        ("X1", CostCodeRules(aliases={"X1": "01 50 00"}), "01 50 00"),
    ],
)
def test_normalise_cost_code(value, rules, expected):
    assert normalise_cost_code(value, rules) == expected


@pytest.mark.parametrize(
    ("value", "rules"),
    [("3300", STRICT), ("3,300", TIERS), ("33000", STRICT), ("03-300", STRICT), ("0330", RESTORE), ("ABC", STRICT), ("0330000", STRICT)],
)
def test_normalise_cost_code_invalid(value, rules):
    with pytest.raises(InvalidValue) as raised:
        normalise_cost_code(value, rules)

    assert raised.value.reason == Reason.INVALID_COST_CODE
