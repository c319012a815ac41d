"""Actual job cost read back from the sandbox: journal items by distribution, and timesheet cost."""

from datetime import date
from decimal import Decimal

import pytest

from demo.extracts import sample_labor_rows
from odoo_io.client import OdooClient
from odoo_io.job_cost import fetch_job_costs
from odoo_io.journal_entries import EntryLine, EntryToPost, fetch_accounting_master_data, post_entry
from tests.fixtures.sandbox import start_sandbox
from tests.pipeline.harness import LaborHarness

D = Decimal
NOVEMBER = {"period_start": date(2026, 11, 1), "period_end": date(2026, 11, 30)}


def client_for(sandbox) -> OdooClient:
    return OdooClient(host="127.0.0.1", port=sandbox.port, protocol="jsonrpc", database=sandbox.database,
                      login=sandbox.admin_login, password=sandbox.admin_password, timeout_seconds=10.0)


def post(client, ref: str, day: date, lines: tuple[EntryLine, ...]) -> None:
    staged = EntryToPost("charge", ref, "EQP", day, lines)
    master = fetch_accounting_master_data(
        client, {line.account_code for line in lines}, {"EQP"},
        {code for line in lines for code in (line.job, line.cost_code) if code})
    post_entry(client, staged, master)


def equipment_lines(amounts: tuple[str, str, str]) -> tuple[EntryLine, ...]:
    total = sum(D(amount) for amount in amounts)
    return (
        EntryLine("5300", "EX-104 on J-2301", D(amounts[0]), D("0.00"), "J-2301", "03 30 00"),
        EntryLine("5300", "EX-104 on J-2302", D(amounts[1]), D("0.00"), "J-2302", "31 23 00"),
        EntryLine("5200", "Rebar on J-2417", D(amounts[2]), D("0.00"), "J-2417", "03 11 00"),
        EntryLine("4900", "Recovery", D("0.00"), total),
    )


@pytest.fixture(params=["17.0", "18.0"])
def sandbox(request, tmp_path):
    running = start_sandbox(tmp_path / "sandbox.sqlite3", version=request.param)
    yield running
    running.server.stop()


def test_journal_items_split_by_distribution(sandbox):
    client = client_for(sandbox)
    post(client, "EQP-OCT", date(2026, 10, 20), equipment_lines(("100.00", "200.00", "300.00")))
    post(client, "EQP-NOV", date(2026, 11, 17), equipment_lines(("333.34", "333.33", "333.33")))
    post(client, "EQP-DEC", date(2026, 12, 1), equipment_lines(("1.00", "1.00", "1.00")))

    costs = fetch_job_costs(client, **NOVEMBER, page_size=2)

    by_key = {(item.job, item.cost_code, item.cost_type): (item.period, item.to_date) for item in costs.actuals}
    assert by_key == {
        ("J-2301", "03 30 00", "E"): (D("333.34"), D("433.34")),
        ("J-2302", "31 23 00", "E"): (D("333.33"), D("533.33")),
        ("J-2417", "03 11 00", "M"): (D("333.33"), D("633.33")),
    }
    assert costs.ledger_period == D("1000.00")
    assert costs.ledger_to_date == D("1600.00")
    assert costs.items_read == 6  # three job-cost items each in October and November, read two at a time


def test_item_without_job_is_reported_unassigned(sandbox):
    client = client_for(sandbox)
    post(client, "EQP-NOJOB", date(2026, 11, 3), (
        EntryLine("5900", "Yard overhead", D("75.25"), D("0.00")),
        EntryLine("4900", "Recovery", D("0.00"), D("75.25")),
    ))

    costs = fetch_job_costs(client, **NOVEMBER)

    assert [(item.job, item.cost_code, item.cost_type, item.to_date) for item in costs.actuals] == [
        ("", "", "O", D("75.25"))]
    assert sum(item.to_date for item in costs.actuals) == costs.ledger_to_date


def test_timesheets_count_as_labor(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path):
    labor = LaborHarness(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path / "landing")
    day = date(2026, 11, 16)
    labor.drop(day, sample_labor_rows(day))
    assert labor.run(day).success
    client = client_for(fresh_odoo_sandbox)

    costs = fetch_job_costs(client, **NOVEMBER)

    lines = client.search_read("account.analytic.line", [("project_id", "!=", False)], ["amount"])
    expected = -sum((D(repr(line["amount"])) for line in lines), D("0.00")).quantize(D("0.01"))
    assert expected > 0
    assert costs.timesheet_to_date == expected
    assert costs.timesheet_period == expected
    labor_rows = [item for item in costs.actuals if item.cost_type == "L"]
    assert sum(item.to_date for item in labor_rows) == expected
    assert all(item.job.startswith("J-") for item in labor_rows)
    assert all(len(item.cost_code) == 8 for item in labor_rows)
    assert costs.ledger_to_date == D("0.00")


def billing_lines(job: str, billed: str, retention: str) -> tuple[EntryLine, ...]:
    return (
        EntryLine("1100", f"Progress billing {job}", D(billed) - D(retention), D("0.00")),
        EntryLine("1150", f"Retention {job}", D(retention), D("0.00"), job),
        EntryLine("4000", f"Contract revenue {job}", D("0.00"), D(billed), job),
    )


def post_billing(client, ref: str, day: date, lines: tuple[EntryLine, ...]) -> None:
    staged = EntryToPost("billing", ref, "BILL", day, lines)
    master = fetch_accounting_master_data(client, {line.account_code for line in lines}, {"BILL"},
                                          {line.job for line in lines if line.job})
    post_entry(client, staged, master)


def test_billings_and_retention_by_job(sandbox):
    from odoo_io.job_cost import fetch_job_billings

    client = client_for(sandbox)
    post_billing(client, "BILL-2301-10", date(2026, 10, 31), billing_lines("J-2301", "250000.00", "25000.00"))
    post_billing(client, "BILL-2301-11", date(2026, 11, 30), billing_lines("J-2301", "180000.00", "18000.00"))
    post_billing(client, "BILL-2417-11", date(2026, 11, 30), billing_lines("J-2417", "95000.50", "9500.05"))
    post_billing(client, "BILL-2301-12", date(2026, 12, 31), billing_lines("J-2301", "1.00", "0.10"))

    billings = fetch_job_billings(client, period_end=date(2026, 11, 30), page_size=2)

    assert billings.billings_to_date == {"J-2301": D("430000.00"), "J-2417": D("95000.50")}
    assert billings.retention_held == {"J-2301": D("43000.00"), "J-2417": D("9500.05")}
    assert billings.ledger_billings == D("525000.50")
    assert billings.ledger_retention == D("52500.05")
