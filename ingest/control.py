"""Control records of labor extracts: a trailer row inside the file or a companion file."""

from __future__ import annotations

from pathlib import Path

from ingest.mapping import ControlSpec, LaborMapping
from ingest.records import ControlRecord, ExtractError
from ingest.values import MAX_TOTAL_HOURS, InvalidValue, cell_text, parse_hours


def companion_file_path(extract: Path, spec: ControlSpec, companion_dir: Path | None) -> Path:
    """Path of the companion control file for `extract`, in `companion_dir` or beside the extract."""
    name = spec.file_name.format(stem=extract.stem, name=extract.name)
    return (companion_dir or extract.parent) / name


def read_companion_control(
    extract: Path, mapping: LaborMapping, companion_dir: Path | None
) -> ControlRecord:
    """Read `count<delimiter>hours` from the last non-blank line of the companion file.

    A header line before it is allowed. Raises ExtractError when the file is missing or
    its values are not a whole count and exact hours.
    """
    spec = mapping.control
    path = companion_file_path(extract, spec, companion_dir)
    if not path.is_file():
        raise ExtractError(
            extract.name,
            f"companion control file {path.name} not found in {path.parent}; the sender must deliver it with the extract",
        )
    try:
        text = path.read_text(encoding=mapping.encoding)
    except UnicodeDecodeError as error:
        raise ExtractError(path.name, f"control file is not valid {mapping.encoding} text: {error}") from error

    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise ExtractError(path.name, "control file is empty; expected a line with count and total hours")
    line_number, line = lines[-1]
    fields = [part.strip() for part in line.split(spec.delimiter)]
    needed = max(spec.count_field, spec.hours_field)
    if len(fields) < needed:
        raise ExtractError(
            path.name, f"control line {line!r} has {len(fields)} field(s); expected at least {needed}", row=line_number
        )
    count = _parse_count(fields[spec.count_field - 1], path.name, line_number)
    hours = _parse_total_hours(fields[spec.hours_field - 1], mapping, path.name, line_number)
    return ControlRecord(record_count=count, total_hours=hours, source=path.name)


def trailer_cell(cells: list, header_index: dict[str, int], column: str | None, position: int | None) -> object:
    """Value of one trailer cell, named by header column or by 1-based position."""
    index = header_index[column] if column is not None else position - 1
    return cells[index] if index < len(cells) else None


def is_trailer_row(cells: list, header_index: dict[str, int], spec: ControlSpec) -> bool:
    marker = trailer_cell(cells, header_index, spec.marker_column, spec.marker_position)
    return cell_text(marker).casefold() == spec.marker.casefold()


def parse_trailer(
    cells: list, header_index: dict[str, int], mapping: LaborMapping, source_file: str, row_number: int
) -> ControlRecord:
    """Read the record count and total hours from a trailer row; raise ExtractError if malformed."""
    spec = mapping.control
    count_value = trailer_cell(cells, header_index, spec.count_column, spec.count_position)
    hours_value = trailer_cell(cells, header_index, spec.hours_column, spec.hours_position)
    count = _parse_count(count_value, source_file, row_number)
    hours = _parse_total_hours(hours_value, mapping, source_file, row_number)
    return ControlRecord(
        record_count=count, total_hours=hours, source=f"trailer row {row_number} of {source_file}"
    )


def _parse_count(value: object, source_file: str, row_number: int) -> int:
    text = cell_text(value)
    if not text.isdigit():
        raise ExtractError(source_file, f"control record count {text!r} is not a whole number", row=row_number)
    return int(text)


def _parse_total_hours(value: object, mapping: LaborMapping, source_file: str, row_number: int):
    try:
        return parse_hours(value, mapping, limit=MAX_TOTAL_HOURS)
    except InvalidValue as error:
        raise ExtractError(source_file, f"control total hours are invalid: {error.message}", row=row_number) from error
