"""Fault injection: transport errors before and after the transaction commits."""

from __future__ import annotations

import xmlrpc.client

import httpx
import pytest


def test_status_before_commit_writes_nothing(fresh_odoo_sandbox):
    fresh_odoo_sandbox.server.inject_fault("res.partner", "create", status=503, when="before")
    partners = fresh_odoo_sandbox.connect("xmlrpc", as_admin=True).get_model("res.partner")
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        partners.create({"name": "Lost"})
    assert caught.value.errcode == 503
    assert partners.search_count([("name", "=", "Lost")]) == 0
    # The rule fired once and is gone.
    assert partners.create({"name": "Lost"})


def test_status_after_commit_keeps_write(fresh_odoo_sandbox):
    fresh_odoo_sandbox.server.inject_fault("res.partner", "create", status=502, when="after")
    partners = fresh_odoo_sandbox.connect("jsonrpc", as_admin=True).get_model("res.partner")
    with pytest.raises(ValueError):
        # odoolib's JSON-RPC call fails to parse the HTML error page.
        partners.create({"name": "Posted anyway"})
    assert partners.search_count([("name", "=", "Posted anyway")]) == 1


def test_dropped_connection_and_429(fresh_odoo_sandbox):
    server = fresh_odoo_sandbox.server
    server.inject_fault("hr.employee", "search", action="drop", when="before")
    server.inject_fault("hr.employee", "search_count", status=429, count=2)
    employees = fresh_odoo_sandbox.connect("jsonrpc").get_model("hr.employee")
    with pytest.raises(httpx.TransportError):
        employees.search([])
    for _ in range(2):
        with pytest.raises(ValueError):
            employees.search_count([])
    assert employees.search_count([]) == 9


def test_delay_beyond_client_timeout(fresh_odoo_sandbox):
    fresh_odoo_sandbox.server.inject_fault("res.partner", "create", action="delay", delay_seconds=1.5, when="after")
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [fresh_odoo_sandbox.database, 2, fresh_odoo_sandbox.admin_password, "res.partner", "create",
                 [{"name": "Slow"}]]}}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{fresh_odoo_sandbox.url}/jsonrpc", json=body, timeout=0.5)
    partners = fresh_odoo_sandbox.connect("jsonrpc", as_admin=True).get_model("res.partner")
    assert partners.search_count([("name", "=", "Slow")]) == 1


def test_faults_endpoint_requires_admin(fresh_odoo_sandbox):
    url = f"{fresh_odoo_sandbox.url}/sandbox/faults"
    spec = {"model": "res.partner", "method": "search", "status": 504}
    assert httpx.post(url, json=spec).status_code == 401
    assert httpx.post(url, json=spec, auth=("pipeline-api", fresh_odoo_sandbox.api_password)).status_code == 401
    admin = ("admin", fresh_odoo_sandbox.admin_password)
    added = httpx.post(url, json=spec, auth=admin)
    assert added.status_code == 200
    assert httpx.get(url, auth=admin).json()["faults"][0]["status"] == 504
    assert httpx.post(url, json={"action": "explode"}, auth=admin).status_code == 400
    partners = fresh_odoo_sandbox.connect("xmlrpc").get_model("res.partner")
    with pytest.raises(xmlrpc.client.ProtocolError):
        partners.search([])
    assert httpx.delete(url, auth=admin).json() == {"faults": []}


def test_serialization_failure_writes_nothing_and_is_transient(fresh_odoo_sandbox):
    from odoo_io.client import OdooClient, RetryPolicy
    from odoo_io.errors import OdooTransientError

    fresh_odoo_sandbox.server.inject_fault("res.partner", "search_read", action="serialization")
    sandbox = fresh_odoo_sandbox
    client = OdooClient(host="127.0.0.1", port=sandbox.port, protocol="jsonrpc", database=sandbox.database,
                        login=sandbox.admin_login, password=sandbox.admin_password, retry=RetryPolicy(max_attempts=1))

    with pytest.raises(OdooTransientError, match="could not serialize access"):
        client.search_read("res.partner", [], ["name"])
    assert client.search_read("res.partner", [("id", "=", 1)], ["name"])


def test_serialization_fault_fires_before_only():
    from odoo_sandbox.faults import FaultRule

    with pytest.raises(ValueError, match="fires 'before' only"):
        FaultRule(action="serialization", when="after")
