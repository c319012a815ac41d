"""Checks of a proposed journal entry before it goes to Odoo, as pure functions.

A line is a dict with `account_code` (str), `debit` and `credit` (Decimal), `analytic_distribution`
(dict or None) and `name`. Money is compared as exact Decimals: there is no float tolerance,
and a float amount raises TypeError instead of being compared.

The pipeline runs these checks itself before posting. Odoo runs its 100 % check of mandatory
analytic plans only when a posting button sets the `validate_analytic` context, so an entry
posted over RPC can skip it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import pandas as pd

from ingest.records import Reason

HUNDREDTH = Decimal("0.01")
FULL_DISTRIBUTION = Decimal("100.00")
DISTRIBUTION_TOLERANCE = Decimal("0.01")
DEFAULT_PLAN = "projects"  # the plan of every analytic account when no plan map is given


@dataclass(frozen=True)
class LineFinding:
    """A problem with one line of a proposed entry."""

    line: int  # 1-based position of the line in the entry
    reason: Reason
    message: str


@dataclass(frozen=True)
class JournalEntry:
    """One proposed account.move: its ref (the batch key), date, journal and lines."""

    ref: str
    date: date | None  # None when no row gave a date, and then the entry cannot post
    journal: str
    lines: list[dict] = field(default_factory=list)

    @property
    def debit_total(self) -> Decimal:
        return sum((line["debit"] for line in self.lines), Decimal("0.00"))

    @property
    def credit_total(self) -> Decimal:
        return sum((line["credit"] for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class SwingFinding:
    """A job and cost code whose accrued amount changed by more than the threshold."""

    job: str
    cost_code: str
    current: Decimal
    previous: Decimal
    change_pct: Decimal | None  # None when nothing was accrued in the previous period
    message: str


class EntryRowError(ValueError):
    """Flat journal rows that cannot form entries: a missing ref, or one ref with two dates."""


# ---------------------------------------------------------------------------
# Balance and amounts


def check_balanced(lines: Iterable[Mapping]) -> tuple[bool, Decimal, Decimal, Decimal]:
    """Return (debits equal credits, debit total, credit total, debit total minus credit total).

    Raises TypeError when an amount is not a Decimal, because a float sum is not exact.
    """
    debit_total = Decimal("0.00")
    credit_total = Decimal("0.00")
    for position, line in enumerate(lines, start=1):
        debit_total += _decimal_amount(line, "debit", position)
        credit_total += _decimal_amount(line, "credit", position)
    difference = debit_total - credit_total
    return difference == 0, debit_total, credit_total, difference


def check_amount_places(lines: Iterable[Mapping]) -> list[LineFinding]:
    """Find amounts that Odoo would have to round or that a journal line cannot hold.

    Each debit and credit must be a finite Decimal, exact to the cent and not negative, and
    a line carries a debit or a credit, not both.
    """
    findings = []
    for position, line in enumerate(lines, start=1):
        amounts = {}
        for side in ("debit", "credit"):
            value = line.get(side)
            if not isinstance(value, Decimal) or not value.is_finite():
                findings.append(LineFinding(position, Reason.INVALID_AMOUNT, f"{side} {value!r} is not a Decimal amount"))
                continue
            if value != value.quantize(HUNDREDTH):
                findings.append(LineFinding(
                    position, Reason.INVALID_AMOUNT, f"{side} {value} has more than 2 decimal places; round it before posting",
                ))
            if value < 0:
                findings.append(LineFinding(position, Reason.INVALID_AMOUNT, f"{side} {value} is negative"))
            amounts[side] = value
        if amounts.get("debit", 0) != 0 and amounts.get("credit", 0) != 0:
            findings.append(LineFinding(position, Reason.INVALID_AMOUNT, "line has both a debit and a credit"))
    return findings


# ---------------------------------------------------------------------------
# Analytic distribution


def check_analytic_complete(
    lines: Iterable[Mapping],
    job_cost_prefix: str = "5",
    plans: Mapping[str, str] | None = None,
    required_plans: Iterable[str] | None = None,
) -> list[LineFinding]:
    """Find job-cost lines whose analytic distribution does not cover 100.00 % (±0.01) per plan.

    A job-cost line is one whose account code starts with `job_cost_prefix`. Other lines,
    such as balance-sheet accounts for accrued liabilities, are exempt. `plans` maps each
    analytic account key to its plan. Without it, every key is in one plan. A key may join
    several accounts with commas ("337,357"), one per plan, as Odoo writes a line that hits
    several plans, and its percentage then counts for each of them. Every plan in
    `required_plans` must be present, by default every plan named in `plans`, or the single
    default plan. A plan that is present must sum to 100 %, whether required or not.
    """
    if required_plans is None:
        required = set(plans.values()) if plans else {DEFAULT_PLAN}
    else:
        required = set(required_plans)

    findings = []
    for position, line in enumerate(lines, start=1):
        account = str(line.get("account_code") or "")
        if not account.startswith(job_cost_prefix):
            continue
        distribution = line.get("analytic_distribution")
        if not distribution:
            findings.append(LineFinding(
                position, Reason.ANALYTIC_INCOMPLETE,
                f"line on job-cost account {account} has no analytic distribution; it needs 100 % on a job",
            ))
            continue
        totals, problems = _plan_totals(distribution, plans)
        findings.extend(LineFinding(position, Reason.ANALYTIC_INCOMPLETE, problem) for problem in problems)
        for plan in sorted(required | set(totals)):
            total = totals.get(plan, Decimal(0))
            if abs(total - FULL_DISTRIBUTION) > DISTRIBUTION_TOLERANCE:
                findings.append(LineFinding(
                    position, Reason.ANALYTIC_INCOMPLETE,
                    f"analytic distribution of account {account} covers {total:.2f} % of plan {plan!r};"
                    f" a job-cost line needs 100.00 %",
                ))
    return findings


def _plan_totals(distribution: Mapping, plans: Mapping[str, str] | None) -> tuple[dict[str, Decimal], list[str]]:
    totals: dict[str, Decimal] = {}
    problems = []
    for key, value in distribution.items():
        try:
            percent = _percent(value)
        except (InvalidOperation, TypeError, ValueError):
            problems.append(f"analytic percentage {value!r} for {key!r} is not a number")
            continue
        if percent < 0 or percent > FULL_DISTRIBUTION:
            problems.append(f"analytic percentage {percent} for {key!r} is outside 0 to 100")
        for account in str(key).split(","):
            account = account.strip()
            if plans is None:
                plan = DEFAULT_PLAN
            elif account in plans:
                plan = plans[account]
            else:
                problems.append(f"analytic account {account!r} belongs to no known plan")
                continue
            totals[plan] = totals.get(plan, Decimal(0)) + percent
    return totals, problems


def _percent(value: object) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a percentage")
    if isinstance(value, float):
        return Decimal(repr(value))  # Odoo stores percentages as floats, and repr gives the value as written
    number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    if not number.is_finite():
        raise ValueError("not finite")
    return number


def parse_distribution(value: object) -> dict | None:
    """Parse an analytic distribution from a dict, a JSON object text or a blank cell (None).

    JSON numbers are read as Decimal, so a percentage keeps the digits it was written with.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, Mapping):
        return dict(value) or None
    text = str(value).strip()
    if text == "":
        return None
    parsed = json.loads(text, parse_float=Decimal)
    if not isinstance(parsed, dict):
        raise ValueError(f"analytic distribution {text!r} is not a JSON object")
    return parsed or None


# ---------------------------------------------------------------------------
# Grouping flat rows into entries


def group_rows_into_entries(rows: Iterable[Mapping]) -> list[JournalEntry]:
    """Group flat journal rows into one entry per `ref`, keeping the order of first appearance.

    Rows may repeat `ref`, `date` and `journal` on every line (a flat export) or leave them
    blank on continuation rows (Odoo's import layout), which then belong to the entry above.
    Column names `account` or `account_code`, `label` or `name`, and `journal` or `journal_id`
    are accepted. A row with a `job` and no `analytic_distribution` puts 100 % on that job.
    Debits and credits are parsed from text or taken as Decimal. An entry whose rows give no
    date gets date None. Raises EntryRowError for a first row without a ref, and for rows of
    one ref that give two different dates or journals.
    """
    entries: dict[str, dict] = {}
    current_ref = None
    for row_number, row in enumerate(rows, start=1):
        ref = _text(row.get("ref"))
        if ref:
            current_ref = ref
        elif current_ref is None:
            raise EntryRowError(f"row {row_number} has no ref and follows no entry")
        entry = entries.setdefault(current_ref, {"date": None, "journal": None, "lines": []})

        for key, value in (("date", _entry_date(row.get("date"), row_number)), ("journal", _journal(row))):
            if value is None:
                continue
            if entry[key] is not None and entry[key] != value:
                raise EntryRowError(
                    f"row {row_number} gives {key} {value} for entry {current_ref}, whose earlier rows give {entry[key]}"
                )
            entry[key] = value
        entry["lines"].append(_line(row, row_number))

    result = []
    for ref, entry in entries.items():
        result.append(JournalEntry(ref=ref, date=entry["date"], journal=entry["journal"] or "", lines=entry["lines"]))
    return result


def _line(row: Mapping, row_number: int) -> dict:
    distribution = parse_distribution(row.get("analytic_distribution"))
    job = _text(row.get("job"))
    if distribution is None and job:
        distribution = {job: FULL_DISTRIBUTION}
    return {
        "account_code": _text(row.get("account_code", row.get("account"))),
        "name": _text(row.get("name", row.get("label"))),
        "debit": _row_amount(row.get("debit"), "debit", row_number),
        "credit": _row_amount(row.get("credit"), "credit", row_number),
        "analytic_distribution": distribution,
    }


def _journal(row: Mapping) -> str | None:
    return _text(row.get("journal", row.get("journal_id"))) or None


def _entry_date(value: object, row_number: int) -> date | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise EntryRowError(f"row {row_number} has date {value!r}, which is not YYYY-MM-DD") from error


def _row_amount(value: object, side: str, row_number: int) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return Decimal("0.00")
    if isinstance(value, float):
        raise TypeError(f"row {row_number} {side} is a float ({value!r}), which is not exact; pass text or Decimal")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as error:
        raise EntryRowError(f"row {row_number} {side} {value!r} is not a decimal number") from error


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _decimal_amount(line: Mapping, side: str, position: int) -> Decimal:
    value = line.get(side)
    if not isinstance(value, Decimal):
        raise TypeError(f"line {position} {side} is {type(value).__name__} {value!r}, not a Decimal")
    return value


# ---------------------------------------------------------------------------
# Lock dates


def latest_lock_date(lock_dates: Mapping[str, date | str | None]) -> date | None:
    """Return the latest of the given lock dates, or None when all are unset.

    Each value is a date or "YYYY-MM-DD" text, and None, "" or False means unset.
    The caller passes the lock dates that apply to a miscellaneous journal entry for the API
    user, so this function needs no knowledge of Odoo's field names.
    """
    dates = [_as_date(value) for value in lock_dates.values() if value not in (None, "", False)]
    return max(dates) if dates else None


def check_lock_date(entry_date: date | str, lock_date: date | str | None) -> str | None:
    """Return "period locked through YYYY-MM-DD" when the entry is dated on or before the lock date."""
    if lock_date in (None, "", False):
        return None
    locked_through = _as_date(lock_date)
    if _as_date(entry_date) <= locked_through:
        return f"period locked through {locked_through.isoformat()}"
    return None


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


# ---------------------------------------------------------------------------
# Whole entry


def entry_hold_reasons(
    entry: JournalEntry,
    *,
    lock_date: date | str | None = None,
    job_cost_prefix: str = "5",
    plans: Mapping[str, str] | None = None,
) -> list[str]:
    """Return every reason to hold `entry`: lock date, amounts, balance and analytic completeness.

    An empty list means the entry may post.
    """
    reasons = []
    if entry.date is None:
        reasons.append(f"entry {entry.ref} has no date")
    else:
        locked = check_lock_date(entry.date, lock_date)
        if locked:
            reasons.append(locked)
    for finding in check_amount_places(entry.lines):
        reasons.append(f"line {finding.line}: {finding.message}")
    if not any(not isinstance(line.get(side), Decimal) for line in entry.lines for side in ("debit", "credit")):
        balanced, debit_total, credit_total, difference = check_balanced(entry.lines)
        if not balanced:
            reasons.append(f"entry {entry.ref} is not balanced: debits {debit_total}, credits {credit_total}, difference {difference}")
    for finding in check_analytic_complete(entry.lines, job_cost_prefix, plans):
        reasons.append(f"line {finding.line}: {finding.message}")
    return reasons


# ---------------------------------------------------------------------------
# Accrual swing (reasonableness, WARN)


def accrual_swing(current: pd.DataFrame, previous: pd.DataFrame, threshold_pct: Decimal | int | str) -> list[SwingFinding]:
    """Find job and cost code pairs whose accrued total moved by more than `threshold_pct` percent.

    Both frames need `job`, `cost_code` and Decimal `amount` columns, and their amounts are
    summed per job and cost code. The change is (current - previous) / |previous| x 100, and
    a pair is reported when its absolute change is strictly above the threshold. A pair with
    nothing in the previous period is reported as new, with change_pct None, and a pair that
    disappears counts as -100 %. Findings are sorted by job and cost code.
    """
    threshold = Decimal(str(threshold_pct))
    now = _totals_by_job_cost_code(current)
    before = _totals_by_job_cost_code(previous)
    findings = []
    for job, cost_code in sorted(set(now) | set(before)):
        current_amount = now.get((job, cost_code), Decimal("0.00"))
        previous_amount = before.get((job, cost_code), Decimal("0.00"))
        if previous_amount == 0:
            if current_amount != 0:
                findings.append(SwingFinding(
                    job, cost_code, current_amount, previous_amount, None,
                    f"{job} {cost_code}: {current_amount} accrued, nothing in the previous period",
                ))
            continue
        change = (current_amount - previous_amount) / abs(previous_amount) * 100
        if abs(change) > threshold:
            findings.append(SwingFinding(
                job, cost_code, current_amount, previous_amount, change,
                f"{job} {cost_code}: accrual moved {change:+.1f} % from {previous_amount} to {current_amount}"
                f" (threshold {threshold} %)",
            ))
    return findings


def _totals_by_job_cost_code(frame: pd.DataFrame) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = {}
    for job, cost_code, amount in zip(frame["job"], frame["cost_code"], frame["amount"]):
        if not isinstance(amount, Decimal):
            raise TypeError(f"amount of {job} {cost_code} is {type(amount).__name__}, not a Decimal")
        key = (str(job), str(cost_code))
        totals[key] = totals.get(key, Decimal("0.00")) + amount
    return totals
