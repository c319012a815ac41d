"""Read a labor extract in any configured vendor layout into the canonical labor frame.

The reader only parses: a row whose values cannot be parsed becomes RowException records and
stays out of the frame. Partition dates, hour limits and the control totals are checked later
(checks.labor_schema and the balancing checks), so the reader never drops a parsed row.

Row counting: `rows_in == len(frame) + excepted_rows` always holds, where `excepted_rows` is
the number of distinct source rows with at least one exception. In a long layout each source
row is one canonical row. In a wide (unpivoted) layout such as ADP paydata one source row
gives one canonical row per pay type with non-zero hours, so `rows_in` counts canonical rows
produced plus source rows that failed to parse. A failed source row yields no canonical rows
at all, even when some of its hours columns parsed. A wide row whose hours are all zero or
blank yields no rows and no exception. `source_rows_in` counts detail rows as they are in the
file, which is what a wide layout's control record counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from ingest.control import is_trailer_row, parse_trailer, read_companion_control
from ingest.labor_columns import (
    TEXT_COLUMNS,
    business_record_ids,
    parse_distinct_values,
    parse_text_column,
    read_csv_table,
    reads_column_wise,
)
from ingest.mapping import COST_TYPES, LaborMapping, load_mapping, normalise_code_key
from ingest.records import ControlRecord, ExtractError, OwnerRole, Reason, RowException
from ingest.values import (
    InvalidValue,
    cell_text,
    display_value,
    is_blank,
    map_code,
    normalise_cost_code,
    parse_hours,
    parse_text,
    parse_work_date,
)

__all__ = ["CANONICAL_COLUMNS", "LaborExtract", "load_mapping", "read_labor_extract"]

CANONICAL_COLUMNS = [
    "source_file",
    "source_row",
    "source_record_id",
    "job",
    "cost_code",
    "cost_type",
    "employee_id",
    "craft",
    "pay_type",
    "work_date",
    "hours",
]

# Codes that a mapping translates: when one is unknown, the fix is a new entry in the
# mapping file, so the integration owner resolves it.
_INTEGRATION_REASONS = {Reason.UNKNOWN_PAY_TYPE, Reason.UNKNOWN_COST_TYPE}

_CANONICAL_COST_TYPES = {normalise_code_key(code): code for code in COST_TYPES}


@dataclass
class LaborExtract:
    """One labor extract read into the canonical frame, with the rows that failed to parse."""

    source_file: str
    frame: pd.DataFrame
    exceptions: list[RowException]
    rows_in: int
    source_rows_in: int
    control: ControlRecord | None
    mapping_name: str
    header: list[str] = field(default_factory=list)  # column names as read, BOM removed
    control_counts: str = "canonical_rows"  # what control.record_count counts, from the mapping
    excepted_hours: Decimal = Decimal("0.00")  # parsed hours of rows that have exceptions

    @property
    def excepted_rows(self) -> int:
        """Number of distinct source rows with at least one exception."""
        return len({(e.source_file, e.source_row) for e in self.exceptions})

    @property
    def total_hours(self) -> Decimal:
        """Hours of the rows that parsed into the frame."""
        return sum(self.frame["hours"], Decimal("0.00"))

    @property
    def file_hours(self) -> Decimal:
        """Hours of every detail row whose hours could be read, to compare with the control record.

        A row whose hours cannot be read is missing here, so its file cannot balance.
        """
        return self.total_hours + self.excepted_hours


@dataclass
class _SourceRow:
    number: int  # 1-based line (CSV) or sheet row (XLSX) where the record starts
    cells: list = field(default_factory=list)


def read_labor_extract(
    path: Path,
    mapping: LaborMapping,
    *,
    companion_dir: Path | None = None,
    business_date: date | None = None,
    column_wise: bool = True,
) -> LaborExtract:
    """Read one extract file into the canonical labor frame.

    `companion_dir` is where a companion control file is looked for (default: beside the
    extract). `business_date` is used only by mappings whose work date is the business date
    of the drop (`work_date: {business_date: true}`). CSV files in a long layout are parsed
    column by column (ingest.labor_columns) unless `column_wise` is False; both paths give
    the same result.

    Raises ExtractError naming the file when the layout is wrong as a whole. That is when the
    header row or a mapped column is missing, or the text is not in the configured encoding.
    It is also when the control record is missing or malformed, or when the file name
    carries no date where the mapping takes the work date from it.
    """
    path = Path(path)
    source_file = path.name
    if not path.is_file():
        raise ExtractError(source_file, f"extract file not found at {path}")

    if mapping.format == "csv":
        raw = path.read_bytes()
        text = _decode_csv(raw, path, mapping)
        if column_wise and reads_column_wise(mapping):
            del text  # pandas decodes the bytes itself; the text comes back only for the row reader
            table = read_csv_table(raw, mapping)
            if table is not None and len(table) and table.index[0] == mapping.header_row:
                del raw
                return _read_table(path, table, mapping, companion_dir, business_date)
            text = _decode_csv(raw, path, mapping)
        records = _csv_records(text, mapping, source_file)
    else:
        records = _read_xlsx_records(path, mapping)

    header_row = next((row for row in records if row.number == mapping.header_row), None)
    if header_row is None or all(is_blank(cell) for cell in header_row.cells):
        raise ExtractError(
            source_file,
            f"header row {mapping.header_row} is missing or empty (mapping {mapping.mapping_file})",
        )
    header_index, header = _index_header(header_row.cells, mapping, source_file)
    rows = [row for row in records if row.number > header_row.number]

    detail_rows, control = _split_control(rows, header_index, mapping, source_file)
    if mapping.control is not None and mapping.control.kind == "companion_file":
        control = read_companion_control(path, mapping, companion_dir)

    fixed_work_date = _fixed_work_date(mapping, source_file, business_date)
    parser = _RowParser(mapping, header_index, source_file, fixed_work_date, len(header_row.cells))
    canonical_rows: list[dict] = []
    exceptions: list[RowException] = []
    for row in detail_rows:
        produced, problems = parser.parse(row)
        if problems:
            exceptions.extend(problems)
        else:
            canonical_rows.extend(produced)

    _assign_record_ids(canonical_rows, mapping)
    return _labor_extract(parser, mapping, header, _build_frame(canonical_rows), exceptions, len(detail_rows), control)


def _labor_extract(parser: _RowParser, mapping: LaborMapping, header: list[str], frame: pd.DataFrame,
                   exceptions: list[RowException], source_rows_in: int, control: ControlRecord | None) -> LaborExtract:
    """Assemble the result of either reading path, counting each source row with an exception once."""
    excepted = len({e.source_row for e in exceptions})
    return LaborExtract(
        source_file=parser.source_file,
        frame=frame,
        exceptions=exceptions,
        rows_in=len(frame) + excepted,
        source_rows_in=source_rows_in,
        control=control,
        mapping_name=mapping.name,
        header=header,
        control_counts=mapping.control.counts if mapping.control else "canonical_rows",
        excepted_hours=parser.excepted_hours,
    )


# ---------------------------------------------------------------------------
# Reading records


def _decode_csv(raw: bytes, path: Path, mapping: LaborMapping) -> str:
    try:
        return raw.decode(mapping.encoding)
    except UnicodeDecodeError as error:
        raise ExtractError(
            path.name,
            f"file is not valid {mapping.encoding} text at byte {error.start}; "
            f"check the encoding in {mapping.mapping_file}",
        ) from error
    except LookupError as error:
        raise ExtractError(path.name, f"unknown encoding {mapping.encoding!r} in {mapping.mapping_file}") from error


def _csv_records(text: str, mapping: LaborMapping, source_file: str) -> list[_SourceRow]:
    """Read all non-blank CSV records with the physical line number each one starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, quotechar=mapping.quotechar)
    records = []
    next_line = 1
    try:
        for cells in reader:
            start_line = next_line
            next_line = reader.line_num + 1
            if all(cell.strip() == "" for cell in cells):
                continue
            records.append(_SourceRow(start_line, cells))
    except csv.Error as error:
        raise ExtractError(source_file, f"CSV is malformed: {error}", row=next_line) from error
    return records


def _read_xlsx_records(path: Path, mapping: LaborMapping) -> list[_SourceRow]:
    """Read all non-blank rows of the configured sheet with their sheet row numbers."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise ExtractError(path.name, f"file is not a readable XLSX workbook: {error}") from error
    try:
        if mapping.sheet_name is not None:
            if mapping.sheet_name not in workbook.sheetnames:
                raise ExtractError(
                    path.name,
                    f"sheet {mapping.sheet_name!r} required by {mapping.mapping_file} is missing; "
                    f"the workbook has {workbook.sheetnames}",
                )
            sheet = workbook[mapping.sheet_name]
        else:
            sheet = workbook.worksheets[0]
        # Some writers store a wrong sheet size; forget it so every stored row is read.
        sheet.reset_dimensions()
        records = []
        for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if all(is_blank(cell) for cell in cells):
                continue
            records.append(_SourceRow(number, list(cells)))
        return records
    finally:
        workbook.close()


def _index_header(cells: list, mapping: LaborMapping, source_file: str) -> tuple[dict[str, int], list[str]]:
    """Map each vendor column the mapping uses to its position, or raise naming what is missing."""
    names = [cell_text(cell) for cell in cells]
    if names:
        # A BOM left by a mapping that opens a BOM file as plain utf-8 would hide the first name.
        names[0] = names[0].lstrip("\ufeff").strip('"')
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, []).append(index)
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        folded.setdefault(name.casefold(), []).append(index)

    wanted = mapping.vendor_columns()
    spec = mapping.control
    if spec is not None and spec.kind == "trailer":
        trailer_columns = [spec.marker_column, spec.count_column, spec.hours_column]
        wanted += [column for column in trailer_columns if column is not None and column not in wanted]

    index_by_column: dict[str, int] = {}
    missing = []
    for column in wanted:
        found = positions.get(column) or folded.get(column.casefold()) or []
        if not found:
            missing.append(column)
        elif len(found) > 1:
            raise ExtractError(source_file, f"column {column!r} appears {len(found)} times in the header")
        else:
            index_by_column[column] = found[0]
    if missing:
        raise ExtractError(
            source_file,
            f"column(s) {missing} required by mapping {mapping.mapping_file} are missing; "
            f"the header has {[name for name in names if name]}",
            row=mapping.header_row,
        )
    return index_by_column, names


def _split_control(
    rows: list[_SourceRow], header_index: dict[str, int], mapping: LaborMapping, source_file: str
) -> tuple[list[_SourceRow], ControlRecord | None]:
    """Separate the trailer row from the detail rows when the mapping has a trailer."""
    spec = mapping.control
    if spec is None or spec.kind != "trailer":
        return rows, None
    trailer_positions = [i for i, row in enumerate(rows) if is_trailer_row(row.cells, header_index, spec)]
    if not trailer_positions:
        raise ExtractError(
            source_file,
            f"control trailer row (marker {spec.marker!r}) is missing; the file may be incomplete",
        )
    if len(trailer_positions) > 1:
        numbers = [rows[i].number for i in trailer_positions]
        raise ExtractError(source_file, f"found {len(numbers)} control trailer rows, at rows {numbers}; expected one")
    position = trailer_positions[0]
    if position != len(rows) - 1:
        raise ExtractError(
            source_file,
            f"detail row {rows[position + 1].number} follows the control trailer; the trailer must be last",
            row=rows[position].number,
        )
    trailer = rows[position]
    control = parse_trailer(trailer.cells, header_index, mapping, source_file, trailer.number)
    return rows[:position], control


def _fixed_work_date(mapping: LaborMapping, source_file: str, business_date: date | None) -> date | None:
    source = mapping.columns["work_date"]
    if source.from_file_name:
        work_date = mapping.date_from_file_name(source_file)
        if work_date is None:
            raise ExtractError(
                source_file,
                f"file name does not match {mapping.file_name_pattern!r} from {mapping.mapping_file}, "
                "so it carries no work date",
            )
        return work_date
    if source.from_business_date:
        if business_date is None:
            raise ExtractError(
                source_file, f"mapping {mapping.mapping_file} takes the work date from the business date; pass business_date"
            )
        return business_date
    return None


# ---------------------------------------------------------------------------
# Parsing rows


_NOT_PARSED = object()
# Enough for every date, code and hours value of a day; distinct ids past it are parsed each time.
_MAX_PARSED_VALUES = 50_000


class _RowParser:
    """Turn one detail row into canonical rows or RowException records."""

    def __init__(
        self,
        mapping: LaborMapping,
        header_index: dict[str, int],
        source_file: str,
        fixed_work_date: date | None,
        header_width: int,
    ):
        self.mapping = mapping
        self.header_index = header_index
        self.source_file = source_file
        self.fixed_work_date = fixed_work_date
        self.header_width = header_width
        self.cost_types = {**_CANONICAL_COST_TYPES, **mapping.cost_types}
        # Hours of rows rejected for another column: they still count toward the file's
        # total, which the sender's control record covers.
        self.excepted_hours = Decimal("0.00")
        # Parsed values by (column, cell type, cell): an extract repeats the same dates, codes,
        # jobs and hours on most rows, and each parser depends on its cell and the mapping only.
        self._parsed: dict[tuple, object] = {}

    def parse(self, row: _SourceRow) -> tuple[list[dict], list[RowException]]:
        problems: list[RowException] = []

        def problem(column: str, value: object, error: InvalidValue) -> None:
            owner = OwnerRole.INTEGRATION if error.reason in _INTEGRATION_REASONS else OwnerRole.FIELD
            problems.append(
                RowException(
                    source_file=self.source_file,
                    source_row=row.number,
                    column=column,
                    value=display_value(value),
                    reason=error.reason,
                    owner=owner,
                    message=error.message,
                )
            )

        extra = [cell for cell in row.cells[self.header_width :] if not is_blank(cell)]
        if extra:
            problem(
                "(row)",
                self.mapping.delimiter.join(cell_text(cell) for cell in extra),
                InvalidValue(
                    Reason.INVALID_FORMAT,
                    f"row has {len(row.cells)} fields but the header has {self.header_width}; "
                    "a value may contain an unquoted delimiter",
                ),
            )

        split_groups = self._split(row, problem)
        base: dict[str, object] = {}
        for canonical, source in self.mapping.columns.items():
            if source.split_group is not None:
                if split_groups is None:
                    continue  # the split column already has an exception
                value, column = split_groups.get(canonical), self.mapping.split.column
            elif source.column is not None:
                value, column = self._cell(row, source.column), source.column
            elif source.constant is not None:
                value, column = source.constant, f"{canonical} (constant)"
            else:
                base[canonical] = self.fixed_work_date
                continue
            try:
                base[canonical] = self.parse_value(canonical, value)
            except InvalidValue as error:
                problem(column, value, error)
        base.setdefault("craft", "")

        record_id = None
        if self.mapping.record_id_column:
            value = self._cell(row, self.mapping.record_id_column)
            try:
                record_id = parse_text(value, "record id")
            except InvalidValue as error:
                problem(self.mapping.record_id_column, value, error)

        if self.mapping.unpivot:
            pay_rows = self._unpivot(row, problem)
        else:
            pay_rows = [(base.get("pay_type"), base.get("hours"))]
        if problems:
            self.excepted_hours += sum((hours for _, hours in pay_rows if isinstance(hours, Decimal)), Decimal("0.00"))
            return [], problems

        produced = []
        for pay_type, hours in pay_rows:
            canonical_row = {
                "source_file": self.source_file,
                "source_row": row.number,
                "source_record_id": record_id,
                **base,
                "pay_type": pay_type,
                "hours": hours,
            }
            produced.append(canonical_row)
        return produced, []

    def _cell(self, row: _SourceRow, column: str) -> object:
        index = self.header_index[column]
        return row.cells[index] if index < len(row.cells) else None

    def _split(self, row: _SourceRow, problem) -> dict[str, str] | None:
        split = self.mapping.split
        if split is None:
            return {}
        value = self._cell(row, split.column)
        text = cell_text(value)
        if text == "":
            problem(split.column, value, InvalidValue(Reason.MISSING_VALUE, f"{split.column} is missing"))
            return None
        match = split.pattern.fullmatch(text)
        if match is None:
            problem(
                split.column,
                value,
                InvalidValue(Reason.INVALID_FORMAT, f"{text!r} does not match the pattern {split.pattern.pattern!r}"),
            )
            return None
        return match.groupdict()

    def parse_value(self, canonical: str, value: object) -> object:
        """Parse one cell of a canonical column, once per distinct cell; raise InvalidValue if it is bad."""
        key = (canonical, type(value), value)
        try:
            parsed = self._parsed.get(key, _NOT_PARSED)
        except TypeError:  # an unhashable cell: parse it every time
            return self.parse_new_value(canonical, value)
        if parsed is _NOT_PARSED:
            try:
                parsed = self.parse_new_value(canonical, value)
            except InvalidValue as error:
                parsed = error
            if len(self._parsed) < _MAX_PARSED_VALUES:
                self._parsed[key] = parsed
        if isinstance(parsed, InvalidValue):
            raise InvalidValue(parsed.reason, parsed.message)
        return parsed

    def parse_new_value(self, canonical: str, value: object) -> object:
        mapping = self.mapping
        if canonical == "job":
            return parse_text(value, "job")
        if canonical == "employee_id":
            return parse_text(value, "employee id", zero_pad=mapping.employee_id_zero_pad)
        if canonical == "craft":
            return cell_text(value)
        if canonical == "cost_code":
            return normalise_cost_code(value, mapping.cost_code)
        if canonical == "cost_type":
            return map_code(value, self.cost_types, "cost type", Reason.UNKNOWN_COST_TYPE)
        if canonical == "pay_type":
            return map_code(value, mapping.pay_types, "pay type", Reason.UNKNOWN_PAY_TYPE)
        if canonical == "work_date":
            return parse_work_date(value, mapping.date_formats)
        if canonical == "hours":
            return parse_hours(value, mapping)
        raise AssertionError(f"no parser for canonical column {canonical}")

    def _unpivot(self, row: _SourceRow, problem) -> list[tuple[str, Decimal]]:
        """Collect one (pay type, hours) pair per hours column with non-zero hours."""
        pairs = []
        for rule in self.mapping.unpivot:
            value = self._cell(row, rule.hours_column)
            if is_blank(value):
                continue
            try:
                hours = parse_hours(value, self.mapping)
            except InvalidValue as error:
                problem(rule.hours_column, value, error)
                continue
            if hours == 0:
                continue
            if rule.pay_type is not None:
                pairs.append((rule.pay_type, hours))
                continue
            code = self._cell(row, rule.pay_type_column)
            try:
                pairs.append((map_code(code, self.mapping.pay_types, "pay type", Reason.UNKNOWN_PAY_TYPE), hours))
            except InvalidValue as error:
                problem(rule.pay_type_column, code, error)
        return pairs


# ---------------------------------------------------------------------------
# Reading a CSV table column by column (see ingest.labor_columns)


def _read_table(
    path: Path, table: pd.DataFrame, mapping: LaborMapping, companion_dir: Path | None, business_date: date | None
) -> LaborExtract:
    """Read a CSV table whose first row is the header, column by column, as read_labor_extract's row path does."""
    reader = TableReader(path, table.loc[mapping.header_row].tolist(), mapping, companion_dir, business_date)
    return reader.read_part(table.iloc[1:])  # the header is the first row; a slice keeps the cells where they are


class TableReader:
    """Parse detail rows of a CSV table column by column, one part of the file at a time.

    The header, the control record and the record-id occurrence counts belong to the whole
    file, so parts read in file order give the same rows as one table would.
    """

    def __init__(self, path: Path, header_cells: list, mapping: LaborMapping, companion_dir: Path | None,
                 business_date: date | None):
        source_file = path.name
        if all(is_blank(cell) for cell in header_cells):
            raise ExtractError(
                source_file,
                f"header row {mapping.header_row} is missing or empty (mapping {mapping.mapping_file})",
            )
        self.mapping = mapping
        self.header_index, self.header = _index_header(header_cells, mapping, source_file)
        self.width = len(header_cells)
        self.control = read_companion_control(path, mapping, companion_dir) if mapping.control is not None else None
        fixed_work_date = _fixed_work_date(mapping, source_file, business_date)
        self.parser = _RowParser(mapping, self.header_index, source_file, fixed_work_date, len(header_cells))
        self._occurrences: dict[str, int] = {}  # business record ids so far, for layouts without a vendor id

    def read_part(self, detail: pd.DataFrame) -> LaborExtract:
        """Parse detail rows (text cells indexed by line number) into a LaborExtract of their own."""
        hours_before = self.parser.excepted_hours
        frame, exceptions = _parse_table(detail, self.parser, self.mapping, self.header_index, self._occurrences)
        part = _labor_extract(self.parser, self.mapping, self.header, frame, exceptions, len(detail), self.control)
        part.excepted_hours = self.parser.excepted_hours - hours_before
        return part


def _parse_table(
    detail: pd.DataFrame, parser: _RowParser, mapping: LaborMapping, header_index: dict[str, int],
    occurrences: dict[str, int],
) -> tuple[pd.DataFrame, list[RowException]]:
    """Parse the detail rows column by column; rows with a bad value go through the row parser."""
    bad = pd.Series(False, index=detail.index)
    values: dict[str, object] = {}
    for canonical, source in mapping.columns.items():
        if source.column is not None:
            cells = detail[header_index[source.column]]
            if canonical in TEXT_COLUMNS:
                zero_pad = mapping.employee_id_zero_pad if canonical == "employee_id" else None
                values[canonical], invalid = parse_text_column(cells, zero_pad=zero_pad)
            else:
                values[canonical], invalid = parse_distinct_values(
                    cells, lambda value, canonical=canonical: parser.parse_value(canonical, value)
                )
            bad |= invalid
        elif source.constant is not None:
            try:
                values[canonical] = parser.parse_value(canonical, source.constant)
            except InvalidValue:
                values[canonical] = None
                bad[:] = True
        else:
            values[canonical] = parser.fixed_work_date
    values.setdefault("craft", "")
    if mapping.record_id_column:
        values["source_record_id"], invalid = parse_text_column(detail[header_index[mapping.record_id_column]])
        bad |= invalid
    else:
        values["source_record_id"] = None

    # The row parser names every problem of a bad row, in the row reader's order.
    exceptions: list[RowException] = []
    for number, cells in zip(detail.index[bad], detail[bad].itertuples(index=False, name=None), strict=True):
        produced, problems = parser.parse(_SourceRow(int(number), list(cells)))
        if produced or not problems:
            raise AssertionError(f"row {number}: the column and row parsers disagree on whether it is valid")
        exceptions.extend(problems)

    # One array per column, taken once; the frame is built from them without further copies.
    good = ~bad.to_numpy()
    columns: dict[str, object] = {
        "source_file": np.full(int(good.sum()), parser.source_file, dtype=object),
        "source_row": detail.index.to_numpy(dtype="int64")[good],
    }
    for column in ("source_record_id", "job", "cost_code", "cost_type", "employee_id", "craft", "pay_type", "hours",
                   "work_date"):
        value = values[column]
        columns[column] = value.to_numpy(dtype=object)[good] if isinstance(value, pd.Series) else value
    frame = pd.DataFrame(columns, columns=CANONICAL_COLUMNS)
    if not mapping.record_id_column:
        frame["source_record_id"] = business_record_ids(frame, mapping.source_system, occurrences)
    days = {day: pd.Timestamp(day) for day in frame["work_date"].unique()}
    frame["work_date"] = frame["work_date"].map(days).astype("datetime64[ns]")
    return frame, exceptions


# ---------------------------------------------------------------------------
# Record ids and the frame


def _assign_record_ids(rows: list[dict], mapping: LaborMapping) -> None:
    """Give rows without a vendor id a key from their business fields and occurrence in the file.

    The key hashes job, cost code, cost type, employee, craft, pay type, work date and hours,
    then appends how many identical rows came before it in the file, so a re-sent file gives
    every row the same id again. A corrected row (other hours, say) gets a new id.
    """
    seen: Counter[str] = Counter()
    for row in rows:
        if row["source_record_id"] is not None:
            continue
        business_key = "|".join(
            [
                mapping.source_system,
                row["job"],
                row["cost_code"],
                row["cost_type"],
                row["employee_id"],
                row["craft"],
                row["pay_type"],
                row["work_date"].isoformat(),
                str(row["hours"]),
            ]
        )
        digest = hashlib.sha256(business_key.encode("utf-8")).hexdigest()[:20]
        seen[digest] += 1
        row["source_record_id"] = f"{digest}-{seen[digest]}"


def _build_frame(rows: list[dict]) -> pd.DataFrame:
    """Build the canonical frame with its dtypes, also when there are no rows."""
    frame = pd.DataFrame(rows, columns=CANONICAL_COLUMNS)
    frame["source_row"] = frame["source_row"].astype("int64")
    frame["work_date"] = pd.to_datetime(pd.Series([row["work_date"] for row in rows], dtype=object)).astype(
        "datetime64[ns]"
    )
    frame["hours"] = pd.Series([row["hours"] for row in rows], dtype=object)
    for column in ("source_file", "source_record_id", "job", "cost_code", "cost_type", "employee_id", "craft", "pay_type"):
        frame[column] = frame[column].astype(object)
    return frame
