"""Metadata a reviewer reads (counts, hours, ids, reasons), and no pay rate or secret in any event."""

from datetime import date
from decimal import Decimal

from demo.extracts import _ADP_DEMO_RATES, sample_labor_rows
from tests.pipeline.harness import LaborHarness, check_outcomes

DAY = date(2026, 11, 16)


def all_event_text(result) -> str:
    return "\n".join(str(event) for event in result.all_events)


def test_metadata_carries_counts_hours_and_ids(labor: LaborHarness):
    rows = sample_labor_rows(DAY)
    labor.drop(DAY, [*rows, {**rows[0], "employee_id": "E4040"}])

    result = labor.run(DAY)

    batch_metadata = result.asset_materializations_for_node("labor_batch")[0].metadata
    posted_metadata = result.asset_materializations_for_node("labor_timesheets")[0].metadata
    extract_metadata = result.asset_materializations_for_node("labor_extract")[0].metadata
    assert extract_metadata["remote_path"].value == "/drop/labor/timecards_20261116.csv"
    assert len(extract_metadata["content_hash"].value) == 64
    assert batch_metadata["rows_in"].value == len(rows) + 1
    assert batch_metadata["rows_staged"].value == len(rows)
    assert batch_metadata["rows_excepted"].value == 1
    assert batch_metadata["exceptions_by_reason"].value == {"unknown_employee": 1}
    assert batch_metadata["exceptions_by_owner"].value == {"master_data": 1}
    assert posted_metadata["rows_posted"].value == len(rows)
    low, high = (int(part) for part in posted_metadata["odoo_id_range"].value.split("-"))
    assert high - low + 1 == len(rows)
    assert Decimal(posted_metadata["posted_hours"].value) == sum((Decimal(str(r["hours"])) for r in rows), Decimal(0))


def test_pay_rates_and_secrets_never_reach_events(labor: LaborHarness):
    labor.mapping = "adp_paydata"
    labor.drop(DAY, [row for row in sample_labor_rows(DAY) if row["hours"] != 0])

    result = labor.run(DAY)

    assert result.success
    text = all_event_text(result)
    for rate in _ADP_DEMO_RATES.values():
        assert rate not in text
    assert labor.sandbox.api_password not in text
    assert labor.sftp.password not in text


def test_overtime_before_regular_hours_warns_without_blocking(labor: LaborHarness):
    rows = [
        {"job": "J-2301", "cost_code": "03 30 00", "cost_type": "L", "employee_id": "E1007", "craft": "CEMT",
         "work_date": DAY, "pay_type": "RT", "hours": Decimal("4.00")},
        {"job": "J-2301", "cost_code": "03 30 00", "cost_type": "L", "employee_id": "E1007", "craft": "CEMT",
         "work_date": DAY, "pay_type": "OT", "hours": Decimal("2.00")},
    ]
    labor.drop(DAY, rows)

    result = labor.run(DAY)

    assert result.success
    assert check_outcomes(result)["overtime_after_regular_hours"] is False
    assert len(labor.odoo_lines()) == 2
