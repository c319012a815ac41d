"""Labor mapping configuration: one YAML file per source system, loaded into a typed object.

A mapping describes how one vendor layout maps onto the canonical labor frame. It gives the
file format, text encoding and header position, and the vendor column behind each canonical
column. It also gives how pay types, cost types, dates, hours and cost codes are written, and
where the control record is. Keys are checked strictly, so a misspelt key fails at load time
instead of being ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ingest.records import ExtractError

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
LABOR_MAPPINGS_DIR = REPOSITORY_ROOT / "mappings" / "labor"

PAY_TYPES = ("RT", "OT", "DT")
COST_TYPES = ("L", "M", "E", "S", "O")

# Canonical columns a mapping fills from the file. source_file, source_row and
# source_record_id come from the reader itself.
REQUIRED_SOURCES = ("job", "cost_code", "cost_type", "employee_id", "pay_type", "work_date", "hours")
OPTIONAL_SOURCES = ("craft",)

DATE_FORMAT_TOKENS = ("iso", "excel_serial")
HOURS_FORMATS = ("decimal", "h:mm", "duration", "day_fraction")


@dataclass(frozen=True)
class ColumnSource:
    """Where one canonical value comes from: a vendor column, a constant, or another source.

    Exactly one of the fields is set. `split_group` names a group of the mapping's `split`
    pattern. `from_file_name` takes the date from the file name, and `from_business_date`
    takes the business date that the caller passes to the reader.
    """

    column: str | None = None
    constant: str | None = None
    split_group: str | None = None
    from_file_name: bool = False
    from_business_date: bool = False


@dataclass(frozen=True)
class SplitRule:
    """A combined vendor column (e.g. ADP `Job Cost#` = `J-2301-033000-L`) split by a regex."""

    column: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class UnpivotRule:
    """One hours column of a wide layout and the pay type it carries.

    Either `pay_type` is fixed (e.g. `Reg Hours` is RT) or `pay_type_column` names the vendor
    column holding a pay-type code (e.g. ADP `Hours 3 Code` = "D" for double time).
    """

    hours_column: str
    pay_type: str | None = None
    pay_type_column: str | None = None


@dataclass(frozen=True)
class CostCodeRules:
    """Rules that normalise vendor cost codes to the canonical CSI form "DD SS SS".

    `procore_tiers` reads a tiered "03-300" as the 5-digit MasterFormat 1995 number 03300.
    `restore_leading_zero` restores a zero a spreadsheet dropped: "3300" and "3,300" become
    "03300", and a 5-digit code whose division is above 16 (so not a 1995 number) gets its
    6th digit back. `aliases` maps exact vendor codes to canonical codes and is checked first.
    """

    procore_tiers: bool = False
    restore_leading_zero: bool = False
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ControlSpec:
    """Where the sender's record count and total hours are.

    `kind` is "companion_file" (a small file next to the extract, named by `file_name` with
    `{stem}` and `{name}` placeholders, holding `count<delimiter>hours` on its last non-blank
    line) or "trailer" (a last row marked by `marker` in the marker column). Trailer cells are
    named by header column or by 1-based position. `counts` names what the count covers:
    "canonical_rows" or "source_rows" (detail lines of a wide layout before unpivoting).
    """

    kind: str
    counts: str = "canonical_rows"
    file_name: str = "{stem}.ctl"
    delimiter: str = ","
    count_field: int = 1
    hours_field: int = 2
    marker: str = ""
    marker_column: str | None = None
    marker_position: int | None = None
    count_column: str | None = None
    count_position: int | None = None
    hours_column: str | None = None
    hours_position: int | None = None


@dataclass(frozen=True)
class LaborMapping:
    """A labor source layout and how it maps onto the canonical labor frame."""

    name: str
    mapping_file: str
    source_system: str
    format: str
    columns: dict[str, ColumnSource]
    pay_types: dict[str, str]  # vendor code, casefolded and whitespace-collapsed -> RT/OT/DT
    cost_types: dict[str, str]  # vendor code, casefolded -> L/M/E/S/O
    date_formats: tuple[str, ...]
    hours_formats: tuple[str, ...]
    cost_code: CostCodeRules
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    quotechar: str = '"'
    decimal_separator: str = "."
    thousands_separator: str | None = None
    negative_parentheses: bool = False
    header_row: int = 1
    sheet_name: str | None = None
    record_id_column: str | None = None
    employee_id_zero_pad: int | None = None
    split: SplitRule | None = None
    unpivot: tuple[UnpivotRule, ...] = ()
    control: ControlSpec | None = None
    file_name_pattern: str | None = None
    done_marker: bool = False
    description: str = ""

    def remote_file_name(self, business_date: date) -> str:
        """Format the expected file name for one business date from `file_name_pattern`."""
        if self.file_name_pattern is None:
            raise ExtractError(self.mapping_file, "file_name_pattern is not set in this mapping")
        return _DATE_PLACEHOLDER.sub(lambda m: business_date.strftime(m.group(1)), self.file_name_pattern)

    def date_from_file_name(self, file_name: str) -> date | None:
        """Return the date in a file name that matches `file_name_pattern`, or None."""
        if self.file_name_pattern is None:
            return None
        match = _file_name_regex(self.file_name_pattern).fullmatch(file_name)
        if match is None:
            return None
        if "date" not in match.re.groupindex:
            return None
        try:
            return datetime.strptime(match.group("date"), _date_format(self.file_name_pattern)).date()
        except ValueError:
            return None

    def done_marker_name(self, file_name: str) -> str:
        """Name of the empty marker file the sender writes when `file_name` is complete."""
        return f"{file_name}.done"

    def vendor_columns(self) -> list[str]:
        """Vendor columns that the file must contain for this mapping."""
        names = [source.column for source in self.columns.values() if source.column]
        if self.split is not None:
            names.append(self.split.column)
        for rule in self.unpivot:
            names.append(rule.hours_column)
            if rule.pay_type_column:
                names.append(rule.pay_type_column)
        if self.record_id_column:
            names.append(self.record_id_column)
        return list(dict.fromkeys(names))


_DATE_PLACEHOLDER = re.compile(r"\{date:([^}]+)\}")
_STRFTIME_REGEX = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{2}", "%d": r"\d{2}", "%j": r"\d{3}"}


def _date_format(pattern: str) -> str:
    return _DATE_PLACEHOLDER.search(pattern).group(1)


def _file_name_regex(pattern: str) -> re.Pattern[str]:
    """Compile a file name pattern with one `{date:FORMAT}` placeholder into a regex."""
    match = _DATE_PLACEHOLDER.search(pattern)
    if match is None:
        return re.compile(re.escape(pattern))
    date_regex = match.group(1)
    parts = re.split(r"(%[a-zA-Z])", date_regex)
    date_regex = "".join(_STRFTIME_REGEX.get(part, re.escape(part)) for part in parts)
    return re.compile(
        re.escape(pattern[: match.start()]) + f"(?P<date>{date_regex})" + re.escape(pattern[match.end() :])
    )


def normalise_code_key(code: str) -> str:
    """Key used to look up vendor codes: case-insensitive, inner whitespace collapsed."""
    return " ".join(str(code).split()).casefold()


# ---------------------------------------------------------------------------
# Loading

_TOP_LEVEL_KEYS = {
    "source_system", "description", "format", "encoding", "delimiter", "quotechar",
    "decimal_separator", "thousands_separator", "negative_parentheses", "header_row",
    "sheet_name", "record_id_column", "employee_id_zero_pad", "columns", "split", "unpivot",
    "pay_types", "cost_types", "date_formats", "hours_formats", "cost_code", "control",
    "file_name_pattern", "done_marker",
}
_CONTROL_KEYS = {
    "type", "counts", "file_name", "delimiter", "count_field", "hours_field", "marker",
    "marker_column", "marker_position", "count_column", "count_position", "hours_column",
    "hours_position",
}


def load_mapping(name_or_path: str | Path) -> LaborMapping:
    """Load a labor mapping by name (`mappings/labor/<name>.yaml`) or by file path.

    Raises ExtractError naming the mapping file when it is missing, not valid YAML, or has
    an unknown key or an invalid value.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = LABOR_MAPPINGS_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ExtractError(str(path), "labor mapping file not found")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ExtractError(str(path), f"mapping is not valid YAML: {error}") from error
    return parse_mapping(document, name=path.stem, mapping_file=str(path))


def parse_mapping(document: Any, *, name: str, mapping_file: str) -> LaborMapping:
    """Build a LaborMapping from a parsed YAML document, checking every key and value."""

    def fail(message: str) -> ExtractError:
        return ExtractError(mapping_file, f"invalid labor mapping: {message}")

    if not isinstance(document, dict):
        raise fail("the document must be a mapping of keys to values")
    unknown = sorted(set(document) - _TOP_LEVEL_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {unknown}; allowed keys are {sorted(_TOP_LEVEL_KEYS)}")
    for key in ("source_system", "format", "columns", "pay_types", "date_formats"):
        if key not in document:
            raise fail(f"required key {key!r} is missing")

    file_format = document["format"]
    if file_format not in ("csv", "xlsx"):
        raise fail(f"format must be 'csv' or 'xlsx', not {file_format!r}")

    split = _parse_split(document.get("split"), fail)
    unpivot = _parse_unpivot(document.get("unpivot") or [], fail)
    columns = _parse_columns(document["columns"], split, bool(unpivot), fail)
    pay_types = _parse_code_map(document["pay_types"], PAY_TYPES, "pay_types", fail)
    for rule in unpivot:
        if rule.pay_type is not None and rule.pay_type not in PAY_TYPES:
            raise fail(f"unpivot pay_type must be one of {PAY_TYPES}, not {rule.pay_type!r}")
    cost_types = _parse_code_map(document.get("cost_types") or {}, COST_TYPES, "cost_types", fail)

    date_formats = tuple(document["date_formats"])
    for date_format in date_formats:
        if date_format not in DATE_FORMAT_TOKENS and "%" not in str(date_format):
            raise fail(f"date format {date_format!r} is neither a strftime format nor one of {DATE_FORMAT_TOKENS}")
    hours_formats = tuple(document.get("hours_formats") or ["decimal"])
    for hours_format in hours_formats:
        if hours_format not in HOURS_FORMATS:
            raise fail(f"hours format {hours_format!r} is not one of {HOURS_FORMATS}")

    cost_code = document.get("cost_code") or {}
    unknown = sorted(set(cost_code) - {"procore_tiers", "restore_leading_zero", "aliases"})
    if unknown:
        raise fail(f"unknown cost_code key(s) {unknown}")
    cost_code_rules = CostCodeRules(
        procore_tiers=bool(cost_code.get("procore_tiers", False)),
        restore_leading_zero=bool(cost_code.get("restore_leading_zero", False)),
        aliases={str(k).strip(): str(v) for k, v in (cost_code.get("aliases") or {}).items()},
    )

    decimal_separator = document.get("decimal_separator", ".")
    thousands_separator = document.get("thousands_separator")
    if decimal_separator not in (".", ","):
        raise fail(f"decimal_separator must be '.' or ',', not {decimal_separator!r}")
    if thousands_separator == decimal_separator:
        raise fail("thousands_separator and decimal_separator must differ")

    header_row = document.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        raise fail(f"header_row must be a 1-based row number, not {header_row!r}")

    file_name_pattern = document.get("file_name_pattern")
    if file_name_pattern is not None and len(_DATE_PLACEHOLDER.findall(file_name_pattern)) > 1:
        raise fail("file_name_pattern may contain at most one {date:FORMAT} placeholder")
    if any(source.from_file_name for source in columns.values()):
        if file_name_pattern is None or not _DATE_PLACEHOLDER.search(file_name_pattern):
            raise fail("work_date from_file_name needs a file_name_pattern with a {date:FORMAT} placeholder")

    try:
        return LaborMapping(
            name=name,
            mapping_file=mapping_file,
            source_system=str(document["source_system"]),
            description=str(document.get("description", "")),
            format=file_format,
            encoding=str(document.get("encoding", "utf-8-sig")),
            delimiter=str(document.get("delimiter", ",")),
            quotechar=str(document.get("quotechar", '"')),
            decimal_separator=decimal_separator,
            thousands_separator=thousands_separator,
            negative_parentheses=bool(document.get("negative_parentheses", False)),
            header_row=header_row,
            sheet_name=document.get("sheet_name"),
            record_id_column=document.get("record_id_column"),
            employee_id_zero_pad=document.get("employee_id_zero_pad"),
            columns=columns,
            split=split,
            unpivot=unpivot,
            pay_types=pay_types,
            cost_types=cost_types,
            date_formats=date_formats,
            hours_formats=hours_formats,
            cost_code=cost_code_rules,
            control=_parse_control(document.get("control"), file_format, fail),
            file_name_pattern=file_name_pattern,
            done_marker=bool(document.get("done_marker", False)),
        )
    except (TypeError, ValueError) as error:
        raise fail(str(error)) from error


def _parse_columns(raw: Any, split: SplitRule | None, has_unpivot: bool, fail) -> dict[str, ColumnSource]:
    if not isinstance(raw, dict):
        raise fail("columns must map canonical column names to vendor columns")
    allowed = set(REQUIRED_SOURCES) | set(OPTIONAL_SOURCES)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise fail(f"unknown canonical column(s) {unknown} in columns; allowed are {sorted(allowed)}")

    columns: dict[str, ColumnSource] = {}
    for canonical, spec in raw.items():
        if isinstance(spec, str):
            columns[canonical] = ColumnSource(column=spec)
        elif isinstance(spec, dict) and len(spec) == 1:
            (key, value), = spec.items()
            if key == "column":
                columns[canonical] = ColumnSource(column=str(value))
            elif key == "constant":
                columns[canonical] = ColumnSource(constant=str(value))
            elif key == "from_file_name" and canonical == "work_date" and value is True:
                columns[canonical] = ColumnSource(from_file_name=True)
            elif key == "business_date" and canonical == "work_date" and value is True:
                columns[canonical] = ColumnSource(from_business_date=True)
            else:
                raise fail(f"columns.{canonical}: unknown source {spec!r}")
        else:
            raise fail(f"columns.{canonical} must be a vendor column name or a one-key mapping, not {spec!r}")

    if split is not None:
        for group in split.pattern.groupindex:
            if group in columns:
                raise fail(f"columns.{group} is also a group of the split pattern; give it in one place")
            if group not in allowed:
                raise fail(f"split pattern group {group!r} is not a canonical column")
            columns[group] = ColumnSource(split_group=group)

    if has_unpivot:
        for canonical in ("pay_type", "hours"):
            if canonical in columns:
                raise fail(f"columns.{canonical} must not be set when unpivot gives pay types and hours")
    required = [c for c in REQUIRED_SOURCES if not (has_unpivot and c in ("pay_type", "hours"))]
    missing = [c for c in required if c not in columns]
    if missing:
        raise fail(f"no source for canonical column(s) {missing}")
    return columns


def _parse_split(raw: Any, fail) -> SplitRule | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"column", "pattern"}:
        raise fail("split needs exactly the keys 'column' and 'pattern'")
    try:
        pattern = re.compile(raw["pattern"])
    except re.error as error:
        raise fail(f"split pattern is not a valid regex: {error}") from error
    if not pattern.groupindex:
        raise fail("split pattern needs named groups such as (?P<job>...)")
    return SplitRule(column=str(raw["column"]), pattern=pattern)


def _parse_unpivot(raw: Any, fail) -> tuple[UnpivotRule, ...]:
    if not isinstance(raw, list):
        raise fail("unpivot must be a list of {hours_column, pay_type | pay_type_column}")
    rules = []
    for item in raw:
        if not isinstance(item, dict) or "hours_column" not in item:
            raise fail(f"unpivot entry {item!r} needs hours_column")
        unknown = sorted(set(item) - {"hours_column", "pay_type", "pay_type_column"})
        if unknown:
            raise fail(f"unknown unpivot key(s) {unknown}")
        if ("pay_type" in item) == ("pay_type_column" in item):
            raise fail(f"unpivot entry {item!r} needs exactly one of pay_type or pay_type_column")
        rules.append(
            UnpivotRule(
                hours_column=str(item["hours_column"]),
                pay_type=item.get("pay_type"),
                pay_type_column=item.get("pay_type_column"),
            )
        )
    return tuple(rules)


def _parse_code_map(raw: Any, canonical_codes: tuple[str, ...], key: str, fail) -> dict[str, str]:
    """Invert {canonical: [vendor codes]} into {vendor key: canonical}; canonical codes map to themselves."""
    if not isinstance(raw, dict):
        raise fail(f"{key} must map each canonical code to a list of vendor codes")
    lookup = {normalise_code_key(code): code for code in canonical_codes}
    for canonical, synonyms in raw.items():
        if canonical not in canonical_codes:
            raise fail(f"{key}: {canonical!r} is not one of {canonical_codes}")
        if isinstance(synonyms, str):
            synonyms = [synonyms]
        for synonym in synonyms or []:
            vendor_key = normalise_code_key(synonym)
            if lookup.get(vendor_key, canonical) != canonical:
                raise fail(f"{key}: vendor code {synonym!r} maps to both {lookup[vendor_key]} and {canonical}")
            lookup[vendor_key] = canonical
    return lookup


def _parse_control(raw: Any, file_format: str, fail) -> ControlSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("control must be a mapping")
    unknown = sorted(set(raw) - _CONTROL_KEYS)
    if unknown:
        raise fail(f"unknown control key(s) {unknown}")
    kind = raw.get("type")
    counts = raw.get("counts", "canonical_rows")
    if counts not in ("canonical_rows", "source_rows"):
        raise fail(f"control.counts must be 'canonical_rows' or 'source_rows', not {counts!r}")
    values = {k: v for k, v in raw.items() if k != "type"}
    if kind == "companion_file":
        return ControlSpec(kind=kind, **values)
    if kind == "trailer":
        if not raw.get("marker"):
            raise fail("control.marker is required for a trailer")
        for part in ("marker", "count", "hours"):
            if (raw.get(f"{part}_column") is None) == (raw.get(f"{part}_position") is None):
                raise fail(f"trailer needs exactly one of control.{part}_column or control.{part}_position")
        return ControlSpec(kind=kind, **values)
    raise fail(f"control.type must be 'companion_file' or 'trailer', not {kind!r}")
