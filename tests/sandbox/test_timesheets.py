"""Timesheet rules of hr_timesheet on account.analytic.line, as the API user posts them."""

from __future__ import annotations

import pytest
from odoolib.tools import JsonRPCException

from tests.fixtures.sandbox import start_sandbox


def message_of(caught) -> str:
    return caught.value.error["data"]["message"]


def name_of(caught) -> str:
    return caught.value.error["data"]["name"]


def lookup(connection, job: str, cost_code: str, barcode: str) -> tuple[int, int, int]:
    project = connection.get_model("project.project").search([("analytic_account_id.code", "=", job)])[0]
    task = connection.get_model("project.task").search(
        [("project_id", "=", project), ("name", "=like", f"{cost_code}%")])[0]
    employee = connection.get_model("hr.employee").search(
        [("barcode", "=", barcode)], context={"active_test": False})[0]
    return project, task, employee


@pytest.fixture
def api(fresh_odoo_sandbox):
    return fresh_odoo_sandbox.connect("jsonrpc")


@pytest.fixture
def admin(fresh_odoo_sandbox):
    return fresh_odoo_sandbox.connect("jsonrpc", as_admin=True)


def test_timesheet_fills_project_account_and_amount(api):
    project, task, employee = lookup(api, "J-2301", "03 30 00", "E1001")
    lines = api.get_model("account.analytic.line")
    line_id = lines.create({"task_id": task, "employee_id": employee, "unit_amount": 7.5,
                            "date": "2026-11-16", "amount": 12345.0, "name": ""})
    line = lines.read([line_id], ["project_id", "account_id", "amount", "name", "company_id", "date"])[0]
    assert line["project_id"][0] == project
    assert line["account_id"][1] == "[J-2301] Riverside Medical Office Building"
    # -(7.5 h x 48.50 USD/h); the amount sent by the caller is ignored.
    assert line["amount"] == -363.75
    assert line["name"] == "/"
    assert line["company_id"] == [1, "Summit Ridge Builders"]
    assert line["date"] == "2026-11-16"


def test_amount_recomputed_on_write(admin):
    _project, task, employee = lookup(admin, "J-2417", "31 23 00", "E1005")
    _project, _task, other = lookup(admin, "J-2417", "31 23 00", "E1047")
    lines = admin.get_model("account.analytic.line")
    line_id = lines.create({"task_id": task, "employee_id": employee, "unit_amount": 2, "date": "2026-11-17"})
    assert lines.read([line_id], ["amount"])[0]["amount"] == -88.5
    lines.write([line_id], {"unit_amount": 4})
    assert lines.read([line_id], ["amount"])[0]["amount"] == -177.0
    lines.write([line_id], {"employee_id": other})
    assert lines.read([line_id], ["amount"])[0]["amount"] == -248.0


def test_private_task_refused(admin):
    task = admin.get_model("project.task").create({"name": "Estimating backlog"})
    _project, _task, employee = lookup(admin, "J-2301", "03 30 00", "E1001")
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("account.analytic.line").create({"task_id": task, "employee_id": employee, "unit_amount": 1})
    assert name_of(caught) == "odoo.exceptions.ValidationError"
    assert message_of(caught) == "Timesheets cannot be created on a private task."


def test_project_without_active_account_refused(admin):
    _project, _task, employee = lookup(admin, "J-2301", "03 30 00", "E1001")
    project = admin.get_model("project.project").create({"name": "No account"})
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("account.analytic.line").create(
            {"project_id": project, "employee_id": employee, "unit_amount": 1})
    assert message_of(caught) == "Timesheets must be created on a project or a task with an active analytic account."


def test_archived_or_missing_employee_refused(api):
    _project, task, archived = lookup(api, "J-2302", "04 20 00", "E1099")
    lines = api.get_model("account.analytic.line")
    with pytest.raises(JsonRPCException) as caught:
        lines.create({"task_id": task, "employee_id": archived, "unit_amount": 1})
    assert message_of(caught) == "Timesheets must be created with an active employee in the selected companies."
    # Without an employee, the calling user's employee is used; the API user has none.
    with pytest.raises(JsonRPCException) as caught:
        lines.create({"task_id": task, "unit_amount": 1})
    assert message_of(caught) == "Timesheets must be created with an active employee in the selected companies."


def test_archived_employee_on_write_refused(admin):
    _project, task, employee = lookup(admin, "J-2302", "04 20 00", "E1002")
    _project, _task, archived = lookup(admin, "J-2302", "04 20 00", "E1099")
    lines = admin.get_model("account.analytic.line")
    line_id = lines.create({"task_id": task, "employee_id": employee, "unit_amount": 1})
    with pytest.raises(JsonRPCException) as caught:
        lines.write([line_id], {"employee_id": archived})
    assert name_of(caught) == "odoo.exceptions.UserError"
    assert message_of(caught) == "You cannot set an archived employee to the existing timesheets."


def test_task_in_project_without_timesheets_refused(admin):
    _project, _task, employee = lookup(admin, "J-2301", "03 30 00", "E1001")
    account = admin.get_model("account.analytic.account").search([("code", "=", "J-2301")])[0]
    project = admin.get_model("project.project").create(
        {"name": "Warranty", "allow_timesheets": False, "analytic_account_id": account})
    task = admin.get_model("project.task").create({"name": "Punch list", "project_id": project})
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("account.analytic.line").create({"task_id": task, "employee_id": employee, "unit_amount": 1})
    assert message_of(caught) == "You cannot timesheet on a task in a project that doesn't allow timesheeting."


def test_api_user_cannot_write_others_lines(fresh_odoo_sandbox, api):
    _project, task, employee = lookup(api, "J-2301", "01 50 00", "E1003")
    lines = api.get_model("account.analytic.line")
    line_id = lines.create({"task_id": task, "employee_id": employee, "unit_amount": 3})
    with pytest.raises(JsonRPCException) as caught:
        lines.write([line_id], {"unit_amount": 4})
    assert name_of(caught) == "odoo.exceptions.AccessError"
    # The ACL rejects the write first, because the pipeline group has read and create only.
    assert "You are not allowed to modify 'Analytic Line'" in message_of(caught)


def test_non_approver_rule_message(fresh_odoo_sandbox, admin):
    """A user with write access but without the approver group only writes its own lines."""
    _project, task, employee = lookup(admin, "J-2301", "01 50 00", "E1003")
    lines = admin.get_model("account.analytic.line")
    line_id = lines.create({"task_id": task, "employee_id": employee, "unit_amount": 3})
    users = admin.get_model("res.users")
    approver = admin.get_model("ir.model.data").check_object_reference(
        "hr_timesheet", "group_hr_timesheet_approver")[1]
    users.write([2], {"groups_id": [(3, approver, 0)]})
    with pytest.raises(JsonRPCException) as caught:
        lines.write([line_id], {"unit_amount": 4})
    assert name_of(caught) == "odoo.exceptions.AccessError"
    assert message_of(caught) == "You cannot access timesheets that are not yours."


def test_batch_create_is_all_or_nothing(api):
    _project, task, employee = lookup(api, "J-2301", "03 11 00", "E1004")
    _project, _task, archived = lookup(api, "J-2301", "03 11 00", "E1099")
    lines = api.get_model("account.analytic.line")
    with pytest.raises(JsonRPCException):
        lines.create([{"task_id": task, "employee_id": employee, "unit_amount": 1, "ref": "batch-7"},
                      {"task_id": task, "employee_id": archived, "unit_amount": 1, "ref": "batch-7"}])
    assert lines.search_count([("ref", "=", "batch-7")]) == 0
    ids = lines.create([{"task_id": task, "employee_id": employee, "unit_amount": h, "ref": "batch-8"}
                        for h in (1, 2, 3)])
    assert len(ids) == 3
    totals = lines.read_group([("ref", "=", "batch-8")], ["unit_amount", "amount"], ["date:month"])
    assert totals[0]["unit_amount"] == 6.0
    assert totals[0]["amount"] == -178.5


def test_v18_account_field_and_messages(tmp_path):
    sandbox = start_sandbox(tmp_path / "v18.sqlite3", version="18.0")
    try:
        admin = sandbox.connect("jsonrpc", as_admin=True)
        project = admin.get_model("project.project").search([("account_id.code", "=", "J-2302")])[0]
        employee = admin.get_model("hr.employee").search([("barcode", "=", "E1006")])[0]
        archived = admin.get_model("hr.employee").search([("barcode", "=", "E1099")], context={"active_test": False})[0]
        lines = admin.get_model("account.analytic.line")
        line_id = lines.create({"project_id": project, "employee_id": employee, "unit_amount": 2})
        assert lines.read([line_id], ["amount"])[0]["amount"] == -82.0
        with pytest.raises(JsonRPCException) as caught:
            lines.write([line_id], {"employee_id": archived})
        assert message_of(caught) == "You cannot set an archived employee on existing timesheets."
        bare = admin.get_model("project.project").create({"name": "No account"})
        with pytest.raises(JsonRPCException) as caught:
            lines.create({"project_id": bare, "employee_id": employee, "unit_amount": 1})
        assert message_of(caught) == (
            "Timesheets must be created with at least an active analytic account defined in the plan 'Projects'.")
        with pytest.raises(JsonRPCException) as caught:
            lines.create({"name": "Not a timesheet", "amount": 5})
        assert message_of(caught) == "At least one analytic account must be set"
    finally:
        sandbox.server.stop()
