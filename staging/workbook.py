"""The exceptions workbook: held batches and held rows, for finance reviewers in Excel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, select

from staging.batches import open_exceptions
from staging.tables import batches

BATCH_COLUMNS = ("domain", "partition_key", "batch_id", "source_file", "status", "rows_in", "rows_staged",
                 "rows_excepted", "staged_hours", "control_count", "control_hours", "staged_amount", "control_amount",
                 "status_reason")
EXCEPTION_COLUMNS = ("partition_key", "batch_id", "source_file", "source_row", "source_record_id", "employee_id",
                     "work_date", "hours", "column_name", "value", "reason", "owner", "message")


def write_exceptions_workbook(engine: Engine, path: Path, domain: str | None = None) -> Path:
    """Write the held batches and the exceptions of every current batch to an .xlsx file."""
    workbook = Workbook()
    batch_sheet = workbook.active
    batch_sheet.title = "Batches"
    query = select(batches).order_by(batches.c.partition_key, batches.c.staged_at)
    if domain:
        query = query.where(batches.c.domain == domain)
    with engine.connect() as connection:
        batch_rows = [dict(row) for row in connection.execute(query).mappings()]
    _fill(batch_sheet, BATCH_COLUMNS, batch_rows)

    exception_sheet = workbook.create_sheet("Exceptions")
    _fill(exception_sheet, EXCEPTION_COLUMNS, open_exceptions(engine, domain))

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _fill(sheet, columns: tuple[str, ...], rows: list[dict]) -> None:
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell_value(row.get(column)) for column in columns])
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            keep_text(cell)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(columns, start=1):
        width = max([len(column)] + [len(str(row.get(column) or "")) for row in rows[:500]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 80)


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        # Hours are 2-place decimals, and an Excel number is exact enough to sum and filter them.
        return float(value)
    return str(value)


def keep_text(cell: Cell) -> None:
    # openpyxl stores a string that starts with "=" as a formula; values from extracts
    # must stay text so that a crafted cell cannot run as a formula in Excel.
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
