"""Authentication and the fault shapes of each RPC route, through real HTTP clients."""

from __future__ import annotations

import xmlrpc.client

import httpx
import odoolib
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from tests.fixtures.sandbox import start_sandbox


def proxy(sandbox, path: str) -> xmlrpc.client.ServerProxy:
    return xmlrpc.client.ServerProxy(f"{sandbox.url}{path}")


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_login_with_password_and_api_key(odoo_sandbox_server, protocol):
    for secret in (odoo_sandbox_server.api_password, odoo_sandbox_server.api_key):
        connection = odoo_sandbox_server.connect(protocol, secret=secret)
        connection.check_login()
        assert connection.user_id == 3


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_login_bad_password_fails(odoo_sandbox_server, protocol):
    connection = odoo_sandbox_server.connect(protocol, secret="wrong")
    with pytest.raises(AuthenticationError, match="Authentication failure"):
        connection.check_login()


def test_authenticate_returns_false_not_fault(odoo_sandbox_server):
    common = proxy(odoo_sandbox_server, "/xmlrpc/2/common")
    assert common.authenticate(odoo_sandbox_server.database, "nobody", "x", {}) is False
    assert common.authenticate(odoo_sandbox_server.database, "admin", odoo_sandbox_server.admin_password, {}) == 2


def test_authenticate_unknown_database_faults(odoo_sandbox_server):
    common = proxy(odoo_sandbox_server, "/xmlrpc/2/common")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        common.authenticate("no_such_db", "admin", "admin", {})
    assert caught.value.faultCode == 1
    assert 'database "no_such_db" does not exist' in caught.value.faultString


def test_version_reports_served_version(odoo_sandbox_server):
    version = proxy(odoo_sandbox_server, "/xmlrpc/2/common").version()
    assert version["server_version"] == "17.0"
    assert version["server_version_info"] == [17, 0, 0, "final", 0, ""]
    assert version["protocol_version"] == 1


def test_xmlrpc2_fault_codes(odoo_sandbox_server):
    db, password = odoo_sandbox_server.database, odoo_sandbox_server.api_key
    models = proxy(odoo_sandbox_server, "/xmlrpc/2/object")
    cases = [
        (("res.partner", "search", [[]]), "wrong-password", 3, "Access Denied"),
        (("no.such.model", "search", [[]]), password, 2, "Object no.such.model doesn't exist"),
        (("res.partner", "_private", [[]]), password, 4, "Private methods (such as _private) cannot be called remotely."),
        (("res.partner", "create", [{"name": "X"}]), password, 4, "You are not allowed to create 'Contact' (res.partner) records."),
        (("res.partner", "search", [[("no_field", "=", 1)]]), password, 1, "ValueError: Invalid field 'no_field'"),
    ]
    for (model, method, args), secret, code, text in cases:
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(db, 3, secret, model, method, args)
        assert caught.value.faultCode == code, (model, method)
        assert text in caught.value.faultString


def test_legacy_xmlrpc_string_faults(odoo_sandbox_server):
    connection = odoo_sandbox_server.connect("xmlrpc")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        connection.get_model("res.partner").create({"name": "X"})
    assert caught.value.faultCode.startswith("warning -- AccessError\n\nYou are not allowed to create")
    assert caught.value.faultString == ""

    with pytest.raises(xmlrpc.client.Fault) as caught:
        connection.get_model("no.such.model").search([])
    assert caught.value.faultCode == "warning -- UserError\n\nObject no.such.model doesn't exist"

    legacy = proxy(odoo_sandbox_server, "/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        legacy.execute_kw(odoo_sandbox_server.database, 3, "wrong", "res.partner", "search", [[]])
    assert caught.value.faultCode == "AccessDenied"
    assert caught.value.faultString == "Access Denied"


def test_jsonrpc_error_object(odoo_sandbox_server):
    connection = odoo_sandbox_server.connect("jsonrpc")
    with pytest.raises(JsonRPCException) as caught:
        connection.get_model("res.partner").write([1], {"name": "Renamed"})
    error = caught.value.error
    assert error["code"] == 200
    assert error["message"] == "Odoo Server Error"
    assert error["data"]["name"] == "odoo.exceptions.AccessError"
    assert error["data"]["message"].startswith("You are not allowed to modify 'Contact' (res.partner) records.")
    assert error["data"]["arguments"] == [error["data"]["message"]]
    assert "Traceback" in error["data"]["debug"]


def test_jsonrpc_malformed_body_is_400(odoo_sandbox_server):
    response = httpx.post(f"{odoo_sandbox_server.url}/jsonrpc", content=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "Invalid JSON data" in response.text


def test_execute_and_unknown_object_method(odoo_sandbox_server):
    models = proxy(odoo_sandbox_server, "/xmlrpc/2/object")
    db, key = odoo_sandbox_server.database, odoo_sandbox_server.api_key
    ids = models.execute(db, 3, key, "hr.employee", "search", [("barcode", "=", "E1001")])
    assert len(ids) == 1
    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.bogus(db, 3, key)
    assert "Method not available bogus" in caught.value.faultString


def test_login_cooldown_after_five_failures(fresh_odoo_sandbox):
    common = proxy(fresh_odoo_sandbox, "/xmlrpc/2/common")
    db = fresh_odoo_sandbox.database
    for _ in range(5):
        assert common.authenticate(db, "admin", "wrong", {}) is False
    # The right password is refused too while the cooldown lasts.
    assert common.authenticate(db, "admin", fresh_odoo_sandbox.admin_password, {}) is False
    models = proxy(fresh_odoo_sandbox, "/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw(db, 2, fresh_odoo_sandbox.admin_password, "res.partner", "search", [[]])
    assert caught.value.faultCode == 3
    assert caught.value.faultString == "Too many login failures, please wait a bit before trying again."


def test_none_result_faults_after_commit_on_v18(tmp_path):
    sandbox = start_sandbox(tmp_path / "v18.sqlite3", version="18.0")
    try:
        models = proxy(sandbox, "/xmlrpc/2/object")
        db, key = sandbox.database, sandbox.api_key
        assert models.execute_kw(db, 3, key, "hr.employee", "has_access", [[1], "read"]) is True
        with pytest.raises(xmlrpc.client.Fault) as caught:
            models.execute_kw(db, 3, key, "hr.employee", "check_access", [[1], "read"])
        assert caught.value.faultCode == 1
        assert "cannot marshal None unless allow_none is enabled" in caught.value.faultString
        # JSON-RPC leaves "result" out, which odoolib turns into False.
        assert sandbox.connect("jsonrpc").get_model("hr.employee").check_access([1], "read") is False
        fields = models.execute_kw(db, 2, sandbox.admin_password, "project.project", "fields_get",
                                   [], {"attributes": ["type"]})
        assert "account_id" in fields
        assert "analytic_account_id" not in fields
        company = models.execute_kw(db, 2, sandbox.admin_password, "res.company", "read", [[1], ["hard_lock_date"]])
        assert company[0]["hard_lock_date"] == "2025-12-31"
    finally:
        sandbox.server.stop()


def test_json2_on_v19(tmp_path):
    sandbox = start_sandbox(tmp_path / "v19.sqlite3", version="19.0")
    try:
        connection = sandbox.connect("json2")
        employees = connection.get_model("hr.employee")
        ids = employees.search([("barcode", "in", ["E1001", "E1002"])])
        assert len(ids) == 2
        record = employees.read(ids[0], ["barcode"])
        assert record["barcode"] in ("E1001", "E1002")
        assert employees.search_count([("active", "=", False)]) == 1
        created = connection.get_model("ir.model.data").create(
            {"module": "field_to_odoo", "name": "json2_probe", "model": "hr.employee", "res_id": ids[0]})
        assert isinstance(created, list) and len(created) == 1

        bad = odoolib.get_connection(hostname="127.0.0.1", protocol="json2", port=sandbox.port,
                                     database=sandbox.database, login=None, password="not-a-key")
        # Keyword arguments skip odoolib's /doc-bearer lookup, so the 401 comes from the call.
        with pytest.raises(AuthenticationError):
            bad.get_model("hr.employee").search_count(domain=[])
        with pytest.raises(httpx.HTTPStatusError, match="401"):
            bad.get_model("hr.employee").search_count([])
        with pytest.raises(ValueError, match="Invalid request"):
            connection.get_model("account.analytic.line").create({"name": "no account"})
        # The older protocols stay available on 19.
        assert sandbox.connect("jsonrpc").get_model("hr.employee").search_count([]) == 9
    finally:
        sandbox.server.stop()


def test_json2_not_served_before_v19(odoo_sandbox_server):
    response = httpx.post(f"{odoo_sandbox_server.url}/json/2/hr.employee/search",
                          headers={"Authorization": f"bearer {odoo_sandbox_server.api_key}"}, json={"domain": []})
    assert response.status_code == 404
