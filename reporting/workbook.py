"""The integration health workbook: one printable sheet for finance and the integration owners."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from reporting.health import AGE_BUCKETS, HealthReport

DOMAIN_COLUMNS = (
    ("Domain", 12),
    ("Last posted partition", 22),
    ("Lag (days)", 11),
    ("Open exceptions", 16),
    ("Awaiting approval", 18),
    ("Held", 8),
    ("Waiting for retry", 18),
)
OWNER_COLUMNS = (("Domain", 12), ("Owner", 14), *((f"{label} days", 11) for label, _ in AGE_BUCKETS), ("Total", 8))
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


def write_health_workbook(report: HealthReport, path: str | Path) -> Path:
    """Write the report as a one-sheet XLSX: the per-domain table, then open exceptions by owner.

    The sheet freezes the domain table's header, sets column widths and fits one printed page.
    Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Integration health"

    _header(sheet, 1, [name for name, _ in DOMAIN_COLUMNS])
    for row, health in enumerate(report.domains, start=2):
        values = [
            health.domain,
            health.last_posted_partition or "never",
            health.lag_days,
            health.open_exceptions,
            len(health.awaiting_approval),
            len(health.held),
            len(health.waiting_for_retry),
        ]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)

    title_row = len(report.domains) + 3
    sheet.cell(row=title_row, column=1, value="Open exceptions by owner and age").font = HEADER_FONT
    owner_header_row = title_row + 1
    _header(sheet, owner_header_row, [name for name, _ in OWNER_COLUMNS])
    owner_rows = list(report.exceptions_by_domain_owner.items())
    for row, ((domain, owner), ages) in enumerate(owner_rows, start=owner_header_row + 1):
        values = [domain, owner, *(ages[label] for label, _ in AGE_BUCKETS), sum(ages.values())]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    if not owner_rows:
        sheet.cell(row=owner_header_row + 1, column=1, value="No open exceptions.")

    footer_row = owner_header_row + max(len(owner_rows), 1) + 2
    sheet.cell(row=footer_row, column=1, value=f"As of {report.today.isoformat()}; generated "
               f"{report.generated_at:%Y-%m-%d %H:%M} UTC.")

    # Both tables share the columns, so each column takes the wider of its two widths.
    widths: dict[int, int] = {}
    for columns in (DOMAIN_COLUMNS, OWNER_COLUMNS):
        for index, (_, width) in enumerate(columns, start=1):
            widths[index] = max(widths.get(index, 0), width)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.save(path)
    return path


def _header(sheet, row: int, names: list[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
