"""The month-end report asset end to end: sandbox ledger and project controls in, report tables out."""

from datetime import date
from pathlib import Path
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import create_engine, insert

from assets.reporting import reporting_assets
from ingest.job_forecasts import create_demo_job_forecasts, jobs
from pipelines.reporting import month_end_reports_job
from resources.odoo import OdooResource
from resources.project_controls import ProjectControlsSource
from staging.reports import period_job_cost, period_wip
from tests.reporting.test_ledger_costs import billing_lines, client_for, equipment_lines, post, post_billing

D = Decimal
NOVEMBER = "2026-11-01"


@pytest.fixture
def reporting(fresh_odoo_sandbox, sqlite_staging, tmp_path):
    source = f"sqlite:///{tmp_path / 'project_controls.sqlite'}"
    create_demo_job_forecasts(source)
    client = client_for(fresh_odoo_sandbox)
    post(client, "EQP-NOV", date(2026, 11, 17), equipment_lines(("333.34", "333.33", "333.33")))
    post_billing(client, "BILL-2301-11", date(2026, 11, 30), billing_lines("J-2301", "180000.00", "18000.00"))

    def run(partition_key: str = NOVEMBER, config: dict | None = None) -> dg.ExecuteInProcessResult:
        resources = {
            "odoo": OdooResource(host="127.0.0.1", port=fresh_odoo_sandbox.port, protocol="jsonrpc",
                                 database=fresh_odoo_sandbox.database, login=fresh_odoo_sandbox.admin_login,
                                 password=fresh_odoo_sandbox.admin_password, timeout_seconds=10.0),
            "project_controls": ProjectControlsSource(url=source),
            "staging": sqlite_staging,
        }
        defs = dg.Definitions(assets=reporting_assets, jobs=[month_end_reports_job], resources=resources)
        run_config = {"ops": {"month_end_report": {"config": config}}} if config else None
        return defs.resolve_job_def("month_end_reports").execute_in_process(partition_key=partition_key,
                                                                            run_config=run_config, raise_on_error=False)

    run.source, run.staging, run.client = source, sqlite_staging, client
    return run


def outcomes(result) -> dict[str, bool]:
    return {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}


def test_report_ties_out_and_is_stored(reporting):
    result = reporting()

    assert result.success
    checks = outcomes(result)
    assert checks["report_ties_to_ledger"] is True
    assert checks["every_job_with_money_reported"] is True
    assert checks["forecast_rows_valid"] is True
    wip = {line.job: line for line in period_wip(reporting.staging.engine, "2026-11")}
    assert wip["J-2301"].billings_to_date == D("180000.00")
    assert wip["J-2301"].retention_held == D("18000.00")
    assert wip["J-2301"].cost_to_date == D("333.34")
    assert wip["J-2301"].contract_value == D("1776500.00")
    cost = {(line.job, line.cost_code, line.cost_type): line for line in period_job_cost(reporting.staging.engine, "2026-11")}
    assert cost[("J-2417", "03 11 00", "M")].actual_to_date == D("333.33")
    assert cost[("J-2417", "03 41 00", "M")].current_budget == D("1040000.00")


def test_rerun_replaces_only_its_period(reporting):
    reporting()
    reporting("2026-10-01")
    reporting()

    assert len(period_wip(reporting.staging.engine, "2026-11")) == 3
    assert len(period_wip(reporting.staging.engine, "2026-10")) == 3


def test_cost_on_job_without_contract_fails(reporting):
    engine = create_engine(reporting.source)
    with engine.begin() as connection:
        connection.execute(jobs.delete().where(jobs.c.job == "J-2302"))
    engine.dispose()

    result = reporting()

    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "every_job_with_money_reported")
    assert evaluation.passed is False
    assert "| J-2302 | 333.33 | 0.00 |" in evaluation.metadata["jobs"].value


def test_bad_forecast_row_fails_its_check(reporting):
    from ingest.job_forecasts import cost_forecasts

    engine = create_engine(reporting.source)
    with engine.begin() as connection:
        connection.execute(insert(cost_forecasts).values(
            period="2026-11", job="J-2302", cost_code="07 50 00", cost_type="Z", original_budget=D("1.00"),
            current_budget=D("1.00"), committed_cost=D("0.00"), cost_to_complete=D("0.00")))
    engine.dispose()

    result = reporting()

    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "forecast_rows_valid")
    assert evaluation.passed is False
    assert "project_controls:cost_forecasts" in evaluation.metadata["rows"].value
    assert evaluation.metadata["rows_in"].value == evaluation.metadata["rows_used"].value + 1


def test_negative_cost_to_complete_warns(reporting):
    from ingest.job_forecasts import cost_forecasts

    engine = create_engine(reporting.source)
    with engine.begin() as connection:
        connection.execute(cost_forecasts.update().where(cost_forecasts.c.job == "J-2302")
                           .values(cost_to_complete=D("-50000.00")))
    engine.dispose()

    result = reporting()

    checks = outcomes(result)
    assert checks["cost_within_estimate"] is False
    assert checks["percent_complete_in_range"] is False
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "cost_within_estimate")
    assert "J-2302" in evaluation.metadata["jobs"].value


def test_other_company_is_left_out(reporting):
    result = reporting(config={"company_id": 999})

    assert result.success
    assert period_wip(reporting.staging.engine, "2026-11")[0].cost_to_date == D("0.00")


def test_over_billed_job_warns(reporting):
    post_billing(reporting.client, "BILL-2302-11", date(2026, 11, 30), billing_lines("J-2302", "900000.00", "0.00"))

    result = reporting()

    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "billings_near_earned")
    assert evaluation.passed is False
    assert "J-2302" in evaluation.metadata["jobs"].value


def test_reports_follow_accrual_posting():
    from assets.accruals import ACCRUAL_ENTRIES_KEY
    from pipelines.reporting import reports_after_month_end_posting

    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(ACCRUAL_ENTRIES_KEY, partition=NOVEMBER))
        context = dg.build_sensor_context(instance=instance)

        requests = [item for item in reports_after_month_end_posting(context) if isinstance(item, dg.RunRequest)]

    assert [request.partition_key for request in requests] == [NOVEMBER]
    assert requests[0].run_key.startswith(f"reports-{NOVEMBER}-")


def test_distribution_over_100_percent_breaks_tie_out(reporting):
    client = reporting.client
    ids = {row["code"]: row["id"] for row in client.search_read(
        "account.analytic.account", [("code", "in", ["J-2301", "J-2302"])], ["code"])}
    accounts = {row["code"]: row["id"] for row in client.search_read(
        "account.account", [("code", "in", ["5900", "4900"])], ["code"])}
    journal = client.search_read("account.journal", [("code", "=", "EQP")], ["code"])[0]["id"]
    [move_id] = client.create_many("account.move", [{
        "ref": "EQP-OVERSPLIT", "date": "2026-11-20", "journal_id": journal, "move_type": "entry",
        "line_ids": [
            (0, 0, {"account_id": accounts["5900"], "name": "Split twice", "debit": 100.0, "credit": 0.0,
                    "analytic_distribution": {str(ids["J-2301"]): 60.0, str(ids["J-2302"]): 60.0}}),
            (0, 0, {"account_id": accounts["4900"], "name": "Recovery", "debit": 0.0, "credit": 100.0}),
        ],
    }])
    client.call("account.move", "action_post", [move_id], retry=False)

    result = reporting()

    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "report_ties_to_ledger")
    assert evaluation.passed is False
    assert "| actual cost to date |" in evaluation.metadata["differences"].value
    assert "| 20.00 |" in evaluation.metadata["differences"].value


def recalculated(path, out_dir):
    """Open the workbook in LibreOffice headless, let it compute every formula, and read the values back."""
    import shutil
    import subprocess

    from openpyxl import load_workbook

    from tests.fixtures.services import require_service

    soffice = shutil.which("soffice")
    if soffice is None:
        require_service("LibreOffice", "soffice not found; .ci/run installs Debian's libreoffice-calc-nogui")
    profile = out_dir / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", "xlsx",
         "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    return load_workbook(out_dir / path.name, data_only=True)


def test_workbook_formulas_compute_the_stored_totals(reporting, tmp_path):
    from openpyxl import load_workbook

    from reporting.wip import wip_totals

    result = reporting()
    metadata = result.asset_materializations_for_node("month_end_report")[0].metadata
    path = Path(metadata["workbook"].value)
    formulas = load_workbook(path)
    assert formulas["Summary"]["B4"].value.startswith("='WIP schedule'!")
    assert formulas["Job cost"]["J2"].value == "=G2+I2"

    computed = recalculated(path, tmp_path / "lo")

    totals = wip_totals(period_wip(reporting.staging.engine, "2026-11"))
    summary = {row[0]: row[1] for row in computed["Summary"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert D(str(round(summary["Contract value"], 2))) == totals["contract_value"]
    assert D(str(round(summary["Earned revenue"], 2))) == totals["earned_revenue"]
    assert D(str(round(summary["Billings to date"], 2))) == totals["billings_to_date"]
    assert D(str(round(summary["Under-billing (costs in excess)"], 2))) == totals["under_billing"]
    lines = period_job_cost(reporting.staging.engine, "2026-11")
    grand_total = [row for row in computed["Job cost"].iter_rows(values_only=True) if row[0] == "Total"][0]
    assert D(str(round(grand_total[6], 2))) == sum(line.actual_to_date for line in lines)
    assert D(str(round(grand_total[9], 2))) == sum(line.estimated_cost_at_completion for line in lines)
    assert D(str(round(grand_total[10], 2))) == sum(line.variance for line in lines)


def test_charts_are_png_files(reporting):
    result = reporting()

    metadata = result.asset_materializations_for_node("month_end_report")[0].metadata
    for key in ("billing_chart", "budget_chart"):
        assert Path(metadata[key].value).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
