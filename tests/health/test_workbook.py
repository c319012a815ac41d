"""The health workbook: both tables, frozen header, widths and a one-page print setup."""

from datetime import UTC, date, datetime

from openpyxl import load_workbook

from ingest.records import OwnerRole
from reporting.health import integration_health
from reporting.workbook import write_health_workbook
from tests.health.staged import backdate_exceptions, stage


def test_workbook_tables(sqlite_staging, tmp_path):
    engine = sqlite_staging.engine
    stage(engine, "labor-17", "labor", "2026-11-17", "reconciled", (OwnerRole.MASTER_DATA, OwnerRole.FIELD))
    stage(engine, "accruals-11", "accruals", "2026-11-01", "awaiting_approval")
    backdate_exceptions(engine, "labor-17", datetime(2026, 11, 17, 12, tzinfo=UTC))
    report = integration_health(engine, date(2026, 11, 20))

    path = write_health_workbook(report, tmp_path / "out" / "health.xlsx")
    sheet = load_workbook(path).active

    assert sheet.freeze_panes == "A2"
    assert sheet.cell(1, 1).value == "Domain"
    assert [sheet.cell(row, 1).value for row in (2, 3, 4)] == ["labor", "equipment", "accruals"]
    assert [sheet.cell(2, column).value for column in range(1, 8)] == ["labor", "2026-11-17", 3, 2, 0, 0, 0]
    assert sheet.cell(3, 2).value == "never"
    assert sheet.cell(4, 5).value == 1  # the accrual batch awaiting approval
    assert sheet.cell(6, 1).value == "Open exceptions by owner and age"
    assert sheet.cell(7, 2).value == "Owner"
    owner_rows = [[sheet.cell(row, column).value for column in range(1, 8)] for row in (8, 9)]
    assert owner_rows == [["labor", "field", 0, 1, 0, 0, 1], ["labor", "master_data", 0, 1, 0, 0, 1]]
    assert sheet.column_dimensions["B"].width == 22
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToHeight == 1


def test_workbook_without_exceptions(sqlite_staging, tmp_path):
    report = integration_health(sqlite_staging.engine, date(2026, 11, 20))

    sheet = load_workbook(write_health_workbook(report, tmp_path / "health.xlsx")).active

    assert sheet.cell(8, 1).value == "No open exceptions."
