"""The month-end report workbook for executives: a summary, the WIP schedule and job cost by job.

Figures are written as values exactly as the report computed them. Totals, subtotals and the
job-cost columns derived from others (estimated cost at completion, variance) are Excel
formulas, so a controller can audit them in the workbook. They compute the same amounts as the
report tables in staging.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reporting.job_cost import JobCostLine
from reporting.month_end import job_label
from reporting.wip import WipLine

MONEY_FORMAT = "#,##0.00;[Red]-#,##0.00"
PERCENT_FORMAT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)

# (header, WipLine attribute, number format)
WIP_COLUMNS = (
    ("Job", "job", None),
    ("Name", "name", None),
    ("Contract value", "contract_value", MONEY_FORMAT),
    ("Pending change orders", "pending_change_orders", MONEY_FORMAT),
    ("Estimated total cost", "estimated_total_cost", MONEY_FORMAT),
    ("Estimated gross profit", "estimated_gross_profit", MONEY_FORMAT),
    ("Cost to date", "cost_to_date", MONEY_FORMAT),
    ("% complete (cost)", "percent_complete", PERCENT_FORMAT),
    ("% complete (physical)", "physical_percent_complete", PERCENT_FORMAT),
    ("Earned revenue", "earned_revenue", MONEY_FORMAT),
    ("Loss provision", "loss_provision", MONEY_FORMAT),
    ("Gross profit to date", "gross_profit_to_date", MONEY_FORMAT),
    ("Billings to date", "billings_to_date", MONEY_FORMAT),
    ("Retention held", "retention_held", MONEY_FORMAT),
    ("Over-billing", "over_billing", MONEY_FORMAT),
    ("Under-billing", "under_billing", MONEY_FORMAT),
    ("Backlog", "backlog", MONEY_FORMAT),
)
JOB_COST_COLUMNS = (
    "Job", "Cost code", "Cost type", "Original budget", "Current budget", "Actual this period", "Actual to date",
    "Committed", "Cost to complete", "Est. cost at completion", "Variance",
)
# Summary rows: (label, WIP column header whose total the row shows)
SUMMARY_ROWS = (
    ("Contract value", "Contract value"),
    ("Estimated total cost", "Estimated total cost"),
    ("Cost to date", "Cost to date"),
    ("Earned revenue", "Earned revenue"),
    ("Gross profit to date", "Gross profit to date"),
    ("Billings to date", "Billings to date"),
    ("Over-billing (billings in excess)", "Over-billing"),
    ("Under-billing (costs in excess)", "Under-billing"),
    ("Backlog", "Backlog"),
)


def write_report_workbook(
    path: Path, period: str, wip: Sequence[WipLine], job_cost: Sequence[JobCostLine], notes: Sequence[str] = ()
) -> Path:
    """Write the workbook to ``path`` and return it; ``notes`` go under the summary (failed checks)."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    wip_sheet = workbook.create_sheet("WIP schedule")
    total_row = _write_wip(wip_sheet, wip)
    _write_job_cost(workbook.create_sheet("Job cost"), job_cost)
    _write_summary(summary, period, len(wip), total_row, notes)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _write_wip(sheet: Worksheet, lines: Sequence[WipLine]) -> int:
    """Write one row per job and a totals row of SUM formulas; return the totals row number."""
    _header(sheet, [header for header, _, _ in WIP_COLUMNS])
    for line in lines:
        values = []
        for _, name, _ in WIP_COLUMNS:
            value = getattr(line, name)
            if name == "job":
                value = job_label(value)
            elif name == "physical_percent_complete" and value is not None:
                value = value / 100
            values.append(_number(value))
        sheet.append(values)
    total_row = sheet.max_row + 1
    sheet.cell(row=total_row, column=1, value="Total").font = BOLD
    for index, (_, name, number_format) in enumerate(WIP_COLUMNS, start=1):
        if number_format == MONEY_FORMAT:
            letter = get_column_letter(index)
            cell = sheet.cell(row=total_row, column=index, value=f"=SUM({letter}2:{letter}{total_row - 1})")
            cell.font = BOLD
    _format_columns(sheet, [number_format for _, _, number_format in WIP_COLUMNS])
    return total_row


def _write_job_cost(sheet: Worksheet, lines: Sequence[JobCostLine]) -> None:
    """Write the lines grouped by job, each job with a SUBTOTAL row, and a grand total."""
    _header(sheet, JOB_COST_COLUMNS)
    first_line_row = 2
    jobs = sorted({line.job for line in lines})
    for job in jobs:
        start = sheet.max_row + 1
        for line in (item for item in lines if item.job == job):
            row = sheet.max_row + 1
            sheet.append([
                job_label(line.job), line.cost_code, line.cost_type, _number(line.original_budget),
                _number(line.current_budget), _number(line.actual_period), _number(line.actual_to_date),
                _number(line.committed_cost), _number(line.cost_to_complete),
                f"=G{row}+I{row}",  # estimated cost at completion = actual to date + cost to complete
                f"=E{row}-J{row}",  # variance = current budget - estimated cost at completion
            ])
        _subtotal_row(sheet, f"{job_label(job)} total", start, sheet.max_row)
    _subtotal_row(sheet, "Total", first_line_row, sheet.max_row)
    _format_columns(sheet, [None, None, None] + [MONEY_FORMAT] * 8)


def _subtotal_row(sheet: Worksheet, label: str, first: int, last: int) -> None:
    # SUBTOTAL(9, ...) sums and skips other SUBTOTAL cells, so the grand total counts each line once.
    row = sheet.max_row + 1
    sheet.cell(row=row, column=1, value=label).font = BOLD
    for index in range(4, len(JOB_COST_COLUMNS) + 1):
        letter = get_column_letter(index)
        sheet.cell(row=row, column=index, value=f"=SUBTOTAL(9,{letter}{first}:{letter}{last})").font = BOLD


def _write_summary(sheet: Worksheet, period: str, jobs: int, total_row: int, notes: Sequence[str]) -> None:
    sheet["A1"] = f"Month-end report {period}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Jobs on the WIP schedule", jobs])
    headers = [header for header, _, _ in WIP_COLUMNS]
    for label, header in SUMMARY_ROWS:
        letter = get_column_letter(headers.index(header) + 1)
        sheet.append([label, f"='WIP schedule'!{letter}{total_row}"])
        sheet.cell(row=sheet.max_row, column=2).number_format = MONEY_FORMAT
    sheet.append([])
    sheet.append(["Checks"])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    for note in notes or ["All checks passed: the figures tie to Odoo's ledger and timesheets."]:
        sheet.append([note])
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 20
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].alignment = Alignment(vertical="top")


def _header(sheet: Worksheet, headers: Sequence[str]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def _format_columns(sheet: Worksheet, formats: Sequence[str | None]) -> None:
    for index, number_format in enumerate(formats, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 14 if number_format else 12
        if not number_format:
            continue
        for cell in sheet[letter][1:]:
            cell.number_format = number_format
    sheet.column_dimensions["B"].width = 34 if sheet.title == "WIP schedule" else 12


def _number(value):
    # Excel stores numbers as binary floats. A cent amount reads back as the same cents, and a
    # SUM of them rounds to the exact decimal total. The staging tables keep the exact decimals.
    return float(value) if isinstance(value, Decimal) else value
