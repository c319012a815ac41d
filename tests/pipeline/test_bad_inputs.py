"""Bad labor inputs through the whole job: a clear error naming file, row and value, and no lost row."""

from datetime import date
from decimal import Decimal

import pytest

from demo.extracts import sample_labor_rows
from staging.batches import batch_exceptions
from tests.pipeline.harness import LaborHarness, check_outcomes, materialized

DAY = date(2026, 11, 16)
FILE = "timecards_20261116.csv"


def drop_and_edit(labor: LaborHarness, rows: list[dict], line_number: int, old: str, new: str) -> None:
    """Drop a Procore extract, then change text on one physical line (the header is line 1)."""
    extract = labor.drop(DAY, rows)[0]
    lines = extract.read_bytes().decode("utf-8-sig").split("\r\n")
    assert old in lines[line_number - 1], lines[line_number - 1]
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    extract.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))


def assert_rows_accounted(labor: LaborHarness, expected_rows_in: int) -> dict:
    batch = labor.batch(DAY)
    assert batch["rows_in"] == expected_rows_in
    assert batch["rows_in"] == batch["rows_staged"] + batch["rows_excepted"]
    return batch


def only_exception(labor: LaborHarness, batch: dict) -> dict:
    exceptions = batch_exceptions(labor.staging.engine, batch["batch_id"])
    assert len(exceptions) == 1, exceptions
    return exceptions[0]


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        ("Regular Time", "Vacation Bank", "Time Type", "unknown_pay_type"),
        ("11/16/2026", "13/45/2026", "Date", "invalid_date"),
        ("11/16/2026", "11/15/2026", "work_date", "date_outside_partition"),
        ("Labor", "Rebar", "Cost Type", "unknown_cost_type"),
    ],
)
def test_bad_value_holds_only_its_row(labor: LaborHarness, old, new, column, reason):
    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    drop_and_edit(labor, rows, 2, old, new)

    result = labor.run(DAY)

    assert result.success
    batch = assert_rows_accounted(labor, len(rows))
    item = only_exception(labor, batch)
    assert (item["source_file"], item["source_row"], item["column_name"], item["reason"]) == (FILE, 2, column, reason)
    assert new.split("/")[0] in item["value"] or item["value"] == new
    assert len(labor.odoo_lines()) == len(rows) - 1


def test_unreadable_hours_hold_the_whole_batch(labor: LaborHarness):
    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    drop_and_edit(labor, rows, 3, ",8.00", ",8.O0")

    result = labor.run(DAY)

    assert not result.success
    assert check_outcomes(result)["control_totals_match"] is False
    assert not materialized(result, "labor_timesheets")
    batch = assert_rows_accounted(labor, len(rows))
    item = only_exception(labor, batch)
    assert (item["source_row"], item["column_name"], item["value"], item["reason"]) == (3, "Hours", "8.O0", "invalid_number")
    assert labor.odoo_lines() == []


@pytest.mark.parametrize(
    ("changes", "value", "reason"),
    [
        ({"employee_id": "E1099"}, "E1099", "inactive_employee"),
        ({"employee_id": "E4040"}, "E4040", "unknown_employee"),
        ({"job": "J-1990", "cost_code": "31 23 00"}, "J-1990", "job_closed"),
        ({"job": "J-9999"}, "J-9999", "unknown_job"),
        ({"job": "J-2302", "cost_code": "05 12 00"}, "05 12 00", "unknown_cost_code"),  # a J-2301 phase only
    ],
)
def test_master_data_problem_holds_row_for_its_owner(labor: LaborHarness, changes, value, reason):
    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    labor.drop(DAY, [*rows, {**rows[0], **changes}])

    result = labor.run(DAY)

    assert result.success
    batch = assert_rows_accounted(labor, len(rows) + 1)
    item = only_exception(labor, batch)
    assert (item["source_row"], item["value"], item["reason"]) == (len(rows) + 2, value, reason)
    assert item["owner"] == "master_data"
    assert value in item["message"]


def test_repeated_record_id_is_held(labor: LaborHarness):
    rows = [row for row in sample_labor_rows(DAY) if row["hours"] != 0]
    extract = labor.drop(DAY, rows)[0]
    text = extract.read_bytes().decode("utf-8-sig")
    first_id = text.split("\r\n")[1].split(",")[0]
    second_id = text.split("\r\n")[2].split(",")[0]
    extract.write_bytes(("\ufeff" + text.replace(second_id + ",", first_id + ",", 1)).encode("utf-8"))

    assert labor.run(DAY).success

    batch = assert_rows_accounted(labor, len(rows))
    item = only_exception(labor, batch)
    assert (item["source_row"], item["reason"], item["value"]) == (3, "duplicate_in_file", first_id)


def test_missing_control_file_fails_naming_it(labor: LaborHarness):
    paths = labor.drop(DAY, sample_labor_rows(DAY))
    next(path for path in paths if path.suffix == ".ctl").unlink()

    result = labor.run(DAY)

    assert not result.success
    assert not materialized(result, "labor_timesheets")
    error = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert "timecards_20261116.ctl" in error
    assert labor.odoo_lines() == []


def test_missing_column_fails_naming_it(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    drop_and_edit(labor, rows, 1, "Project Number", "Project No")

    result = labor.run(DAY)

    assert not result.success
    error = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert FILE in error
    assert "Project Number" in error
    assert labor.odoo_lines() == []


def test_negative_correction_and_zero_rows_post(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    correction = {**rows[0], "hours": Decimal("-2.00")}
    labor.drop(DAY, [*rows, correction])

    assert labor.run(DAY).success

    batch = assert_rows_accounted(labor, len(rows) + 1)
    assert batch["rows_excepted"] == 0
    assert batch["staged_hours"] == sum((Decimal(str(r["hours"])) for r in rows), Decimal("-2.00"))


@pytest.mark.parametrize(("files", "message"), [
    ({"timecards_20261116.csv": b"", "timecards_20261116.ctl": b"0,0.00\r\n", "timecards_20261116.csv.done": b""},
     "The file is there but empty (0 bytes)"),
    ({"timecards_20261116.csv.done": b""}, "Its .done marker is there but the file itself is not"),
    ({"timecards_20261116.csv": b"Employee ID\r\n"}, "no .done marker or its size is still changing"),
])
def test_incomplete_delivery_says_what_is_wrong(labor: LaborHarness, files, message):
    for name, content in files.items():
        (labor.drop_dir / name).write_bytes(content)

    result = labor.run(DAY)

    assert not result.success
    failure = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert message in failure
    assert "timecards_20261116.csv" in failure
    assert labor.batch(DAY) is None
