"""Read month-end cost accruals into the canonical accrual frame.

Two sources give the same frame: the project-controls database (`read_accruals`) and a CSV
export of one period (`read_accruals_csv`). The reader only parses. A row whose values cannot
be parsed becomes RowException records and stays out of the frame. The partition period,
zero amounts, more than 2 decimal places and missing approvals are checked later by
checks.accrual_schema, so the reader never drops a parsed row.

Canonical columns and dtypes:

| column | dtype | value |
|---|---|---|
| source_file | object (str) | "project_controls:accruals" or the CSV file name |
| source_row | int64 | database: 1-based position in accrual_id order; CSV: line number, header = 1 |
| source_record_id | object (str) | accrual_id |
| period | object (str) | "YYYY-MM" |
| job | object (str) | job number, e.g. "J-2301" |
| cost_code | object (str) | canonical CSI form "DD SS SS" |
| cost_type | object (str) | L, M, E, S or O as sent (upper-cased) |
| vendor | object (str) | may be "" |
| description | object (str) | may be "" |
| amount | object (Decimal) | exact; 2 places unless the source had more digits |
| approved | boolean (pandas nullable) | True, False or <NA> when no approval was recorded |

Row counting: `rows_in == len(frame) + excepted_rows` always holds, where `excepted_rows` is
the number of distinct source rows with at least one exception.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from ingest.mapping import CostCodeRules
from ingest.project_controls import connect, fetch_accrual_batch, fetch_accrual_rows
from ingest.records import ExtractError, OwnerRole, Reason, RowException
from ingest.values import InvalidValue, cell_text, display_value, is_blank, normalise_cost_code

__all__ = [
    "CANONICAL_COLUMNS",
    "DATABASE_SOURCE",
    "AccrualExtract",
    "MoneyControl",
    "parse_amount",
    "parse_approval_flag",
    "read_accruals",
    "read_accruals_csv",
]

CANONICAL_COLUMNS = [
    "source_file",
    "source_row",
    "source_record_id",
    "period",
    "job",
    "cost_code",
    "cost_type",
    "vendor",
    "description",
    "amount",
    "approved",
]
DATABASE_SOURCE = "project_controls:accruals"
CSV_REQUIRED_COLUMNS = ("accrual_id", "job", "cost_code", "cost_type", "vendor", "amount", "approved")
CSV_OPTIONAL_COLUMNS = ("period", "description", "reversal_date")

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
HUNDREDTH = Decimal("0.01")
# Approval flags are mapped one by one. A plain bool() would turn every non-empty text,
# "N" and "false" included, and a float NaN into True.
APPROVED_TEXT = {"y": True, "true": True, "1": True, "n": False, "false": False, "0": False}
# Spellings of "no value" that exports and pandas write for an empty cell.
MISSING_TEXT = {"", "nan", "null", "none", "n/a", "<na>"}
_AMOUNT_TEXT = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_COST_CODE_RULES = CostCodeRules()


@dataclass(frozen=True)
class MoneyControl:
    """Row count and total amount the source declared for one period's accruals."""

    record_count: int
    total_amount: Decimal
    source: str  # "accrual_batches ACR-2026-11 (period 2026-11)"
    batch_ref: str = ""


@dataclass
class AccrualExtract:
    """Canonical accrual rows of one period, the rows that failed to parse, and the control total."""

    frame: pd.DataFrame
    exceptions: list[RowException]
    rows_in: int
    control: MoneyControl | None  # None for a CSV export, which has no control record yet
    source: str  # table and query, or the CSV file name
    period: str
    ignored_columns: list[str] = field(default_factory=list)
    excepted_amount: Decimal = Decimal("0.00")  # amounts that parsed on rows with exceptions

    @property
    def excepted_rows(self) -> int:
        """Distinct source rows with at least one exception."""
        return len({(item.source_file, item.source_row) for item in self.exceptions})

    @property
    def total_amount(self) -> Decimal:
        """Sum of the amounts in the frame (rows that parsed)."""
        return sum(self.frame["amount"], Decimal("0.00"))

    @property
    def source_amount(self) -> Decimal:
        """Sum of every amount that could be read, to compare with the control total.

        A row whose amount cannot be read is missing here, so its period cannot balance.
        """
        return self.total_amount + self.excepted_amount


# ---------------------------------------------------------------------------
# Value parsers


def parse_approval_flag(value: object) -> bool | None:
    """Map an approval flag to True, False or None (no approval recorded).

    Accepted: Python booleans, the integers 0 and 1, and the text Y, N, true, false, 1 and 0
    in any letter case. None, NaN, pandas NA and blank text are None. Anything else raises
    InvalidValue, so an unknown spelling is held for review instead of being guessed.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (int, float, Decimal)):
        if value in (0, 1):
            return bool(value == 1)
        raise InvalidValue(Reason.INVALID_FORMAT, f"approval flag {value!r} is not 0 or 1")
    text = str(value).strip().casefold()
    if text in MISSING_TEXT:
        return None
    if text in APPROVED_TEXT:
        return APPROVED_TEXT[text]
    raise InvalidValue(
        Reason.INVALID_FORMAT, f"approval flag {str(value)!r} is not one of Y, N, true, false, 1, 0 or blank"
    )


def parse_amount(value: object) -> Decimal:
    """Parse a money amount exactly into a Decimal, never through float arithmetic.

    Text may use a leading sign, comma thousands separators and parentheses for a negative
    amount. A float (from a driver or a spreadsheet) is read from its shortest repr, which
    is the number as it was typed. A value with up to 2 decimal places comes back with
    exactly 2. A value with more non-zero places is returned unchanged, so the row check
    can report it instead of the reader rounding it.
    """
    if value is None or value is pd.NA or (isinstance(value, str) and value.strip() == ""):
        raise InvalidValue(Reason.MISSING_VALUE, "amount is missing")
    if isinstance(value, bool):
        raise InvalidValue(Reason.INVALID_AMOUNT, f"amount {value!r} is a boolean, not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if math.isnan(value):
            raise InvalidValue(Reason.MISSING_VALUE, "amount is missing")
        number = Decimal(repr(value))
    else:
        number = _parse_amount_text(str(value))
    if not number.is_finite():
        raise InvalidValue(Reason.INVALID_AMOUNT, f"amount {display_value(value)!r} is not a finite number")
    quantized = number.quantize(HUNDREDTH)
    if quantized != number:
        return number
    return abs(quantized) if quantized == 0 else quantized  # drop the sign of "-0.00"


def _parse_amount_text(text: str) -> Decimal:
    cleaned = text.strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1].strip()
    if not _AMOUNT_TEXT.match(cleaned) or (negative and cleaned[0] in "+-"):
        raise InvalidValue(Reason.INVALID_AMOUNT, f"amount {text!r} is not a decimal number")
    try:
        number = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as error:  # the pattern should make this unreachable
        raise InvalidValue(Reason.INVALID_AMOUNT, f"amount {text!r} is not a decimal number") from error
    return -number if negative else number


def parse_period(value: object) -> str:
    """Parse an accounting period "YYYY-MM"."""
    text = cell_text(value)
    if text == "":
        raise InvalidValue(Reason.MISSING_VALUE, "period is missing")
    if not PERIOD_PATTERN.match(text):
        raise InvalidValue(Reason.INVALID_DATE, f"period {text!r} is not a month written YYYY-MM")
    return text


def _required_text(value: object, kind: str) -> str:
    text = cell_text(value)
    if text == "":
        raise InvalidValue(Reason.MISSING_VALUE, f"{kind} is missing")
    return text


# ---------------------------------------------------------------------------
# Readers


def read_accruals(url: str, period: str) -> AccrualExtract:
    """Read one period's accruals and its control row from the project-controls database at `url`.

    Raises ExtractError when `period` is not "YYYY-MM" or when accrual_batches has no
    control row for the period: without it the batch cannot be balanced.
    """
    _require_period(period, DATABASE_SOURCE)
    with connect(url) as engine:
        rows = fetch_accrual_rows(engine, period)
        batch = fetch_accrual_batch(engine, period)
    if batch is None:
        raise ExtractError(
            DATABASE_SOURCE,
            f"accrual_batches has no control row for period {period}; project controls must export the period first",
        )
    control = MoneyControl(
        record_count=int(batch["control_count"]),
        total_amount=parse_amount(batch["control_amount"]),
        source=f"accrual_batches {batch['batch_ref']} (period {period})",
        batch_ref=str(batch["batch_ref"]),
    )
    numbered = [(position, row) for position, row in enumerate(rows, start=1)]
    frame, exceptions, excepted_amount = _parse_rows(numbered, DATABASE_SOURCE, default_period=None)
    return AccrualExtract(
        frame=frame,
        exceptions=exceptions,
        rows_in=len(rows),
        control=control,
        source=f"{DATABASE_SOURCE} where period = '{period}', ordered by accrual_id",
        period=period,
        excepted_amount=excepted_amount,
    )


def read_accruals_csv(path: Path | str, period: str) -> AccrualExtract:
    """Read a CSV export of one period's accruals.

    Columns `accrual_id, job, cost_code, cost_type, vendor, amount, approved` are required.
    `period` and `description` are optional. A file without `period` contains one period, so
    every row gets `period`. `reversal_date` is accepted and not read, because an accrual is
    always reversed on the first day of the next period. Every cell is read as text (UTF-8,
    with or without a byte-order mark), so an empty approval column stays empty instead of
    becoming a float NaN column. Raises ExtractError for a missing column or unreadable file.
    """
    path = Path(path)
    _require_period(period, path.name)
    if not path.is_file():
        raise ExtractError(path.name, f"accrual file not found at {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            records = list(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise ExtractError(path.name, f"file is not valid UTF-8 text: {error}") from error
    if not records:
        raise ExtractError(path.name, "file is empty; expected a header row")

    header = [name.strip().casefold() for name in records[0]]
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ExtractError(
            path.name, f"missing column(s) {missing} in header {records[0]}; export the file with these columns", row=1
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ExtractError(path.name, f"column(s) {duplicated} appear more than once in the header", row=1)
    known = set(CSV_REQUIRED_COLUMNS) | {"period", "description"}
    ignored = [name for name in header if name not in known]

    numbered = []
    exceptions = []
    for line_number, cells in enumerate(records[1:], start=2):
        if all(cell.strip() == "" for cell in cells):
            continue  # blank lines, such as a trailing empty line, are not rows
        if len(cells) != len(header):
            exceptions.append(RowException(
                source_file=path.name,
                source_row=line_number,
                column="(row)",
                value=",".join(cells),
                reason=Reason.INVALID_FORMAT,
                owner=OwnerRole.FIELD,
                message=f"row has {len(cells)} field(s); the header has {len(header)}",
            ))
            continue
        numbered.append((line_number, dict(zip(header, cells))))

    frame, row_exceptions, excepted_amount = _parse_rows(numbered, path.name, default_period=period)
    exceptions.extend(row_exceptions)
    exceptions.sort(key=lambda item: item.source_row)
    rows_in = len(numbered) + len({item.source_row for item in exceptions if item.column == "(row)"})
    return AccrualExtract(
        frame=frame,
        exceptions=exceptions,
        rows_in=rows_in,
        control=None,
        source=path.name,
        period=period,
        ignored_columns=ignored,
        excepted_amount=excepted_amount,
    )


def _require_period(period: str, source: str) -> None:
    if not isinstance(period, str) or not PERIOD_PATTERN.match(period):
        raise ExtractError(source, f"period {period!r} is not a month written YYYY-MM")


def _parse_rows(
    numbered: list[tuple[int, dict]], source_file: str, *, default_period: str | None
) -> tuple[pd.DataFrame, list[RowException], Decimal]:
    records = []
    exceptions = []
    excepted_amount = Decimal("0.00")
    for source_row, row in numbered:
        parsed, errors = _parse_row(row, source_file, source_row, default_period)
        if not errors:
            records.append(parsed)
            continue
        if isinstance(parsed["amount"], Decimal):
            excepted_amount += parsed["amount"]
        for column, value, error in errors:
            exceptions.append(RowException(
                source_file=source_file,
                source_row=source_row,
                column=column,
                value=display_value(value),
                reason=error.reason,
                owner=OwnerRole.FINANCE if column == "approved" else OwnerRole.FIELD,
                message=error.message,
            ))
    return _to_frame(records), exceptions, excepted_amount


def _parse_row(
    row: dict, source_file: str, source_row: int, default_period: str | None
) -> tuple[dict, list[tuple[str, object, InvalidValue]]]:
    errors: list[tuple[str, object, InvalidValue]] = []

    def parse(column: str, parser, *args):
        value = row.get(column)
        try:
            return parser(value, *args)
        except InvalidValue as error:
            errors.append((column, value, error))
            return None

    if "period" in row or default_period is None:
        period = parse("period", parse_period)
    else:
        period = default_period
    cost_type = parse("cost_type", _required_text, "cost type")
    parsed = {
        "source_file": source_file,
        "source_row": source_row,
        "source_record_id": parse("accrual_id", _required_text, "accrual id"),
        "period": period,
        "job": parse("job", _required_text, "job"),
        "cost_code": parse("cost_code", normalise_cost_code, _COST_CODE_RULES),
        "cost_type": cost_type.upper() if cost_type is not None else None,
        "vendor": "" if is_blank(row.get("vendor")) else cell_text(row.get("vendor")),
        "description": "" if is_blank(row.get("description")) else cell_text(row.get("description")),
        "amount": parse("amount", parse_amount),
        "approved": parse("approved", parse_approval_flag),
    }
    return parsed, errors


def _to_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=CANONICAL_COLUMNS)
    for column in CANONICAL_COLUMNS:
        if column not in ("source_row", "approved"):
            frame[column] = frame[column].astype(object)
    frame["source_row"] = frame["source_row"].astype("int64")
    # Build the nullable column from Python values; None becomes <NA>, never True.
    frame["approved"] = pd.array(list(frame["approved"]), dtype="boolean")
    return frame
