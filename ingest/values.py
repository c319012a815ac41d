"""Parsers for single cell values of labor extracts: hours, dates, cost codes and codes.

Each parser takes a raw cell (text from a CSV, or the Python value openpyxl returns for an
XLSX cell) and returns the canonical value or raises InvalidValue with the reason code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ingest.mapping import CostCodeRules, LaborMapping, normalise_code_key
from ingest.records import Reason

HUNDREDTH = Decimal("0.01")
# Hours at or above these are not read: no time card line comes near the first, and the second
# is the most a NUMERIC(12, 2) total in staging holds.
MAX_LINE_HOURS = Decimal(10_000)
MAX_TOTAL_HOURS = Decimal(10) ** 10
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's fictitious 1900-02-29 is skipped
EXCEL_SERIAL_MIN = 61  # serials below 61 fall before Excel's fictitious leap day and are off by one
EXCEL_SERIAL_MAX = 2958465  # 9999-12-31

CANONICAL_COST_CODE = re.compile(r"^\d{2} \d{2} \d{2}(\.\d{2})?$")
_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_HOURS_MINUTES = re.compile(r"^(?P<sign>-?)(?P<hours>\d+):(?P<minutes>[0-5]\d)(:(?P<seconds>[0-5]\d))?$")
_INTEGER_TEXT = re.compile(r"^\d+(\.0+)?$")


class InvalidValue(ValueError):
    """A cell value that cannot be turned into its canonical value."""

    def __init__(self, reason: Reason, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def cell_text(value: object) -> str:
    """Text of a cell for code-like columns: stripped, integral numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def display_value(value: object) -> str:
    """Value as shown in an exception record: the cell text, or the Python value from a workbook."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return cell_text(value)


# ---------------------------------------------------------------------------
# Hours


def parse_hours(value: object, mapping: LaborMapping, *, limit: Decimal = MAX_LINE_HOURS) -> Decimal:
    """Parse an hours cell into a Decimal with exactly 2 decimal places, below `limit` in size.

    Text is parsed as text, never through float. Workbook numbers are read from the
    shortest repr of the float, which is the number as it was typed in the sheet. Durations
    (time, timedelta, "h:mm" text, fractions of a day) are rounded to the nearest second to
    drop float noise. Any value that is not exact at 0.01 raises HOURS_PRECISION instead of
    being rounded, so the posted hours always equal the hours in the file.
    """
    formats = mapping.hours_formats
    if is_blank(value):
        raise InvalidValue(Reason.MISSING_VALUE, "hours are missing")

    if isinstance(value, (time, timedelta)):
        if "duration" not in formats:
            raise InvalidValue(Reason.INVALID_NUMBER, "duration cell found but the mapping does not allow durations")
        if isinstance(value, time):
            seconds = Decimal(value.hour * 3600 + value.minute * 60 + value.second)
            seconds += Decimal(value.microsecond) / Decimal(1_000_000)
        else:
            seconds = Decimal(str(value.total_seconds()))
        return _exact_hours(seconds.quantize(Decimal(1), rounding=ROUND_HALF_UP) / Decimal(3600), value, limit)

    if isinstance(value, bool) or isinstance(value, (datetime, date)):
        raise InvalidValue(Reason.INVALID_NUMBER, f"hours cell holds a {type(value).__name__}, not a number")

    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "day_fraction" in formats:
            seconds = (number * 86400).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            return _exact_hours(seconds / Decimal(3600), value, limit)
        if "decimal" not in formats:
            raise InvalidValue(Reason.INVALID_NUMBER, "numeric hours cell found but the mapping allows no numbers")
        return _exact_hours(number, value, limit)

    text = str(value).strip()
    negative = False
    if mapping.negative_parentheses and text.startswith("(") and text.endswith(")"):
        negative = True
        text = text[1:-1].strip()

    match = _HOURS_MINUTES.match(text)
    if match and "h:mm" in formats:
        seconds = int(match["hours"]) * 3600 + int(match["minutes"]) * 60 + int(match["seconds"] or 0)
        hours = _exact_hours(Decimal(seconds) / Decimal(3600), value, limit)
        if match["sign"]:
            hours = -hours
        return -hours if negative else hours

    if "decimal" not in formats:
        raise InvalidValue(Reason.INVALID_NUMBER, f"hours {text!r} are not in an allowed format {list(formats)}")
    number_text = text
    if mapping.thousands_separator:
        number_text = number_text.replace(mapping.thousands_separator, "")
    if mapping.decimal_separator == ",":
        if "." in number_text:
            raise InvalidValue(Reason.INVALID_NUMBER, f"hours {text!r} use '.' but the decimal separator is ','")
        number_text = number_text.replace(",", ".")
    if not _DECIMAL_TEXT.match(number_text):
        raise InvalidValue(Reason.INVALID_NUMBER, f"hours {text!r} are not a decimal number")
    try:
        number = Decimal(number_text)
    except InvalidOperation as error:  # the regex should make this unreachable
        raise InvalidValue(Reason.INVALID_NUMBER, f"hours {text!r} are not a decimal number") from error
    hours = _exact_hours(number, value, limit)
    return -hours if negative else hours


def _exact_hours(number: Decimal, original: object, limit: Decimal) -> Decimal:
    if not number.is_finite() or abs(number) >= limit:
        raise InvalidValue(Reason.HOURS_OUT_OF_RANGE, f"hours {display_value(original)!r} are not below {limit}")
    quantized = number.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if quantized != number:
        raise InvalidValue(
            Reason.HOURS_PRECISION,
            f"hours {display_value(original)!r} = {number.normalize()} are not exact to 0.01 hour;"
            " correct the source or send hundredths",
        )
    if quantized == 0:
        quantized = abs(quantized)  # "-0.00" would otherwise carry a sign into totals and ids
    return quantized


# ---------------------------------------------------------------------------
# Dates

EARLIEST_WORK_DATE = date(1900, 1, 1)
LATEST_WORK_DATE = date(2199, 12, 31)


def parse_work_date(value: object, date_formats: tuple[str, ...]) -> date:
    """Parse a work date cell with the mapping's formats, tried in order.

    Workbook date cells are accepted as they are, and their time of day is dropped.
    The token "iso" accepts ISO 8601 dates and date-times; a date-time keeps the calendar
    date as written, whatever its offset. "excel_serial" accepts serial day numbers.
    """
    day = _parse_date(value, date_formats)
    if not EARLIEST_WORK_DATE <= day <= LATEST_WORK_DATE:
        # Such a date is a typo or a wrong serial, and pandas cannot hold it as a datetime.
        raise InvalidValue(
            Reason.INVALID_DATE,
            f"work date {day.isoformat()} from {display_value(value)!r} is outside "
            f"{EARLIEST_WORK_DATE.isoformat()} to {LATEST_WORK_DATE.isoformat()}",
        )
    return day


def _parse_date(value: object, date_formats: tuple[str, ...]) -> date:
    if is_blank(value):
        raise InvalidValue(Reason.MISSING_VALUE, "work date is missing")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "excel_serial" in date_formats:
            return _from_excel_serial(Decimal(repr(value)), value)
        raise InvalidValue(Reason.INVALID_DATE, f"work date {value!r} is a number; the mapping allows no serial dates")

    text = str(value).strip()
    for date_format in date_formats:
        if date_format == "excel_serial":
            if _INTEGER_TEXT.match(text):
                return _from_excel_serial(Decimal(text), value)
            continue
        try:
            if date_format == "iso":
                return datetime.fromisoformat(text).date()
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise InvalidValue(Reason.INVALID_DATE, f"work date {text!r} matches none of the formats {list(date_formats)}")


def _from_excel_serial(serial: Decimal, original: object) -> date:
    day = int(serial)  # a fraction is a time of day and is dropped
    if not EXCEL_SERIAL_MIN <= day <= EXCEL_SERIAL_MAX:
        raise InvalidValue(Reason.INVALID_DATE, f"work date {original!r} is outside the Excel serial date range")
    return EXCEL_EPOCH + timedelta(days=day)


# ---------------------------------------------------------------------------
# Codes


def normalise_cost_code(value: object, rules: CostCodeRules) -> str:
    """Normalise a vendor cost code to the canonical CSI form "DD SS SS" (optionally ".NN").

    Accepted: "03 30 00", "033000", "03-30-00", "03.30.00" (6 digits, MasterFormat 2004),
    "03300" (5 digits, MasterFormat 1995, written as "03 30 00"), tiered "03-300" when
    `procore_tiers` is set, and "3300" or "3,300" when `restore_leading_zero` is set.
    The 5-digit conversion changes the notation only: it is not the 1995-to-2004 crosswalk.
    """
    text = cell_text(value)
    if text == "":
        raise InvalidValue(Reason.MISSING_VALUE, "cost code is missing")
    if text in rules.aliases:
        return rules.aliases[text]
    if CANONICAL_COST_CODE.match(text):
        return text

    level4 = ""
    suffix = re.search(r"\.(\d{2})$", text)
    if suffix and len(re.sub(r"\D", "", text[: suffix.start()])) == 6:
        level4 = "." + suffix.group(1)
        text = text[: suffix.start()]

    tier = re.fullmatch(r"(\d{1,2})-(\d{3})", text)
    if rules.procore_tiers and tier:
        # A tier item is the 3-digit section of a 1995-style number: "03-300" is "03 30 00".
        digits = tier.group(1).zfill(2) + tier.group(2) + "0"
    elif rules.restore_leading_zero and re.fullmatch(r"\d,\d{3}", text):
        digits = "0" + text.replace(",", "")
    elif re.fullmatch(r"\d{2}([ .-]?\d{2}){2}|\d{4,5}", text):
        digits = re.sub(r"\D", "", text)
    else:
        raise InvalidValue(Reason.INVALID_COST_CODE, f"cost code {text!r} is not a CSI MasterFormat number")

    if len(digits) == 4:
        # Only a number can lose its leading zero, and a number never starts with 0.
        if not rules.restore_leading_zero or digits.startswith("0"):
            raise InvalidValue(
                Reason.INVALID_COST_CODE,
                f"cost code {text!r} has 4 digits; set cost_code.restore_leading_zero if the sender drops a leading zero",
            )
        digits = "0" + digits
    if len(digits) == 5:
        division = int(digits[:2])
        if 1 <= division <= 16:
            digits = digits + "0"  # MasterFormat 1995 "03300" -> "033000"
        elif rules.restore_leading_zero and not digits.startswith("0"):
            digits = "0" + digits
        else:
            raise InvalidValue(
                Reason.INVALID_COST_CODE,
                f"cost code {text!r} has 5 digits but division {digits[:2]} did not exist before 2004",
            )
    return f"{digits[0:2]} {digits[2:4]} {digits[4:6]}{level4}"


def map_code(value: object, lookup: dict[str, str], kind: str, reason: Reason) -> str:
    """Map a vendor code through a case-insensitive lookup, raising `reason` when it is unknown."""
    text = cell_text(value)
    if text == "":
        raise InvalidValue(Reason.MISSING_VALUE, f"{kind} is missing")
    canonical = lookup.get(normalise_code_key(text))
    if canonical is None:
        raise InvalidValue(reason, f"{kind} {text!r} is not in the mapping; add it to the mapping file if it is valid")
    return canonical


def parse_text(value: object, kind: str, *, zero_pad: int | None = None) -> str:
    """Parse a required text value such as an employee id or job, keeping leading zeros."""
    text = cell_text(value)
    if text == "":
        raise InvalidValue(Reason.MISSING_VALUE, f"{kind} is missing")
    if zero_pad and text.isdigit():
        text = text.zfill(zero_pad)
    return text
