"""Split equipment charges over jobs exactly, and price usage rows into charge lines.

Allocation rule (largest remainder): each share starts as its exact part of the total,
total × weight / sum of weights, cut toward zero to the currency quantum. The quanta left
over go one each to the shares with the largest cut-off remainders; equal remainders go to
the earlier share in the list. A negative total is split as its absolute value and negated,
so a reversal mirrors its charge. The shares sum exactly to the total.

Pricing rule: a unit-day's charge is usage_hours × the hourly rate in force on the work
date, rounded once to cents with ROUND_HALF_UP, then split over the day's assignments with
`allocate`. Hours are split the same way, so each line's amount is its share of the rounded
charge and need not equal its hours × rate to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ingest.equipment_db import AmbiguousRate, Assignment, EquipmentRate, EquipmentUnit, rate_in_force
from ingest.records import OwnerRole, Reason, RowException

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

CHARGE_COLUMNS = (
    "line_id",
    "source_file",
    "source_row",
    "source_record_id",
    "unit_id",
    "equipment_class",
    "job",
    "cost_code",
    "work_date",
    "hours",
    "rate",
    "amount",
)


def allocate(total: Decimal, weights: Sequence[Decimal], places: int = 2) -> list[Decimal]:
    """Split `total` over `weights` by the largest-remainder rule; the shares sum to `total`.

    `total` must have at most `places` decimal places, weights must be zero or positive
    with a positive sum. Exact throughout: no float and no intermediate rounding.
    """
    quantum = Decimal(1).scaleb(-places)
    if not isinstance(total, Decimal) or not total.is_finite():
        raise ValueError(f"total {total!r} must be a finite Decimal")
    if total != total.quantize(quantum):
        raise ValueError(f"total {total} has more than {places} decimal places")
    if not weights:
        raise ValueError("no weights to allocate over")
    if any(
        not isinstance(w, (Decimal, int)) or (isinstance(w, Decimal) and not w.is_finite()) or w < 0 for w in weights
    ):
        raise ValueError(f"weights {list(weights)} must be Decimals of zero or more")
    # Scaled by one power of ten, the weights are exact integers. Every exact share is then
    # quanta × weight / weight_sum over the same denominator, so integer division gives its
    # floor and its remainder, and remainders compare as integers, without Fraction objects.
    scale = max((-min(w.as_tuple().exponent, 0) if isinstance(w, Decimal) else 0) for w in weights)
    integer_weights = [_scaled_integer(w, scale) for w in weights]
    weight_sum = sum(integer_weights)
    if weight_sum == 0:
        raise ValueError("weights sum to zero")

    sign = -1 if total < 0 else 1
    quanta = int(abs(total).scaleb(places))
    floors = []
    remainders = []
    for weight in integer_weights:
        floor, remainder = divmod(quanta * weight, weight_sum)  # every share is >= 0 here
        floors.append(floor)
        remainders.append(remainder)

    left_over = quanta - sum(floors)
    # sorted() is stable, so equal remainders keep list order and the earlier share wins.
    for index in sorted(range(len(weights)), key=lambda i: remainders[i], reverse=True)[:left_over]:
        floors[index] += 1

    return [(Decimal(sign * units).scaleb(-places)).quantize(quantum) for units in floors]


def _scaled_integer(weight: Decimal | int, scale: int) -> int:
    """Return weight × 10**scale exactly. `scale` must be at least the weight's number of decimal places."""
    if not isinstance(weight, Decimal):
        return int(weight) * 10**scale
    sign, digits, exponent = weight.as_tuple()
    value = int("".join(map(str, digits))) * 10 ** (exponent + scale)
    return -value if sign else value


def price_usage(
    usage: pd.DataFrame,
    units: Sequence[EquipmentUnit],
    assignments: Sequence[Assignment],
    rates: Sequence[EquipmentRate],
) -> tuple[pd.DataFrame, list[RowException]]:
    """Price each usage row and split it over its day's assignments into charge lines.

    `usage` is a canonical usage frame; its unit_key matches a unit's PIN, serial number or
    unit_id. A row that cannot be priced becomes one RowException (UNKNOWN_EQUIPMENT,
    INACTIVE_EQUIPMENT, MISSING_RATE, NO_ASSIGNMENT or INVALID_ASSIGNMENT) and no lines, so
    usage rows = priced rows + excepted rows. Assignments for the same job and cost code on
    one day are merged. line_id is source_record_id:job:cost_code, unique per line.
    """
    by_key = {}
    for unit in units:
        for key in (unit.unit_id, unit.serial_no, unit.pin):
            if key:
                by_key.setdefault(key, unit)
    # Indexed once, because scanning every assignment and rate for each row is quadratic.
    assignments_by_unit: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        assignments_by_unit.setdefault(assignment.unit_id, []).append(assignment)
    rate_lookup = _RatesInForce(rates)

    lines = []
    exceptions = []
    for row in usage.itertuples(index=False):
        work_date = pd.Timestamp(row.work_date).date()
        priced = _price_row(row, work_date, by_key, assignments_by_unit, rate_lookup)
        if isinstance(priced, RowException):
            exceptions.append(priced)
        else:
            lines.extend(priced)
    return charge_frame(lines), exceptions


def charge_frame(lines: Sequence[dict]) -> pd.DataFrame:
    """Charge-lines frame of line dicts, with the same dtypes when there are no lines."""
    frame = pd.DataFrame(list(lines), columns=list(CHARGE_COLUMNS))
    frame["source_row"] = frame["source_row"].astype("int64")
    frame["work_date"] = pd.to_datetime(frame["work_date"]).astype("datetime64[ns]")
    for column in ("hours", "rate", "amount"):
        frame[column] = frame[column].astype(object)
    return frame


class _RatesInForce:
    """Rates in force by class and date, each found once with rate_in_force over the loaded rates."""

    def __init__(self, rates: Sequence[EquipmentRate]):
        self.rates_by_class: dict[str, list[EquipmentRate]] = {}
        for rate in rates:
            self.rates_by_class.setdefault(rate.equipment_class, []).append(rate)
        self.found: dict[tuple[str, date], Decimal | None | AmbiguousRate] = {}

    def get(self, equipment_class: str, work_date: date) -> Decimal | None:
        """Return the rate in force or None; raise AmbiguousRate as rate_in_force does."""
        key = (equipment_class, work_date)
        if key not in self.found:
            try:
                self.found[key] = rate_in_force(self.rates_by_class.get(equipment_class, []), equipment_class, work_date)
            except AmbiguousRate as error:
                self.found[key] = error
        outcome = self.found[key]
        if isinstance(outcome, AmbiguousRate):
            raise AmbiguousRate(str(outcome))
        return outcome


def _price_row(
    row, work_date: date, by_key: dict, assignments_by_unit: dict[str, list[Assignment]], rates: _RatesInForce
) -> list[dict] | RowException:
    def exception(column: str, value: str, reason: Reason, owner: OwnerRole, message: str) -> RowException:
        return RowException(row.source_file, int(row.source_row), column, value, reason, owner, message)

    unit = by_key.get(row.unit_key)
    if unit is None:
        return exception("unit_key", row.unit_key, Reason.UNKNOWN_EQUIPMENT, OwnerRole.MASTER_DATA,
                         f"unit {row.unit_key} is not in the equipment register (by unit id, PIN or serial number)")
    if not unit.active:
        return exception("unit_key", row.unit_key, Reason.INACTIVE_EQUIPMENT, OwnerRole.MASTER_DATA,
                         f"unit {unit.unit_id} is archived in the equipment register")

    try:
        rate = rates.get(unit.equipment_class, work_date)
    except AmbiguousRate as error:
        return exception("equipment_class", unit.equipment_class, Reason.MISSING_RATE, OwnerRole.MASTER_DATA, str(error))
    if rate is None:
        return exception("equipment_class", unit.equipment_class, Reason.MISSING_RATE, OwnerRole.MASTER_DATA,
                         f"no rate of class {unit.equipment_class} is in force on {work_date.isoformat()}")

    todays = [a for a in assignments_by_unit.get(unit.unit_id, ()) if a.start_date <= work_date <= a.end_date]
    if not todays:
        return exception("unit_key", row.unit_key, Reason.NO_ASSIGNMENT, OwnerRole.FIELD,
                         f"unit {unit.unit_id} has no job assignment on {work_date.isoformat()}")
    targets, problem = _assignment_weights(todays)
    if problem:
        return exception("unit_key", row.unit_key, Reason.INVALID_ASSIGNMENT, OwnerRole.FIELD,
                         f"unit {unit.unit_id} on {work_date.isoformat()}: {problem}")

    usage_hours = row.usage_hours
    amount = (usage_hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    weights = [weight for _, weight in targets]
    hours = allocate(usage_hours, weights)
    amounts = allocate(amount, weights)
    return [
        {
            "line_id": f"{row.source_record_id}:{job}:{cost_code}",
            "source_file": row.source_file,
            "source_row": int(row.source_row),
            "source_record_id": row.source_record_id,
            "unit_id": unit.unit_id,
            "equipment_class": unit.equipment_class,
            "job": job,
            "cost_code": cost_code,
            "work_date": pd.Timestamp(work_date),
            "hours": line_hours,
            "rate": rate,
            "amount": line_amount,
        }
        for ((job, cost_code), _), line_hours, line_amount in zip(targets, hours, amounts)
    ]


def _assignment_weights(assignments: list[Assignment]) -> tuple[list[tuple[tuple[str, str], Decimal]], str | None]:
    """Weight of each (job, cost code), or a message why the day's assignments cannot split."""
    by_hours = all(a.share_hours is not None and a.share_percent is None for a in assignments)
    by_percent = all(a.share_percent is not None and a.share_hours is None for a in assignments)
    if not (by_hours or by_percent):
        return [], "assignments must all give share hours or all give share percent, one of the two each"

    weights: dict[tuple[str, str], Decimal] = {}
    for assignment in assignments:
        share = assignment.share_hours if by_hours else assignment.share_percent
        if share < 0:
            return [], f"share {share} of job {assignment.job} is negative"
        key = (assignment.job, assignment.cost_code)
        weights[key] = weights.get(key, Decimal(0)) + share

    total = sum(weights.values(), Decimal(0))
    if by_percent and total != HUNDRED:
        return [], f"share percentages sum to {total}, not 100"
    if total == 0:
        return [], "shares sum to zero"
    return list(weights.items()), None
