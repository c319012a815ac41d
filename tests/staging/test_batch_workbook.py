"""The per-batch workbook a finance reviewer opens to clear one held batch."""

from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ingest.records import OwnerRole, Reason, RowException
from staging.batch_workbook import MASK, NEXT_STEPS, is_sensitive, write_batch_workbook
from staging.batches import batch_exceptions, replace_staged_batch, set_batch_status
from tests.staging.test_batches import header

BATCH = "labor-2026-11-19-abc"
CONTROL_REASON = (
    "control_totals_match: File has 14 rows and 73.50 hours; its control record says 14 rows and 75.50 hours."
)


def held(row: int, column: str, value: str, reason: Reason, owner: OwnerRole) -> RowException:
    return RowException("timecards_20261119.csv", row, column, value, reason, owner, f"{reason.value} in {column}")


def stage_held_batch(engine, domain: str = "labor") -> None:
    row_exceptions = [
        (0, held(3, "cost_code", "09 91 00", Reason.UNKNOWN_COST_CODE, OwnerRole.MASTER_DATA)),
        (1, held(4, "cost_code", "=HYPERLINK(\"http://x\")", Reason.UNKNOWN_COST_CODE, OwnerRole.MASTER_DATA)),
        (2, held(5, "hours", "18.00", Reason.HOURS_OVER_DAILY_LIMIT, OwnerRole.FIELD)),
        (None, held(6, "Temp Rate", "41.75", Reason.INVALID_NUMBER, OwnerRole.FIELD)),
        (None, held(7, "amount", "1234.50", Reason.INVALID_NUMBER, OwnerRole.FIELD)),
    ]
    line_details = {
        0: {"source_record_id": "TC-1", "employee_id": "E1001", "work_date": date(2026, 11, 19), "hours": Decimal("8.25")},
        2: {"source_record_id": "TC-3", "employee_id": "E1004", "work_date": date(2026, 11, 19), "hours": Decimal("18.00")},
    }
    batch_header = replace(
        header(BATCH, partition="2026-11-19", hours="73.50"),
        domain=domain,
        rows_in=19,
        rows_staged=14,
        rows_excepted=5,
        control_hours=Decimal("75.50"),
    )
    replace_staged_batch(engine, batch_header, [], row_exceptions, line_details)
    set_batch_status(engine, BATCH, "held", CONTROL_REASON)


def summary_values(workbook) -> dict:
    return {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row and row[0]}


def column_cells(sheet, label: str) -> list:
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(label)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def value_by_column(sheet) -> dict:
    columns = [cell.value for cell in column_cells(sheet, "Column")]
    values = [cell.value for cell in column_cells(sheet, "Value")]
    return dict(zip(columns, values, strict=True))


def test_every_reason_has_next_step():
    missing = [reason.value for reason in Reason if reason.value not in NEXT_STEPS]

    assert missing == []
    assert all(NEXT_STEPS[reason.value].endswith(".") for reason in Reason)


def test_file_named_after_batch(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    path = write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path / "out")

    assert path == tmp_path / "out" / f"{BATCH}.xlsx"
    assert path.exists()


def test_sheets_per_reason(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    workbook = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))

    assert workbook.sheetnames == ["Summary", "hours_over_daily_limit", "invalid_number", "unknown_cost_code"]


def test_counts_match_exceptions_table(sqlite_staging, tmp_path):
    engine = sqlite_staging.engine
    stage_held_batch(engine)
    stored = batch_exceptions(engine, BATCH)

    workbook = load_workbook(write_batch_workbook(engine, BATCH, tmp_path))

    rows = list(workbook["Summary"].iter_rows(values_only=True))
    by_reason = {row[0]: row[1] for row in rows[rows.index(("Reason", "Exceptions", "What to do next")) + 1 :] if row[0]}
    owner_start = next(i for i, row in enumerate(rows) if row[:2] == ("Owner", "Exceptions"))
    by_owner = {row[0]: row[1] for row in rows[owner_start + 1 :] if row[0]}
    expected_reasons = Counter(row["reason"] for row in stored)
    for reason, count in expected_reasons.items():
        assert by_reason[reason] == count
        assert workbook[reason].max_row - 1 == count
    assert by_owner == dict(Counter(row["owner"] for row in stored))


def test_summary_shows_batch_totals(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    workbook = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))

    values = summary_values(workbook)
    assert values["Batch id"] == BATCH
    assert values["Business date"] == datetime(2026, 11, 19)
    assert values["Status when checked"] == "held"
    assert values["Status reason"] == CONTROL_REASON
    assert (values["Rows in"], values["Rows staged"], values["Rows held"]) == (19, 14, 5)
    assert values["Staged hours"] == 73.5
    assert values["Control hours"] == 75.5
    assert "Staged amount" not in values


def test_summary_gives_next_steps(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    workbook = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))

    texts = [cell for row in workbook["Summary"].iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "A balancing failure cannot be accepted: ask the sender for a corrected file." in texts
    assert NEXT_STEPS[Reason.UNKNOWN_COST_CODE.value] in texts
    assert NEXT_STEPS[Reason.HOURS_OVER_DAILY_LIMIT.value] in texts


def test_held_rows_sheet_layout(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    workbook = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))

    for name in workbook.sheetnames[1:]:
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        for header_cell in sheet[1]:
            width = sheet.column_dimensions[header_cell.column_letter].width
            assert len(header_cell.value) + 2 <= width <= 80
        assert sheet.column_dimensions["J"].width > sheet.column_dimensions["B"].width


def test_dates_and_hours_are_numbers(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    sheet = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))["unknown_cost_code"]

    work_date = column_cells(sheet, "Work date")[0]
    hours = column_cells(sheet, "Hours")[0]
    assert work_date.value == datetime(2026, 11, 19)
    assert work_date.is_date
    assert work_date.number_format == "yyyy-mm-dd"
    assert hours.value == 8.25
    assert hours.number_format == "0.00"


def test_pay_values_masked_by_default(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    sheet = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))["invalid_number"]

    values = value_by_column(sheet)
    assert values == {"Temp Rate": MASK, "amount": MASK}


def test_pay_values_shown_on_request(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    path = write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path, show_sensitive=True)

    sheet = load_workbook(path)["invalid_number"]
    values = value_by_column(sheet)
    assert values == {"Temp Rate": "41.75", "amount": "1234.50"}


def test_amount_masked_only_for_labor():
    assert is_sensitive("labor", "amount")
    assert not is_sensitive("accruals", "amount")
    assert is_sensitive("equipment", "hourly_cost")
    assert is_sensitive("labor", "Pay_Rate")
    assert not is_sensitive("labor", "hours")


def test_accrual_amount_shown(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine, domain="accruals")

    workbook = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))

    sheet = workbook["invalid_number"]
    values = value_by_column(sheet)
    assert values == {"Temp Rate": MASK, "amount": "1234.50"}
    assert "Period (first day)" in summary_values(workbook)


def test_formula_text_stays_text(sqlite_staging, tmp_path):
    stage_held_batch(sqlite_staging.engine)

    sheet = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))["unknown_cost_code"]

    crafted = [cell for cell in column_cells(sheet, "Value") if str(cell.value).startswith("=")]
    assert len(crafted) == 1
    assert crafted[0].value == '=HYPERLINK("http://x")'
    assert crafted[0].data_type == "s"


def test_unknown_batch_raises(sqlite_staging, tmp_path):
    with pytest.raises(LookupError, match="no-such-batch"):
        write_batch_workbook(sqlite_staging.engine, "no-such-batch", tmp_path)


def test_path_in_batch_id_rejected(sqlite_staging, tmp_path):
    with pytest.raises(ValueError, match="invalid batch id"):
        write_batch_workbook(sqlite_staging.engine, "../escape", tmp_path)


def test_long_sheet_cut_with_summary_note(sqlite_staging, tmp_path, monkeypatch):
    monkeypatch.setattr("staging.batch_workbook.MAX_SHEET_ROWS", 1)
    stage_held_batch(sqlite_staging.engine)

    workbook = load_workbook(write_batch_workbook(sqlite_staging.engine, BATCH, tmp_path))

    assert workbook["unknown_cost_code"].max_row == 2  # the header and one of the two held rows
    notes = [row[0] for row in workbook["Summary"].iter_rows(values_only=True) if row and str(row[0]).startswith("Sheet ")]
    assert notes == [f"Sheet {title} lists the first 1 of 2 rows. All of them are in the staging database, "
                     f"table exceptions, batch {BATCH}." for title in ("invalid_number", "unknown_cost_code")]
