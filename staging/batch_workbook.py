"""The batch workbook: one .xlsx per held batch, with its totals, its held rows and the next steps."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, select

from staging.batches import batch_exceptions
from staging.journal import source_rows_of
from staging.tables import batches
from staging.workbook import keep_text

# Exception columns whose value can be a pay rate or pay amount, compared after
# lower-casing and turning "_" into a space. "amount" is pay only in labor files,
# because in equipment and accrual batches it is the charge or accrual under review.
# NOTE: the whole column name must match, so "Earnings 3 Amount" is not masked.
SENSITIVE_COLUMNS = frozenset({"rate", "temp rate", "pay rate", "wage", "earnings", "hourly cost"})
LABOR_SENSITIVE_COLUMNS = frozenset({"amount"})
MASK = "***"

HOURS_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"

# Keyed by reason code as the exceptions table stores it (the values of ingest.records.Reason).
NEXT_STEPS: dict[str, str] = {
    "missing_value": "Fill in the missing value at the sender and send the file again.",
    "invalid_number": "Correct the number in the extract (digits and one decimal point), then run the date again.",
    "invalid_date": "Correct the date in the extract to a format the layout accepts, then run the date again.",
    "unknown_pay_type": "Correct the pay type in the extract, or ask the integration owners to map the new code.",
    "unknown_cost_type": "Correct the cost type in the extract, or ask the integration owners to map the new code.",
    "invalid_cost_code": "Correct the cost code in the extract to a valid CSI code, then run the date again.",
    "hours_out_of_range": "Check the hours with the field, then correct the extract or send a correction row.",
    "date_outside_partition": "Send the row in the file of its own work date, or correct the work date.",
    "hours_precision": "Round the hours to two decimal places at the sender, because the pipeline does not round them.",
    "invalid_format": "Correct the value to the layout's pattern, or ask the integration owners to update the mapping.",
    "hours_over_daily_limit": "Confirm the hours with the foreman, then correct the extract or split the entry.",
    "unknown_employee": "Add the employee's badge number in Odoo, or correct the extract, then run the date again.",
    "inactive_employee": "Reactivate the employee in Odoo if the work is real, or correct the extract.",
    "unknown_job": "Create the job as a project in Odoo, or correct the extract, then run the date again.",
    "job_closed": "Reopen the job in Odoo if the cost belongs to it, or book the row to an open job.",
    "unknown_cost_code": "Add the cost code as a task on the job in Odoo, or correct the extract, then run the date again.",
    "period_locked": "Post the row in an open period as a correction, or ask the controller to move the lock date.",
    "duplicate_in_file": "Remove the duplicate at the sender and send the file again.",
    "already_posted": "Nothing to do if the row was sent again. If it is a new record, give it a new record id at the sender.",
    "unknown_equipment": "Add the unit to the equipment database, or correct the unit id in the fleet data.",
    "inactive_equipment": "Reactivate the unit in the equipment database if it worked, or correct the fleet data.",
    "placeholder_value": "Ask the fleet system's owner for the real reading, because a placeholder cannot be charged.",
    "stale_reading": "Check why the unit stopped reporting and get a current reading from the fleet system.",
    "no_bracketing_readings": "Get the meter readings before and after the day from the fleet system, then run the date again.",
    "meter_backwards": "If the meter was replaced, record the replacement in the equipment database. Otherwise correct the reading.",
    "no_assignment": "Assign the unit to a job for the day in the equipment database, then run the date again.",
    "missing_rate": "Add the rate of the unit's class for the day in the equipment database, then run the date again.",
    "invalid_assignment": "Fix the day's assignments: use hours or percent, not both, and make percent add up to 100.",
    "invalid_amount": "Correct the amount in the accrual source, then run the period again.",
    "approval_missing": "Record the approval in project controls; until then the row stays out of the accrual.",
    "not_approved": "Get the row approved in project controls, or leave it out of this period's accrual.",
    "analytic_incomplete": "Give the row its job and cost code in the source so the cost can be distributed.",
    "excluded_by_reviewer": "Nothing to post: a reviewer excluded the row. Send it in a corrected file if it should post.",
    "odoo_rejected": "Read Odoo's message and fix the record in Odoo (an archived employee, for example), then run the date again.",
}

# Blocking checks that hold a whole batch, found by name in the batch's status reason.
STATUS_NEXT_STEPS: dict[str, str] = {
    "control_totals_match": "A balancing failure cannot be accepted: ask the sender for a corrected file.",
    "rows_accounted_for": "Rows went missing between reading and staging: report the batch to the integration owners.",
    "entries_balanced": "An entry does not balance: report the batch to the integration owners.",
    "analytic_distribution_complete": "Give every job-cost line its job and cost code in the source, then run again.",
    "period_open": "Ask the controller to move the lock date, or post the cost in an open period.",
    "period locked": "Ask the controller to move the lock date, or post the cost in an open period.",
}
NO_NEXT_STEP = "No guidance recorded for this reason: ask the integration owners."

# Label, exceptions column, minimum width in characters.
HELD_ROW_COLUMNS = (
    ("Source file", "source_file", 14),
    ("Row", "source_row", 6),
    ("Record id", "source_record_id", 12),
    ("Employee", "employee_id", 10),
    ("Work date", "work_date", 12),
    ("Hours", "hours", 8),
    ("Column", "column_name", 10),
    ("Value", "value", 10),
    ("Owner", "owner", 10),
    ("Message", "message", 30),
)
# Held rows of equipment and accrual batches: the money and where it was going, in place of
# the employee, date and hours of a labor row.
JOURNAL_HELD_ROW_COLUMNS = (
    ("Source file", "source_file", 14),
    ("Row", "source_row", 6),
    ("Record id", "source_record_id", 12),
    ("Job", "job", 8),
    ("Cost code", "cost_code", 10),
    ("Amount", "amount", 12),
    ("Column", "column_name", 10),
    ("Value", "value", 10),
    ("Owner", "owner", 10),
    ("Message", "message", 30),
)
JOURNAL_DOMAINS = frozenset({"equipment", "accruals"})
MAX_WIDTH = 80

# The accepted rows of a journal batch: label, journal_source_rows column, minimum width.
STAGED_ROW_COLUMNS = (
    ("Exclude as", "reference", 24),
    ("Record id", "source_record_id", 12),
    ("Job", "job", 8),
    ("Cost code", "cost_code", 10),
    ("Amount", "amount", 12),
)
AMOUNT_FORMAT = "#,##0.00"


# An .xlsx sheet has at most 1,048,576 rows, and openpyxl writes about 5,000 rows a second,
# so a sheet stops here and the Summary says where the rest are.
MAX_SHEET_ROWS = 50_000


def write_batch_workbook(engine: Engine, batch_id: str, out_dir: Path, *, show_sensitive: bool = False) -> Path:
    """Write ``<batch_id>.xlsx`` into ``out_dir``: a Summary sheet, one sheet of held rows per reason and,
    for a journal batch, the staged rows with the references a reviewer excludes them by.

    Values of pay columns (``SENSITIVE_COLUMNS``) show as ``***`` unless ``show_sensitive`` is set.
    Raises LookupError when the staging database has no batch ``batch_id``.
    """
    if not batch_id or Path(batch_id).name != batch_id:
        raise ValueError(f"invalid batch id {batch_id!r}: it becomes the file name, so it cannot contain a path")
    with engine.connect() as connection:
        batch = connection.execute(select(batches).where(batches.c.batch_id == batch_id)).mappings().first()
    if batch is None:
        raise LookupError(f"batch {batch_id!r} not found in the staging database. List batches with `python -m staging batches`.")
    held_rows = batch_exceptions(engine, batch_id)

    workbook = Workbook()
    _write_summary(workbook.active, dict(batch), held_rows)
    by_reason: dict[str, list[dict]] = {}
    for row in held_rows:
        by_reason.setdefault(row["reason"], []).append(row)
    if batch["domain"] in JOURNAL_DOMAINS:
        held_rows = _with_source_money(held_rows, source_rows_of(engine, batch_id, held=True))
    shortened: list[tuple[str, int, str]] = []  # (sheet, rows left out, staging table)
    for reason in sorted(by_reason):
        # Reason codes are snake_case and shorter than Excel's 31-character sheet title limit.
        sheet = workbook.create_sheet(reason[:31])
        rows = [row for row in held_rows if row["reason"] == reason]
        _write_held_rows(sheet, batch["domain"], rows[:MAX_SHEET_ROWS], show_sensitive)
        if len(rows) > MAX_SHEET_ROWS:
            shortened.append((sheet.title, len(rows), "exceptions"))
    staged_rows = source_rows_of(engine, batch_id)
    if staged_rows:
        _write_staged_rows(workbook.create_sheet("staged_rows"), staged_rows[:MAX_SHEET_ROWS])
        if len(staged_rows) > MAX_SHEET_ROWS:
            shortened.append(("staged_rows", len(staged_rows), "journal_source_rows"))
    for title, total, table in shortened:
        workbook.active.append([
            f"Sheet {title} lists the first {MAX_SHEET_ROWS:,} of {total:,} rows. All of them are in the staging "
            f"database, table {table}, batch {batch_id}."
        ])

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{batch_id}.xlsx"
    workbook.save(path)
    return path


def is_sensitive(domain: str, column_name: str) -> bool:
    """Return whether an exception's value may be pay and must be masked."""
    name = " ".join(column_name.replace("_", " ").lower().split())
    return name in SENSITIVE_COLUMNS or (domain == "labor" and name in LABOR_SENSITIVE_COLUMNS)


def _write_summary(sheet: Worksheet, batch: dict, held_rows: list[dict]) -> None:
    sheet.title = "Summary"
    bold = Font(bold=True)
    partition_label = "Period (first day)" if batch["domain"] == "accruals" else "Business date"
    facts = [
        ("Batch id", batch["batch_id"]),
        ("Domain", batch["domain"]),
        (partition_label, _as_date(batch["partition_key"])),
        ("Source file", batch["source_file"]),
        # The status when the checks ran; `python -m staging batches` shows the current one.
        ("Status when checked", batch["status"]),
        ("Status reason", batch["status_reason"] or ""),
        ("Rows in", batch["rows_in"]),
        ("Rows staged", batch["rows_staged"]),
        ("Rows held", batch["rows_excepted"]),
        ("Rows counted for the control record", batch["counted_rows"]),
        ("Control count", batch["control_count"]),
        ("Staged hours", batch["staged_hours"]),
        ("File hours", batch["file_hours"]),
        ("Control hours", batch["control_hours"]),
        ("Staged amount", batch["staged_amount"]),
        ("File amount", batch["file_amount"]),
        ("Control amount", batch["control_amount"]),
    ]
    hour_labels = {"Staged hours", "File hours", "Control hours"}
    for label, value in facts:
        # Accruals are money only, so their hour totals are always zero and only confuse.
        if batch["domain"] == "accruals" and label in hour_labels:
            continue
        if value is not None:
            sheet.append([label, _cell_value(value)])
            sheet.cell(row=sheet.max_row, column=1).font = bold

    batch_steps = [step for check, step in STATUS_NEXT_STEPS.items() if check in (batch["status_reason"] or "")]
    if batch_steps:
        sheet.append([])
        sheet.append(["Batch: what to do next"])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        for step in dict.fromkeys(batch_steps):
            sheet.append(["", step])

    sheet.append([])
    sheet.append(["Reason", "Exceptions", "What to do next"])
    _bold_row(sheet)
    for reason, count in sorted(Counter(row["reason"] for row in held_rows).items()):
        sheet.append([reason, count, next_step(reason)])

    sheet.append([])
    sheet.append(["Owner", "Exceptions"])
    _bold_row(sheet)
    for owner, count in sorted(Counter(row["owner"] for row in held_rows).items()):
        sheet.append([owner, count])

    # The status reason stays on one line and runs on into the empty cells to its right.
    _format_cells(sheet, min_row=1)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = MAX_WIDTH


def next_step(reason: str) -> str:
    """Return the reviewer's next step for a stored reason code."""
    return NEXT_STEPS.get(reason, NO_NEXT_STEP)


def _with_source_money(held_rows: list[dict], source_rows: list[dict]) -> list[dict]:
    """Add the record id, job, cost code and amount of each held journal row from its parsed source row.

    An equipment unit-day split over jobs has several source lines: their jobs and cost codes are
    joined and their amounts summed. Rows that failed to parse have no source line and stay blank.
    """
    by_key: dict[tuple[str, int], list[dict]] = {}
    for line in source_rows:
        by_key.setdefault((line["source_file"], line["source_row"]), []).append(line)
    completed = []
    for row in held_rows:
        lines = by_key.get((row["source_file"], row["source_row"]), [])
        extra = {"job": None, "cost_code": None, "amount": None}
        if lines:
            extra = {
                "job": ", ".join(dict.fromkeys(line["job"] for line in lines if line["job"])),
                "cost_code": ", ".join(dict.fromkeys(line["cost_code"] for line in lines if line["cost_code"])),
                "amount": sum((line["amount"] for line in lines), Decimal("0.00")),
            }
        completed.append({**row, **extra, "source_record_id": row["source_record_id"] or (
            lines[0]["source_record_id"] if lines else None)})
    return completed


def _write_held_rows(sheet: Worksheet, domain: str, rows: list[dict], show_sensitive: bool) -> None:
    columns = JOURNAL_HELD_ROW_COLUMNS if domain in JOURNAL_DOMAINS else HELD_ROW_COLUMNS
    sheet.append([label for label, _, _ in columns])
    _bold_row(sheet)
    for row in rows:
        values = {"job": None, "cost_code": None, "amount": None, **row}
        if not show_sensitive and is_sensitive(domain, row["column_name"]):
            values["value"] = MASK
        sheet.append([_cell_value(values[column]) for _, column, _ in columns])

    _format_cells(sheet, min_row=2, wrap_long_text=True)
    if domain in JOURNAL_DOMAINS:
        amount_column = [label for label, _, _ in columns].index("Amount") + 1
        for cells in sheet.iter_rows(min_row=2, min_col=amount_column, max_col=amount_column):
            cells[0].number_format = AMOUNT_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, (label, _, min_width) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        longest = max(len(str(cell.value or "")) for cell in sheet[letter][:500])
        sheet.column_dimensions[letter].width = min(max(longest + 2, min_width, len(label) + 2), MAX_WIDTH)


def _write_staged_rows(sheet: Worksheet, rows: list[dict]) -> None:
    """List what the batch would post, with the FILE:ROW reference an exclude_rows decision takes."""
    sheet.append([label for label, _, _ in STAGED_ROW_COLUMNS])
    _bold_row(sheet)
    for row in rows:
        values = {**row, "reference": f"{row['source_file']}:{row['source_row']}"}
        sheet.append([_cell_value(values[column]) for _, column, _ in STAGED_ROW_COLUMNS])

    _format_cells(sheet, min_row=2)
    for cells in sheet.iter_rows(min_row=2, min_col=len(STAGED_ROW_COLUMNS), max_col=len(STAGED_ROW_COLUMNS)):
        cells[0].number_format = AMOUNT_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, (label, _, min_width) in enumerate(STAGED_ROW_COLUMNS, start=1):
        longest = max(len(str(cell.value or "")) for cell in sheet[get_column_letter(index)][:500])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, min_width, len(label) + 2), MAX_WIDTH)


def _bold_row(sheet: Worksheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _format_cells(sheet: Worksheet, min_row: int, wrap_long_text: bool = False) -> None:
    # Dates and decimals get a number format, so Excel sorts and sums them as numbers.
    for row_cells in sheet.iter_rows(min_row=min_row):
        for cell in row_cells:
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, float):
                cell.number_format = HOURS_FORMAT
            elif isinstance(cell.value, str):
                keep_text(cell)
                if wrap_long_text and len(cell.value) > MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _cell_value(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        # Hours and amounts are 2-place decimals, and as floats Excel can sum and filter them.
        return float(value)
    if isinstance(value, int | date):
        return value
    return str(value)


def _as_date(partition_key: str) -> date | str:
    try:
        return date.fromisoformat(partition_key)
    except ValueError:
        return partition_key
