"""The nightly labor job end to end: SFTP drop -> staging -> gate -> Odoo timesheets -> read back."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from demo.extracts import sample_labor_rows
from ingest.records import ControlRecord
from odoo_io.timesheets import hours_total
from staging.batches import batch_exceptions, staged_labor_lines
from tests.pipeline.harness import LaborHarness, check_outcomes, materialized

DAY = date(2026, 11, 16)


def total(rows) -> Decimal:
    return sum((Decimal(str(row["hours"])) for row in rows), Decimal("0.00"))


@pytest.mark.parametrize("mapping", ["procore_timecards", "adp_paydata", "crew_timesheet_xlsx"])
def test_clean_day_posts_every_line(labor: LaborHarness, mapping):
    labor.mapping = mapping
    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    labor.drop(DAY, rows)

    result = labor.run(DAY)

    assert result.success
    batch = labor.batch(DAY)
    assert batch["status"] == "reconciled"
    assert batch["rows_staged"] == len(rows)
    assert batch["rows_excepted"] == 0
    lines = labor.odoo_lines()
    assert len(lines) == len(rows)
    assert hours_total(line["unit_amount"] for line in lines) == total(rows)
    assert all(line["amount"] < 0 for line in lines if line["unit_amount"] > 0)


def test_second_run_posts_nothing_twice(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, rows)
    first = labor.run(DAY)
    posted = labor.odoo_lines()

    second = labor.run(DAY)

    assert first.success and second.success
    assert len(labor.odoo_lines()) == len(posted) == len(rows)
    metadata = second.asset_materializations_for_node("labor_timesheets")[0].metadata
    assert metadata["rows_created_now"].value == 0
    assert metadata["rows_already_in_odoo"].value == len(rows)


def test_row_exceptions_hold_rows_and_post_the_rest(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    unknown_phase = {**rows[0], "cost_code": "09 91 00", "pay_type": "RT", "hours": Decimal("2.00")}
    unknown_employee = {**rows[0], "employee_id": "E7777", "hours": Decimal("4.00")}
    # rows[0]'s employee already has 8 regular hours that day; 9 more exceed the 16-hour limit.
    long_day = {**rows[0], "job": "J-2302", "cost_code": "31 23 00", "pay_type": "RT", "hours": Decimal("9.00")}
    labor.drop(DAY, [*rows, unknown_phase, unknown_employee, long_day])

    result = labor.run(DAY)

    assert result.success
    batch = labor.batch(DAY)
    exceptions = batch_exceptions(labor.staging.engine, batch["batch_id"])
    reasons = {item["reason"] for item in exceptions}
    assert {"unknown_cost_code", "unknown_employee", "hours_over_daily_limit"} <= reasons
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"]
    assert batch["rows_in"] == len(rows) + 3
    unknown = next(item for item in exceptions if item["reason"] == "unknown_cost_code")
    assert unknown["source_file"] == "timecards_20261116.csv"
    assert unknown["value"] == "09 91 00"
    assert unknown["source_row"] == len(rows) + 2
    assert len(labor.odoo_lines()) == batch["rows_staged"]
    assert check_outcomes(result)["no_rows_held_for_review"] is False


@pytest.mark.parametrize("mapping", ["procore_timecards", "adp_paydata", "crew_timesheet_xlsx"])
def test_control_total_mismatch_holds_whole_batch(labor: LaborHarness, mapping):
    labor.mapping = mapping
    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    claimed = ControlRecord(record_count=len(rows), total_hours=total(rows) + Decimal("0.01"), source="test")
    labor.drop(DAY, rows, control_override=claimed)

    result = labor.run(DAY)

    assert not result.success
    assert check_outcomes(result)["control_totals_match"] is False
    assert materialized(result, "labor_batch")
    assert not materialized(result, "labor_timesheets")
    batch = labor.batch(DAY)
    assert batch["status"] == "held"
    assert "0.01" in batch["status_reason"] or "control" in batch["status_reason"]
    assert labor.odoo_lines() == []


def test_locked_period_rows_are_held(labor: LaborHarness):
    locked_day = date(2026, 10, 30)  # the demo company's period lock date is 2026-10-31
    rows = sample_labor_rows(locked_day)
    labor.drop(locked_day, rows)

    result = labor.run(locked_day)

    batch = labor.batch(locked_day)
    assert result.success
    assert batch["rows_staged"] == 0
    assert batch["rows_excepted"] == len(rows)
    reasons = {item["reason"] for item in batch_exceptions(labor.staging.engine, batch["batch_id"])}
    assert reasons == {"period_locked"}
    assert labor.odoo_lines() == []


def test_corrected_file_does_not_post_records_again(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, rows)
    assert labor.run(DAY).success
    for path in labor.drop_dir.iterdir():
        path.unlink()
    corrected = [*rows, {**rows[1], "hours": Decimal("1.00"), "pay_type": "DT"}]
    labor.drop(DAY, corrected)

    result = labor.run(DAY)

    batch = labor.batch(DAY)
    exceptions = batch_exceptions(labor.staging.engine, batch["batch_id"])
    assert result.success
    assert {item["reason"] for item in exceptions} == {"already_posted"}
    assert batch["rows_excepted"] == len(rows)
    assert len(labor.odoo_lines()) == len(rows) + 1


def test_missing_extract_fails_with_file_name(labor: LaborHarness):
    result = labor.run(DAY)

    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert "timecards_20261116.csv" in str(failure)
    assert "/drop/labor" in str(failure)


def test_staged_lines_keep_exact_hours(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    rows.append({**rows[0], "hours": Decimal("-1.25"), "pay_type": "RT"})
    labor.drop(DAY, rows)

    assert labor.run(DAY).success

    lines = staged_labor_lines(labor.staging.engine, labor.batch(DAY)["batch_id"])
    assert sum((line["hours"] for line in lines), Decimal("0")) == total(rows)
    assert any(line["hours"] == Decimal("-1.25") for line in lines)


def test_file_without_done_marker_is_not_taken(labor: LaborHarness):
    # A file still being written has no .done marker yet: nothing is fetched or staged.
    labor.drop(DAY, sample_labor_rows(DAY), done_marker=False)

    result = labor.run(DAY)

    assert not result.success
    failure = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert "still being written" in failure
    assert labor.batch(DAY) is None
    assert not labor.landing_dir.exists() or not any(labor.landing_dir.rglob("*.csv"))


def test_check_results_carry_business_date(labor: LaborHarness):
    labor.drop(DAY, sample_labor_rows(DAY))

    result = labor.run(DAY)

    evaluations = [
        event.event_specific_data for event in result.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(evaluations) == 5
    assert {evaluation.partition for evaluation in evaluations} == {"2026-11-16"}


def test_corrected_control_file_releases_held_batch(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    claimed = ControlRecord(record_count=len(rows), total_hours=total(rows) + Decimal("2.00"), source="test")
    paths = labor.drop(DAY, rows, control_override=claimed)
    assert not labor.run(DAY).success
    control_file = next(path for path in paths if path.suffix == ".ctl")
    control_file.write_text(f"{len(rows)},{total(rows)}\r\n")

    result = labor.run(DAY)

    assert result.success
    assert labor.batch(DAY)["status"] == "reconciled"
    assert len(labor.odoo_lines()) == len(rows)


def test_same_control_content_on_two_days(labor: LaborHarness):
    second_day = date(2026, 11, 17)
    rows = [{**row, "work_date": DAY} for row in sample_labor_rows(DAY)]
    # Same count and hours on both days, so both control files have the same bytes.
    labor.drop(DAY, rows)
    labor.drop(second_day, [{**row, "work_date": second_day} for row in rows])

    assert labor.run(DAY).success
    assert labor.run(second_day).success

    assert labor.batch(second_day)["status"] == "reconciled"
    assert len(labor.odoo_lines()) == 2 * len(rows)


def test_exceptions_carry_record_employee_and_hours(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, [*rows, {**rows[0], "cost_code": "09 91 00", "hours": Decimal("2.00")}])

    assert labor.run(DAY).success

    item = batch_exceptions(labor.staging.engine, labor.batch(DAY)["batch_id"])[0]
    assert item["employee_id"] == rows[0]["employee_id"]
    assert item["hours"] == Decimal("2.00")
    assert item["work_date"] == DAY
    assert item["source_record_id"]


def test_held_rows_come_with_a_review_workbook(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, [*rows, {**rows[0], "cost_code": "09 91 00"}])

    result = labor.run(DAY)

    evaluation = next(
        event.event_specific_data for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and event.event_specific_data.check_name == "no_rows_held_for_review"
    )
    path = evaluation.metadata["workbook"].value
    assert path.endswith(f"{labor.batch(DAY)['batch_id']}.xlsx")
    from openpyxl import load_workbook

    assert "unknown_cost_code" in load_workbook(path).sheetnames


def test_held_batch_workbook_says_why(labor: LaborHarness):
    from openpyxl import load_workbook

    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    labor.drop(DAY, rows, control_override=ControlRecord(len(rows), total(rows) + Decimal("2.00"), "test"))
    labor.run(DAY)
    batch = labor.batch(DAY)

    summary = load_workbook(Path(labor.staging.review_dir) / f"{batch['batch_id']}.xlsx")["Summary"]
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert values["Status when checked"] == "held"
    assert values["Status reason"].startswith("control_totals_match:")
    sheet_text = " ".join(str(cell) for row in summary.iter_rows(values_only=True) for cell in row if cell)
    assert "ask the sender for a corrected file" in sheet_text
