"""The Odoo client against the sandbox over HTTP: empty values, read-back, and faults by protocol."""

import math

import pandas as pd
import pytest

from odoo_io.client import OdooClient
from odoo_io.errors import OdooAuthenticationError, OdooValidationError


def client_for(sandbox, protocol: str, password: str | None = None) -> OdooClient:
    secret = password or (sandbox.api_key if protocol == "json2" else sandbox.api_password)
    return OdooClient(host="127.0.0.1", port=sandbox.port, protocol=protocol, database=sandbox.database,
                      login=sandbox.api_login, password=secret, timeout_seconds=10)


def timesheet_values(client: OdooClient, **extra) -> dict:
    employee = client.search_read("hr.employee", [("barcode", "=", "E1001")], ["id"])[0]["id"]
    task = client.search_read("project.task", [("name", "=like", "03 30 00%")], ["id", "project_id"])[0]
    return {"name": "C03 check", "date": "2026-11-16", "employee_id": employee, "task_id": task["id"],
            "project_id": task["project_id"][0], "unit_amount": 1.0, **extra}


@pytest.mark.parametrize("empty", [None, math.nan, pd.NaT])
def test_empty_values_are_dropped_before_xmlrpc(fresh_odoo_sandbox, empty):
    client = client_for(fresh_odoo_sandbox, "xmlrpc")
    values = timesheet_values(client, ref=empty, user_id=empty)

    created = client.create_many("account.analytic.line", [values])

    line = client.search_read("account.analytic.line", [("id", "in", created)], ["ref", "unit_amount"])[0]
    assert line["ref"] is False
    assert line["unit_amount"] == 1.0


def test_plain_xmlrpc_cannot_send_none(fresh_odoo_sandbox):
    connection = fresh_odoo_sandbox.connect("xmlrpc", secret=fresh_odoo_sandbox.api_password)
    client = client_for(fresh_odoo_sandbox, "xmlrpc")

    with pytest.raises(TypeError, match="cannot marshal None"):
        connection.get_model("account.analytic.line").create(timesheet_values(client, ref=None))


@pytest.mark.parametrize(("protocol", "version"), [("xmlrpc", "17.0"), ("jsonrpc", "17.0")])
def test_validation_fault_is_classified(fresh_odoo_sandbox, protocol, version):
    client = client_for(fresh_odoo_sandbox, protocol)
    values = timesheet_values(client)
    values.pop("project_id")
    values["task_id"] = 999_999

    with pytest.raises(OdooValidationError):
        client.create_many("account.analytic.line", [values])
    assert client.transient_retries == 0


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_wrong_password_is_an_authentication_error(fresh_odoo_sandbox, protocol):
    client = client_for(fresh_odoo_sandbox, protocol, password="wrong-password")

    with pytest.raises(OdooAuthenticationError) as raised:
        client.check_connection()
    assert "wrong-password" not in str(raised.value)
